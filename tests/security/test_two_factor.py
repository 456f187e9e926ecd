"""Two-factor authentication: required for investigators and monitors, optional for coordinators."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, create_totp_device, current_totp_code

pytestmark = pytest.mark.requirement("ACC-02")


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


# -- the device swap a stolen password allowed, and the admin ------------------------------------------------------


def _password_only(client, user):
    """A session that has passed the password, not the second factor: what a stolen password gives."""
    client.force_login(user)
    return client


def _pending_code(user) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return current_totp_code(TOTPDevice.objects.get(user=user, confirmed=False))


def test_a_password_alone_cannot_replace_the_authenticator(client, investigator_a):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from trial.models import AuthEvent

    real = create_totp_device(investigator_a)
    _password_only(client, investigator_a)
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert 'data-testid="replacing"' in page
    # The attacker scans the new QR code and confirms it, without a code of the real authenticator.
    response = client.post(reverse("two_factor_setup"), {"token": _pending_code(investigator_a)})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(reverse("two_factor_setup"), {"token": _pending_code(investigator_a),
                                                          "current_token": "123456"})
    assert "the authenticator was not replaced" in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=investigator_a, confirmed=True)) == [real]
    assert not AuthEvent.objects.filter(kind="2fa_enrolled").exists()
    # Still not verified: the rest of the portal (signing included) stays closed.
    assert client.get(reverse("dashboard_investigator")).status_code == 302


def test_the_owner_replaces_it_with_a_code_of_the_current_one_and_it_is_audited(client, investigator_a):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from trial.models import AuthEvent

    real = create_totp_device(investigator_a)
    _password_only(client, investigator_a)
    client.get(reverse("two_factor_setup"))
    before = client.session.session_key
    response = client.post(reverse("two_factor_setup"), {"token": _pending_code(investigator_a),
                                                          "current_token": current_totp_code(real)})
    assert response.status_code == 200 and "recovery" in response.content.decode().lower()
    assert not TOTPDevice.objects.filter(pk=real.pk).exists()
    assert TOTPDevice.objects.filter(user=investigator_a, confirmed=True).count() == 1
    assert AuthEvent.objects.filter(kind="2fa_enrolled", user=investigator_a).count() == 1
    assert client.session.session_key != before


def test_verifying_the_second_factor_gives_a_new_session_id_and_a_recovery_code_is_audited(client, monitor_a):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from trial.models import AuthEvent

    create_totp_device(monitor_a)
    recovery = StaticDevice.objects.create(user=monitor_a, name="recovery codes", confirmed=True)
    StaticToken.objects.create(device=recovery, token="abcdef1234")
    _password_only(client, monitor_a)
    before = client.session.session_key
    response = client.post(reverse("two_factor_verify"), {"token": "abcdef1234"})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert AuthEvent.objects.filter(kind="recovery_code_used", user=monitor_a).count() == 1


def test_the_sponsor_admin_needs_the_second_factor_for_the_admin(client, db):
    from tests.factories import create_sponsor_admin

    admin_user = create_sponsor_admin("sponsor_admin_2fa")
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302 and reverse("two_factor_setup") in response.url


def test_an_admin_reset_removes_the_factor_ends_the_sessions_and_is_audited(client, investigator_a, db):
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import create_sponsor_admin
    from trial.models import AuthEvent
    from trial.two_factor import two_factor_reset

    create_totp_device(investigator_a)
    client_of_the_user = type(client)()
    client_of_the_user.force_login(investigator_a)
    assert Session.objects.count() == 1
    admin_user = create_sponsor_admin("sponsor_admin_reset")
    ended = two_factor_reset(acting_user=admin_user, user=investigator_a, reason="phone lost, ticket 42")
    assert ended == 1 and not Session.objects.exists()
    assert not TOTPDevice.objects.filter(user=investigator_a).exists()
    event = AuthEvent.objects.get(kind="2fa_reset")
    assert event.user == investigator_a and "sponsor_admin_reset" in event.username and "ticket 42" in event.username


def test_the_admin_hides_totp_keys_and_recovery_codes(client, investigator_a, db):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from tests.factories import create_sponsor_admin

    device = create_totp_device(investigator_a)
    recovery = StaticDevice.objects.create(user=investigator_a, name="recovery codes", confirmed=True)
    StaticToken.objects.create(device=recovery, token="secret0code")
    admin_user = create_sponsor_admin("sponsor_admin_view")
    client.force_login(admin_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = create_totp_device(admin_user).persistent_id
    session.save()
    totp_page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    static_page = client.get(reverse("admin:otp_static_staticdevice_change", args=[recovery.pk]))
    assert totp_page.status_code == static_page.status_code == 200
    assert device.key not in totp_page.content.decode() and "qrcode" not in totp_page.content.decode().lower()
    assert "secret0code" not in static_page.content.decode()


# -- the throttle after wrong codes ----------------------------------------------------------------------------


def test_right_after_a_wrong_code_the_refusal_says_it_is_a_throttle_and_for_how_long(client, investigator_a):
    device = create_totp_device(investigator_a)
    password_login(client, investigator_a)
    client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
    refused = client.post(reverse("two_factor_verify"), {"token": current_totp_code(device)}).content.decode()
    assert "Too many wrong codes in a row" in refused and "1 more second" in refused
    assert "not valid" not in refused  # the code was right: only its timing was not
    assert client.get(reverse("dashboard_investigator")).status_code == 302


def test_once_the_throttle_has_passed_the_right_code_gets_in(client, investigator_a):
    device = create_totp_device(investigator_a)
    password_login(client, investigator_a)
    client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
    device.refresh_from_db()
    device.throttling_failure_timestamp -= dt.timedelta(seconds=2)  # as if the person waited
    device.save()
    ok = client.post(reverse("two_factor_verify"), {"token": current_totp_code(device)})
    assert ok.status_code == 302
    assert client.get(reverse("dashboard_investigator")).status_code == 200


def test_a_recovery_code_that_got_in_leaves_no_throttle_on_the_authenticator(client, investigator_a):
    """Every device tries a code, so the recovery code counted as a wrong code for the app."""
    from django_otp.plugins.otp_static.models import StaticDevice

    device = create_totp_device(investigator_a)
    StaticDevice.objects.create(user=investigator_a, name="recovery codes").token_set.create(token="abcdef0123")
    password_login(client, investigator_a)
    assert client.post(reverse("two_factor_verify"), {"token": "abcdef0123"}).status_code == 302
    client.post(reverse("logout"))
    password_login(client, investigator_a)
    assert client.post(reverse("two_factor_verify"), {"token": current_totp_code(device)}).status_code == 302
