"""Logins, logouts and failed logins are recorded with the username and the client address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from trial.models import AuthEvent

pytestmark = pytest.mark.requirement("ACC-02")


def test_wrong_password_gets_a_message_and_is_counted(client, coordinator_a):
    response = client.post(reverse("login"), {"username": "coord_a", "password": "wrong password 123"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    failed = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_FAILED)
    assert failed.username == "coord_a"
    assert failed.ip == "127.0.0.1"


def test_login_and_logout_are_audited(client, coordinator_a):
    response = client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD})
    assert response.status_code == 302
    client.post(reverse("logout"))
    kinds = list(AuthEvent.objects.filter(user=coordinator_a).order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [AuthEvent.Kind.LOGIN, AuthEvent.Kind.LOGOUT]
