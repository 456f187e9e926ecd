"""After wrong one-time codes django-otp refuses every code, the right one too, for 1, 2, 4, 8 ... seconds
(its throttle against guessing). A refusal in that window must say so and when to try again: "the code is
not valid, check your phone's clock" sent people to fix a clock that was right."""

from __future__ import annotations

import math

from django.utils import timezone
from django.utils.translation import ngettext
from django_otp import devices_for_user, match_token
from django_otp.models import Device, ThrottlingMixin


def wait_seconds(user) -> int:
    """Seconds until the user's authenticators check a code again (0: now). Pending ones count too: a
    wrong code while enrolling throttles the new device."""
    return max((device_wait_seconds(device) for device in devices_for_user(user, confirmed=None)), default=0)


def device_wait_seconds(device: Device) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or not data.get("locked_until"):
        return 0
    return max(0, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes in a row: for your security no code is checked for %(seconds)s more second. "
        "Wait, then type the code your app shows at that moment.",
        "Too many wrong codes in a row: for your security no code is checked for %(seconds)s more seconds. "
        "Wait, then type the code your app shows at that moment.",
        seconds,
    ) % {"seconds": seconds}


def checked_code(user, token: str) -> tuple[Device | None, str | None]:
    """The device that accepts ``token`` and None, or None and why it was refused when the throttle held at
    the moment it was typed (None: the code is simply wrong; the caller says so in its own words).

    Every device tries a code (``match_token``), so a recovery code counts as a wrong code for the
    authenticator app: once one device accepts, the others' throttles are reset, or the next login would
    be throttled for a code that was right."""
    wait = wait_seconds(user)
    device = match_token(user, token.strip()) if token.strip() else None
    if device is None:
        return None, wait_message(wait) if wait else None
    for other in devices_for_user(user, confirmed=None):
        if isinstance(other, ThrottlingMixin) and other.throttling_failure_count:
            other.throttle_reset()
    return device, None
