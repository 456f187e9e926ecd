"""View decorators for role-based access. Site scoping itself lives in the selectors."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from trial.audit.search import is_sponsor_admin
from trial.models import Role
from trial.selectors import roles_of


def role_required(*roles: str):
    """Logged-in users holding one of ``roles`` at any site; others get 403 (anonymous: the login page)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not set(roles) & set(roles_of(request.user)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def audit_reader_required(view):
    """Monitors and sponsor admins, who review the audit trail and the validation reports; everyone else 403
    (anonymous: the login page). What each may see within is scoped by the selectors."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (is_sponsor_admin(request.user) or Role.MONITOR in roles_of(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
