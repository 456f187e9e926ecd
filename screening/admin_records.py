"""Admin for screening records (imported by ``screening/admin.py``).

Sponsor admins set up each site's default reference ranges here; saving goes through the same service as the
coordinators' page (same checks; a change needs a reason and is refused if someone changed the range
meanwhile). Screening records and attestations are visible only: corrections go through the portal's forms.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from screening.models import (
    Attestation,
    Classification,
    EchoResult,
    EularAcrAssessment,
    LabResult,
    PregnancyTest,
    ReferenceRange,
    SerologyResult,
    SledaiAssessment,
    Spo2Reading,
    Treatment,
)
from screening.records import rules, services
from trial.admin import ReadOnlyAdmin
from trial.protocol_versions import protocol_for


class ReferenceRangeAdminForm(forms.ModelForm):
    reason = forms.CharField(label=_("Reason for the change"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = ReferenceRange
        fields = ["site", "test", "sex", "low", "high", "unit"]

    def clean(self) -> dict:
        data = super().clean()
        if self.instance.pk and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for the change."))
        site = data.get("site") or (self.instance.site if self.instance.pk else None)
        test, unit = data.get("test") or self.instance.test, data.get("unit")
        if site is not None and test and unit and data.get("high") is not None:
            try:
                spec = protocol_for(site.trial).lab_tests.get(test)
            except ValidationError as error:
                raise ValidationError(error.messages) from error
            if problem := rules.unit_problem(test, unit, spec):
                self.add_error("unit", problem)
            else:
                for field, problem in rules.reference_problems(test, data.get("low"), data["high"], unit, spec).items():
                    self.add_error({"reference_low": "low", "reference_high": "high"}[field], problem)
        return data


@admin.register(ReferenceRange)
class ReferenceRangeAdmin(admin.ModelAdmin):
    form = ReferenceRangeAdminForm
    list_display = ["hospital", "test", "sex", "low", "high", "unit", "site"]
    list_filter = ["hospital", "test", "sex"]

    def get_readonly_fields(self, request, obj=None):
        return ["site", "test", "sex"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # results keep their own copy; a default is changed, not removed

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        try:
            saved = services.reference_range_save(
                acting_user=request.user, site=obj.site, test=obj.test, sex=obj.sex, low=data.get("low"),
                high=data["high"], unit=data["unit"], version=obj.version if change else None,
                reason=data.get("reason", ""),
            )
        except ValidationError as error:
            # The form checked the same rules; only a concurrent change gets here: say so, change nothing.
            self.message_user(request, _("Not saved: %(errors)s") % {"errors": " ".join(error.messages)}, level=messages.ERROR)
            return
        obj.__dict__.update(saved.__dict__)


for model in (LabResult, SerologyResult, EchoResult, Spo2Reading, PregnancyTest, SledaiAssessment,
              EularAcrAssessment, Classification, Treatment):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {
        "list_display": ["patient", "__str__", "status", "entered_by", "entered_at"],
        "list_filter": ["status"],
    }))


@admin.register(Attestation)
class AttestationAdmin(ReadOnlyAdmin):
    list_display = ["patient", "question", "answer", "contraception_method", "recorded_by", "recorded_at"]
