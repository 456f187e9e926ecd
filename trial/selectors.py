"""Who may see which site: the one place that turns a user into the sites and roles they hold."""

from __future__ import annotations

from django.db.models import QuerySet

from trial.models import Role, Site, StaffRole


def sites_of(user, roles: list[str] | None = None) -> QuerySet[Site]:
    """The sites where the user holds any of ``roles`` (any role when None). Anonymous: none."""
    if not user.is_authenticated:
        return Site.objects.none()
    held = StaffRole.objects.filter(user=user)
    if roles is not None:
        held = held.filter(role__in=roles)
    return Site.objects.filter(pk__in=held.values("site_id"))


def roles_of(user) -> list[str]:
    """The distinct roles a user holds, in the order of Role (coordinator, investigator, monitor)."""
    if not user.is_authenticated:
        return []
    held = set(StaffRole.objects.filter(user=user).values_list("role", flat=True))
    return [role for role in Role.values if role in held]


def has_role(user, role: str, site: Site | None = None) -> bool:
    """Whether the user holds ``role`` (at ``site`` when given)."""
    if not user.is_authenticated:
        return False
    held = StaffRole.objects.filter(user=user, role=role)
    if site is not None:
        held = held.filter(site=site)
    return held.exists()
