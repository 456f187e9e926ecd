"""Who may see which site: the one place that turns a user into the sites and roles they hold."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from trial.models import Role, Site, StaffName, StaffRole


def sites_of(user, roles: list[str] | None = None, trial=None) -> QuerySet[Site]:
    """The sites where the user holds any of ``roles`` (any role when None), of ``trial`` when given (a
    dashboard narrowed to one trial). Anonymous: none."""
    if not user.is_authenticated:
        return Site.objects.none()
    if isinstance(getattr(user, ROLE_CACHE_ATTRIBUTE, False), frozenset):
        # Roles already read for this request: the site ids as literals, not a subquery to plan into each query.
        sites = Site.objects.filter(pk__in=sorted({site for site, role in _held(user) if roles is None or role in roles}))
    else:
        held = StaffRole.objects.filter(user=user)
        if roles is not None:
            held = held.filter(role__in=roles)
        sites = Site.objects.filter(pk__in=held.values("site_id"))
    return sites if trial is None else sites.filter(trial=trial)


# A request's user carries this attribute (set by RoleCacheMiddleware): the (site id, role) pairs it holds,
# read once per request. A page asks "may this user ... at this site" five to seven times. Users passed in
# any other way (services called from tasks, commands, tests) are asked the database every time.
ROLE_CACHE_ATTRIBUTE = "_portal_held_roles"


class RoleCacheMiddleware:
    """Lets the selectors below read the signed-in user's roles once per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            setattr(user, ROLE_CACHE_ATTRIBUTE, None)  # None: to be read on first use
        return self.get_response(request)


def _held(user) -> frozenset[tuple[int, str]]:
    """The (site id, role) pairs of an authenticated user."""
    cached = getattr(user, ROLE_CACHE_ATTRIBUTE, False)
    if isinstance(cached, frozenset):
        return cached
    # The name in Chinese characters comes with the roles (one query): the navigation names the person in the
    # script of the page's language.
    rows = list(StaffRole.objects.filter(user=user).values_list("site_id", "role", "user__chinese_name__name"))
    held = frozenset((site, role) for site, role, _name in rows)
    if cached is None:
        setattr(user, ROLE_CACHE_ATTRIBUTE, held)
        setattr(user, CHINESE_NAME_ATTRIBUTE, next((name for *_held_role, name in rows if name), ""))
    return held


CHINESE_NAME_ATTRIBUTE = "_portal_chinese_name"


def name_shown(user, language: str) -> str:
    """The person's name as the navigation shows it: in Chinese characters in the Chinese interface where
    recorded (read with the roles of the request), else the account's name, else the username."""
    pinyin = account_name(user) or user.username
    if not language.startswith("zh"):
        return pinyin
    _held(user)
    return getattr(user, CHINESE_NAME_ATTRIBUTE, "") or pinyin


def roles_of(user) -> list[str]:
    """The distinct roles a user holds, in the order of Role (coordinator, investigator, monitor)."""
    if not user.is_authenticated:
        return []
    held = {role for _site, role in _held(user)}
    return [role for role in Role.values if role in held]


def roles_at(user, site_id: int) -> set[str]:
    """The roles the user holds at one site."""
    if not user.is_authenticated:
        return set()
    return {role for site, role in _held(user) if site == site_id}


def has_role(user, role: str, site: Site | None = None) -> bool:
    """Whether the user holds ``role`` (at ``site`` when given)."""
    if not user.is_authenticated:
        return False
    return any(held == role and (site is None or at == site.pk) for at, held in _held(user))


def staff_emails(site: Site, roles: list[str]) -> list[str]:
    """The e-mail addresses of the site's active staff holding any of ``roles``."""
    users = get_user_model().objects.filter(
        site_roles__site=site, site_roles__role__in=roles, is_active=True
    ).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


@dataclass(frozen=True)
class ShortList:
    """The first rows of a dashboard list, and how many it has in all."""

    rows: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def first_of(rows: QuerySet, limit: int) -> ShortList:
    """The first ``limit`` of ``rows``; they are counted only when that page is full."""
    shown = list(rows[:limit])
    return ShortList(shown, len(shown) if len(shown) < limit else rows.count())


def account_name(user) -> str:
    """The account's first and last names (in pinyin), spaces as a person types them."""
    return " ".join(user.get_full_name().split())


def names_of(user) -> list[str]:
    """The person's names a signature may carry: the account's (pinyin) and, where recorded, in Chinese."""
    names = [account_name(user)]
    chinese = StaffName.objects.filter(user=user).values_list("name", flat=True).first()
    if chinese:
        names.append(chinese.strip())
    return [name for name in names if name]
