"""The interface language: the user's choice, else the site's default; remembered on the account."""

from __future__ import annotations

from django.urls import reverse

from trial.models import StaffPreference


def test_staff_work_in_their_sites_default_language(client_of, coordinator_a, site_a):
    site_a.hospital.default_language = "zh-hans"
    site_a.hospital.save()
    response = client_of(coordinator_a).get(reverse("dashboard_coordinator"))
    assert response["Content-Language"] == "zh-hans"


def test_the_switcher_stores_the_choice_on_the_account(client_of, coordinator_a, site_a):
    site_a.hospital.default_language = "zh-hans"
    site_a.hospital.save()
    client = client_of(coordinator_a)
    response = client.post(reverse("language_switch"), {"language": "en", "next": "/dashboard/coordinator/"})
    assert response.url == "/dashboard/coordinator/"
    assert StaffPreference.objects.get(user=coordinator_a).language == "en"
    assert client.get(reverse("dashboard_coordinator"))["Content-Language"] == "en"


def test_an_unknown_language_changes_nothing(client_of, coordinator_a):
    client = client_of(coordinator_a)
    client.post(reverse("language_switch"), {"language": "klingon", "next": "/"})
    assert not StaffPreference.objects.exists()


def test_the_switcher_never_redirects_off_site(client_of, coordinator_a):
    response = client_of(coordinator_a).post(
        reverse("language_switch"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.url == "/"
