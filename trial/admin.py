"""Trial set-up for sponsor admins: trials, sites, staff roles; protocol versions read-only."""

from django.contrib import admin

from trial.models import AuthEvent, Hospital, ProtocolVersion, Site, StaffRole, Trial


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "registry_id", "sponsor"]


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "time_zone", "default_language"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["number", "hospital", "trial"]
    list_filter = ["trial", "hospital"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "site"]
    list_filter = ["role", "site"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible, never editable (the database refuses it anyway)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(ReadOnlyAdmin):
    list_display = ["trial", "number", "label", "effective_on", "sha256", "loaded_at"]


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


class PortalUserAdmin(UserAdmin):
    actions = [*UserAdmin.actions, reset_second_factor]


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
