"""Template context shared by every page: the roles of the signed-in user, for the navigation."""

from __future__ import annotations

from trial.selectors import roles_of


def roles(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    return {"user_roles": roles_of(user)}
