"""Trial set-up for sponsor admins: hospitals, trials, their sites, staff roles. Protocol versions (read-only,
uploaded and activated with a reason) are in screening.protocol_setup."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trial.fields import SiteChoiceField
from trial.models import AuthEvent, Hospital, Site, StaffName, StaffRole, Trial
from trial.staff import site_staff_from_hospital


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "registry_id", "sponsor"]


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "city", "time_zone", "default_language"]


@admin.action(description=gettext_lazy(
    "Delegate the hospital's coordinators and investigators (of its other trials) to these sites"))
def delegate_hospital_staff(modeladmin, request, queryset) -> None:
    for site in queryset:
        created = site_staff_from_hospital(acting_user=request.user, site=site)
        modeladmin.message_user(request, _("%(trial)s site %(site)s: %(count)d role(s) added.") % {
            "trial": site.trial.code, "site": site, "count": len(created)})


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["number", "hospital", "trial"]
    list_filter = ["trial", "hospital"]
    actions = [delegate_hospital_staff]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    """A role at a trial's site: the delegation log is kept per trial, so a person working on two trials at
    one hospital holds a role at each of its two sites (one account, shared)."""

    list_display = ["user", "role", "site", "site__trial"]
    list_filter = ["role", "site__trial", "site__hospital"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "site":
            kwargs["form_class"] = SiteChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible, never editable (the database refuses it anyway)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Protocol versions: screening.protocol_setup (the upload reads the eligibility engine and the signatures).


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "ip"]
    list_filter = ["kind"]


# -- resetting a user's second factor (a lost phone), audited -------------------------------------------------

from django.contrib import messages  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.admin import UserAdmin  # noqa: E402

from trial.two_factor import two_factor_reset  # noqa: E402

User = get_user_model()


@admin.action(description="Reset the second factor (lost authenticator): removes it and ends the user's sessions")
def reset_second_factor(modeladmin, request, queryset) -> None:
    for user in queryset:
        ended = two_factor_reset(acting_user=request.user, user=user, request=request,
                                 reason="reset in the admin at the user's request")
        messages.info(request, f"{user.get_username()}: second factor reset, {ended} session(s) ended.")


class StaffNameInline(admin.StackedInline):
    """The name in Chinese characters beside the account's pinyin first and last names."""

    model = StaffName
    can_delete = False
    extra = 1
    max_num = 1


class PortalUserAdmin(UserAdmin):
    actions = [*UserAdmin.actions, reset_second_factor]
    inlines = [*UserAdmin.inlines, StaffNameInline]


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
