"""Each role lands on its own dashboard; a dashboard of a role one does not hold is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("who", "dashboard"),
    [
        ("coordinator_a", "dashboard_coordinator"),
        ("investigator_a", "dashboard_investigator"),
        ("monitor_a", "dashboard_monitor"),
    ],
)
def test_home_sends_each_role_to_its_dashboard(request, client_of, who, dashboard):
    client = client_of(request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(dashboard)
    assert client.get(response.url).status_code == 200


def test_coordinator_cannot_open_monitor_dashboard(client_of, coordinator_a):
    assert client_of(coordinator_a).get(reverse("dashboard_monitor")).status_code == 403


def test_sponsor_admin_goes_to_the_admin(client_of, sponsor_admin):
    response = client_of(sponsor_admin).get(reverse("home"))
    assert response.url == reverse("admin:index")


def test_a_busy_sites_dashboard_lists_the_newest_50_and_points_to_the_screening_log(client_of, coordinator_a, site_a):
    from tests.factories import create_patient
    from trial.views import DASHBOARD_PATIENTS

    patients = [create_patient(site_a, registered_by=coordinator_a) for _ in range(DASHBOARD_PATIENTS + 1)]
    page = client_of(coordinator_a).get(reverse("dashboard_coordinator")).content.decode()
    assert patients[-1].screening_number in page
    assert patients[0].screening_number not in page  # the oldest is in the screening log instead
    assert f"The {DASHBOARD_PATIENTS} most recently registered of {DASHBOARD_PATIENTS + 1} candidates" in page
