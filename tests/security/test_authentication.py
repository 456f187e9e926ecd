"""Login lockout, session lifetimes and the password policy."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import PASSWORD
from trial.models import AuthEvent
from trial.session_limits import SESSION_RENEWED_KEY, SESSION_STARTED_KEY

pytestmark = pytest.mark.requirement("ACC-02")


def fail_login(client, username: str, ip: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": "wrong password 123"}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_from_that_address_even_with_the_right_password(client, coordinator_a):
    for _ in range(5):
        fail_login(client, "coord_a", ip="10.0.0.1")  # the (username, address) counter
    response = client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED, username="coord_a").count() == 6


def test_one_address_cannot_lock_everyone_out(client, coordinator_a, coordinator_b):
    """A hospital's NAT is one address for all its staff: failures of other names from it lock no one else."""
    for attempt in range(5):
        fail_login(client, f"nobody{attempt}", ip="10.0.0.7")
    for _ in range(5):
        fail_login(client, "coord_a", ip="10.0.0.7")
    colleague = client.post(reverse("login"), {"username": "coord_b", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert colleague.status_code == 302


def test_four_failures_do_not_lock(client, coordinator_a):
    for _ in range(4):
        fail_login(client, "coord_a")
    response = client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


def test_login_issues_a_new_session_id(client, coordinator_a):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD})
    assert client.session.session_key != before


def test_idle_timeout_is_30_minutes_and_renewed_by_activity_once_a_minute(settings, client_of, coordinator_a):
    from django.contrib.sessions.models import Session

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = client_of(coordinator_a)
    response = client.get(reverse("dashboard_coordinator"))
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date
    assert "sessionid" not in client.get(reverse("dashboard_coordinator")).cookies  # within the minute: no write
    assert Session.objects.get(session_key=key).expire_date == expiry
    session = client.session
    session[SESSION_RENEWED_KEY] = time.time() - 61  # the last renewal was over a minute ago
    session.save()
    saved = Session.objects.get(session_key=key).expire_date
    response = client.get(reverse("dashboard_coordinator"))
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    assert Session.objects.get(session_key=key).expire_date >= saved


def test_session_ends_12_hours_after_login_however_active(client_of, coordinator_a):
    client = client_of(coordinator_a)
    assert client.get(reverse("dashboard_coordinator")).status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 12 * 60 * 60 - 1
    session.save()
    response = client.get(reverse("dashboard_coordinator"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.get(reverse("dashboard_coordinator")).status_code == 302  # logged out for good


@pytest.mark.parametrize("password", ["short pass", "password1234", "123456789012"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("violet tractor seventeen lanterns")
