"""Two-factor authentication: required for investigators and monitors, optional for coordinators."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, create_totp_device, current_totp_code


def password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("who", ["investigator_a", "monitor_a"])
def test_investigators_and_monitors_must_enrol_before_anything_else(request, client, who):
    user = request.getfixturevalue(who)
    password_login(client, user)
    response = client.get(reverse(f"dashboard_{who.split('_')[0]}"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_setup"))


def test_coordinators_may_work_without_a_second_factor(client, coordinator_a):
    password_login(client, coordinator_a)
    assert client.get(reverse("dashboard_coordinator")).status_code == 200


def test_enrolment_confirms_a_code_and_shows_recovery_codes_once(client, investigator_a):
    password_login(client, investigator_a)
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "<svg" in page  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=investigator_a, confirmed=False)
    done = client.post(reverse("two_factor_setup"), {"token": current_totp_code(device)})
    codes = re.findall(r"<li>([0-9a-f]{10})</li>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("dashboard_investigator")).status_code == 200


def wrong_code(device) -> str:
    return "000000" if current_totp_code(device) != "000000" else "111111"


def test_enrolment_refuses_a_wrong_code(client, investigator_a):
    password_login(client, investigator_a)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=investigator_a, confirmed=False)
    response = client.post(reverse("two_factor_setup"), {"token": wrong_code(device)})
    assert "That code is not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=investigator_a, confirmed=True).exists()


def test_a_wrong_code_at_login_keeps_the_user_out(client, investigator_a):
    device = create_totp_device(investigator_a)
    password_login(client, investigator_a)
    wrong = client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
    assert "That code is not valid" in wrong.content.decode()
    assert client.get(reverse("dashboard_investigator")).status_code == 302


def test_a_second_login_asks_for_the_code(client, investigator_a):
    device = create_totp_device(investigator_a)
    password_login(client, investigator_a)
    response = client.get(reverse("dashboard_investigator"))
    assert response.url.startswith(reverse("two_factor_verify"))
    ok = client.post(reverse("two_factor_verify") + "?next=/dashboard/investigator/", {"token": current_totp_code(device)})
    assert ok.url == "/dashboard/investigator/"
    assert client.get(reverse("dashboard_investigator")).status_code == 200


def test_a_recovery_code_works_once(client, investigator_a):
    from django_otp.plugins.otp_static.models import StaticDevice

    create_totp_device(investigator_a)
    StaticDevice.objects.create(user=investigator_a, name="recovery codes").token_set.create(token="abcdef0123")
    password_login(client, investigator_a)
    assert client.post(reverse("two_factor_verify"), {"token": "abcdef0123"}).status_code == 302
    client.post(reverse("logout"))
    password_login(client, investigator_a)
    again = client.post(reverse("two_factor_verify"), {"token": "abcdef0123"})
    assert "That code is not valid" in again.content.decode()


def test_verify_never_redirects_off_site(client, investigator_a):
    device = create_totp_device(investigator_a)
    password_login(client, investigator_a)
    response = client.post(reverse("two_factor_verify") + "?next=https://evil.example/", {"token": current_totp_code(device)})
    assert response.url == reverse("home")
