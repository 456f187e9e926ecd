"""Logins, logouts, failed logins and the second factor's enrolments, resets and recovery codes go to the
append-only AuthEvent table."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from trial.audit import client_ip
from trial.models import AuthEvent


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def record_auth_event(kind: str, user, request=None, username: str = "") -> AuthEvent:
    """One event of ``user``; ``username``: what to record instead of the account name (a reset names who)."""
    return AuthEvent.objects.create(kind=kind, user=user, username=username or user.get_username(), ip=_ip(request))


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs) -> None:
    record_auth_event(AuthEvent.Kind.LOGIN, user, request)


@receiver(user_logged_out)
def record_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_auth_event(AuthEvent.Kind.LOGOUT, user, request)


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs) -> None:
    # Only the username as typed is kept; Django already masks the password in ``credentials``.
    AuthEvent.objects.create(
        kind=AuthEvent.Kind.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150], ip=_ip(request)
    )
