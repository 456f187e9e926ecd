"""Sponsor admins manage ICF versions here; adding goes through the same service as the coordinators' page,
so the same checks (PDF, dates, one current version) apply. Versions, consents and withdrawals are not
edited here: corrections go through the portal's forms, which ask for a reason."""

from __future__ import annotations

from django.contrib import admin

from screening import protocol_setup  # noqa: F401  (registers the protocol versions' admin and its upload)
from screening.consent import services
from screening.consent.forms import ICFVersionForm
from screening.models import Consent, ICFVersion, Withdrawal
from trial.admin import ReadOnlyAdmin
from trial.models import Site


class ICFVersionAdminForm(ICFVersionForm):
    """The portal's form with every site to choose from; ``save_m2m`` keeps the admin's add view content."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.pop("instance", None)
        super().__init__(*args, sites=Site.objects.all(), **kwargs)
        self.instance = ICFVersion()

    def save(self, commit: bool = True) -> ICFVersion:
        return self.instance

    def save_m2m(self) -> None:
        pass


@admin.register(ICFVersion)
class ICFVersionAdmin(admin.ModelAdmin):
    list_display = ["site", "language", "label", "ethics_approved_on", "effective_on", "superseded_on", "sha256"]
    list_filter = ["site", "language"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return ICFVersionAdminForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": list(ICFVersionForm.base_fields)})]
        return super().get_fieldsets(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # The form ran the same checks; only a simultaneous upload could still fail here.
        version = services.icf_version_add(acting_user=request.user, **form.cleaned_data)
        obj.__dict__.update(version.__dict__)  # the admin's messages and log entry name the saved version


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "icf_version", "signer", "signed_at", "obtained_by", "copy_given"]


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["patient", "withdrawn_on", "reason"]


# Reference ranges and the screening records: their own module, registered with the app's admin here.
from screening import admin_records  # noqa: E402,F401
