"""Template context shared by every page: the portal's name and the roles of the signed-in user, for the
navigation."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language

from trial.selectors import name_shown, roles_of


def portal(request) -> dict:
    # The portal serves several trials: its pages carry its own name (PORTAL_NAME), never one trial's code.
    return {"portal_name": settings.PORTAL_NAME}


def roles(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    return {"user_roles": roles_of(user), "user_name": name_shown(user, get_language() or "en")}
