"""Trial set-up for sponsor admins: trials, sites, staff roles; protocol versions read-only."""

from django.contrib import admin

from trial.models import AuthEvent, ProtocolVersion, Site, StaffRole, Trial


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "registry_id", "sponsor"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "city", "trial", "time_zone", "default_language"]
    list_filter = ["trial"]


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
