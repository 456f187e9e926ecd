"""Steps several browser tests take the same way: the registration form and the signing form filled in."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, current_totp_code


def fill_registration(page, *, initials: str, born: str, full_name: str, weight_kg: str) -> None:
    """A woman of childbearing potential without Gilbert's syndrome, as the register form asks."""
    page.locator('[name="initials"]').fill(initials)
    page.locator('[name="date_of_birth"]').fill(born)
    page.locator('[name="sex"][value="female"]').check()
    page.locator('[name="weight_kg"]').fill(weight_kg)
    page.locator('[name="childbearing_potential"][value="yes"]').check()
    page.locator('[name="gilbert_syndrome"][value="no"]').check()
    page.locator('[name="full_name"]').fill(full_name)


def fill_signature(page, investigator, printed_name: str) -> None:
    """The signing form: the printed name, the password and a fresh one-time code."""
    device = TOTPDevice.objects.get(user=investigator)
    device.last_t = -1  # the login's code was used in this same time step
    device.save(update_fields=["last_t"])
    page.locator("#id_printed_name").fill(printed_name)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_otp_token").fill(current_totp_code(device))
