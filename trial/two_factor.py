"""TOTP two-factor authentication: required for investigators and monitors, optional for coordinators.

Enrolment shows a QR code (SVG drawn on the server) and the secret, confirms one code, then shows ten
single-use recovery codes once. Until a required user has verified a second factor in this session,
every page but these and logout redirects here. Staff and superusers need it too (the admin).

A user who already has an authenticator replaces it only by entering a code of the current one (or a
recovery code): a stolen password alone cannot swap the device. Who has lost it is reset by a sponsor
admin (``two_factor_reset``: audited, ends the user's sessions). Every enrolment, reset and recovery-code
use is an ``AuthEvent``; verifying the second factor gives the session a new id.
"""

from __future__ import annotations

import base64
import secrets

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from trial.auth_audit import record_auth_event
from trial.models import AuthEvent, Role
from trial.otp_throttle import checked_code, device_wait_seconds, wait_message
from trial.selectors import roles_of

ROLES_REQUIRING_2FA = {Role.INVESTIGATOR, Role.MONITOR}
RECOVERY_CODE_COUNT = 10


def requires_two_factor(user) -> bool:
    return bool(user.is_staff or user.is_superuser or ROLES_REQUIRING_2FA & set(roles_of(user)))




class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Authentication code"), max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReplaceForm(TokenForm):
    """Enrolment over an existing authenticator: a code of the current one proves it is its owner's doing."""

    current_token = forms.CharField(
        label=_("Code from your current authenticator"), max_length=16,
        help_text=_("A code of the authenticator you use now, or one of your recovery codes. Lost both? A sponsor "
                    "administrator can reset your second factor."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    field_order = ["current_token", "token"]


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _pending_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan, confirm one code, receive recovery codes. Replacing one needs a code
    of the current authenticator or a recovery code as well."""
    replacing = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    device = _pending_device(request.user)
    form = (ReplaceForm if replacing else TokenForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = device_wait_seconds(device)  # the new device's throttle, before its code is tried
        current, refused = None, None
        if replacing and not wait:
            current, refused = checked_code(request.user, form.cleaned_data["current_token"])
        if refused or wait:
            form.add_error(None, refused or wait_message(wait))
        elif replacing and current is None:
            form.add_error("current_token", _("That is not a code of your current authenticator or a recovery "
                                              "code; the authenticator was not replaced."))
        elif device.verify_token(form.cleaned_data["token"].strip()):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(request.user)
                record_auth_event(AuthEvent.Kind.TWO_FACTOR_ENROLLED, request.user, request)
            otp_login(request, device)
            request.session.cycle_key()
            return render(request, "registration/2fa_recovery_codes.html", {"codes": codes})
        else:
            form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    return render(request, "registration/2fa_setup.html", {
        "form": form,
        "replacing": replacing,
        "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # generated here from our own data only
    })


def two_factor_reset(*, acting_user, user, reason: str, request: HttpRequest | None = None) -> int:
    """A sponsor admin's reset of a user's second factor (lost phone): every device and recovery code goes,
    every session of the user ends, and the reset is an AuthEvent naming both. Returns the sessions ended."""
    from django.contrib.sessions.models import Session
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils import timezone

    if not (acting_user.is_superuser or acting_user.has_perm("otp_totp.delete_totpdevice")):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Give the reason for the reset."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        ended = 0
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
                session.delete()
                ended += 1
        by = f"{user.get_username()} (by {acting_user.get_username()}: {reason.strip()})"
        record_auth_event(AuthEvent.Kind.TWO_FACTOR_RESET, user, request, username=by[:150])
    return ended


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login for users with a confirmed device."""
    if not user_has_device(request.user):
        return redirect("two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, refused = checked_code(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            # A new session id once the second factor is proven: one known before it proves nothing.
            request.session.cycle_key()
            if isinstance(device, StaticDevice):
                record_auth_event(AuthEvent.Kind.RECOVERY_CODE_USED, request.user, request)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
        form.add_error("token", refused or _("That code is not valid."))
    return render(request, "registration/2fa_verify.html", {"form": form})


class RequireTwoFactorMiddleware:
    """Sends investigators and monitors to set up or verify a second factor before anything else."""

    ALLOWED_PREFIXES = ("/account/2fa/", "/logout/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and requires_two_factor(user)
        ):
            target = "two_factor_verify" if user_has_device(user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
