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


def test_a_candidate_is_found_by_screening_number_initials_or_status_among_the_visible_only(
        client_of, coordinator_a, site_a, site_b, coordinator_b):
    from tests.factories import create_patient

    wanted = create_patient(site_a, registered_by=coordinator_a, initials="WY")
    other = create_patient(site_a, registered_by=coordinator_a, initials="ZQ", status="withdrawn")
    elsewhere = create_patient(site_b, registered_by=coordinator_b, initials="WY")
    client = client_of(coordinator_a)

    def found(**query) -> str:
        html = client.get(reverse("dashboard_coordinator"), query).content.decode()
        return html.split('data-testid="candidate-search"')[1]

    by_number = found(q=wanted.screening_number[-4:])
    assert wanted.screening_number in by_number and other.screening_number not in by_number
    by_initials = found(q="wy")
    assert wanted.screening_number in by_initials and other.screening_number not in by_initials
    assert elsewhere.screening_number != wanted.screening_number
    assert elsewhere.screening_number not in by_initials  # another site's WY: not this coordinator's to see
    by_status = found(status="withdrawn")
    assert other.screening_number in by_status and wanted.screening_number not in by_status
    assert 'data-testid="no-candidate-found"' in found(q="XX")
    assert client.get(reverse("dashboard_coordinator"), {"status": "nonsense"}).status_code == 200  # ignored
