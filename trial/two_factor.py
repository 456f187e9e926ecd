"""TOTP two-factor authentication: required for investigators and monitors, optional for coordinators.

Enrolment shows a QR code (SVG drawn on the server) and the secret, confirms one code, then shows ten
single-use recovery codes once. Until a required user has verified a second factor in this session,
every page but these and logout redirects here.
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
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from trial.models import Role
from trial.selectors import roles_of

ROLES_REQUIRING_2FA = {Role.INVESTIGATOR, Role.MONITOR}
RECOVERY_CODE_COUNT = 10


def requires_two_factor(user) -> bool:
    return bool(ROLES_REQUIRING_2FA & set(roles_of(user)))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Authentication code"), max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


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
    """Enrol an authenticator app: scan, confirm one code, receive recovery codes."""
    device = _pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(request.user)
            otp_login(request, device)
            return render(request, "registration/2fa_recovery_codes.html", {"codes": codes})
        form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    return render(request, "registration/2fa_setup.html", {
        "form": form,
        "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # generated here from our own data only
    })


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login for users with a confirmed device."""
    if not user_has_device(request.user):
        return redirect("two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
        form.add_error("token", _("That code is not valid."))
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
