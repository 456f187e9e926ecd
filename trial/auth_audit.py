"""Logins, logouts and failed logins go to the append-only AuthEvent table."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from trial.audit import client_ip
from trial.models import AuthEvent


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs) -> None:
    AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN, user=user, username=user.get_username(), ip=_ip(request))


@receiver(user_logged_out)
def record_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        AuthEvent.objects.create(
            kind=AuthEvent.Kind.LOGOUT, user=user, username=user.get_username(), ip=_ip(request)
        )


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs) -> None:
    # Only the username as typed is kept; Django already masks the password in ``credentials``.
    AuthEvent.objects.create(
        kind=AuthEvent.Kind.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150], ip=_ip(request)
    )
