"""Site scoping: staff see the candidates of their own sites only, for every role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patients.models import Patient

pytestmark = pytest.mark.requirement("ACC-01")


@pytest.mark.parametrize("who", ["coordinator_a", "investigator_a", "monitor_a"])
def test_staff_of_the_site_open_its_candidate(request, client_of, patient_a, who):
    response = client_of(request.getfixturevalue(who)).get(reverse("patient_detail", args=[patient_a.pk]))
    assert response.status_code == 200
    assert patient_a.screening_number in response.content.decode()


def test_coordinator_cannot_open_other_site_patient(client_of, coordinator_b, patient_a):
    response = client_of(coordinator_b).get(reverse("patient_detail", args=[patient_a.pk]))
    assert response.status_code == 404
    assert patient_a.screening_number not in response.content.decode()


def test_not_found_page_uses_the_site_layout(client_of, coordinator_b, patient_a, settings):
    settings.PORTAL_NAME = "Anhui trials portal"
    response = client_of(coordinator_b).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    # The navigation bar of base.html, named for the portal, not for one of its trials.
    assert "Anhui trials portal" in page and "MC-1-50" not in page


def test_anonymous_is_sent_to_login(client, patient_a):
    response = client.get(reverse("patient_detail", args=[patient_a.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_visible_to_holds_only_the_users_sites(coordinator_a, coordinator_b, monitor_a, patient_a, patient_b):
    assert list(Patient.objects.visible_to(coordinator_a)) == [patient_a]
    assert list(Patient.objects.visible_to(coordinator_b)) == [patient_b]
    assert list(Patient.objects.visible_to(monitor_a)) == [patient_a]


def test_monitor_of_both_sites_sees_both(site_a, site_b, patient_a, patient_b):
    from tests.factories import create_staff

    monitor = create_staff("monitor_ab", "monitor", site_a, site_b)
    assert set(Patient.objects.visible_to(monitor)) == {patient_a, patient_b}


def test_dashboard_lists_only_own_site_candidates(client_of, coordinator_b, patient_a, patient_b):
    page = client_of(coordinator_b).get(reverse("dashboard_coordinator")).content.decode()
    assert patient_b.screening_number in page
    assert patient_a.screening_number not in page


def test_a_role_removed_takes_effect_on_the_next_request(client_of, coordinator_a, patient_a):
    """Roles are read once per request, never kept longer: losing a role closes the pages at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trial.models import StaffRole

    client = client_of(coordinator_a)
    url = reverse("patient_edit", args=[patient_a.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert sum(q["sql"].startswith('SELECT "trial_staffrole"') for q in queries.captured_queries) == 1
    StaffRole.objects.filter(user=coordinator_a, site=patient_a.site).delete()
    assert client.get(url).status_code in (403, 404)


def test_services_called_outside_a_request_see_role_changes_at_once(coordinator_a, patient_a):
    from trial.models import Role, StaffRole
    from trial.selectors import has_role

    assert has_role(coordinator_a, Role.COORDINATOR, patient_a.site)
    StaffRole.objects.filter(user=coordinator_a, site=patient_a.site).delete()
    assert not has_role(coordinator_a, Role.COORDINATOR, patient_a.site)
