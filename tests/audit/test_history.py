"""A candidate's change history: every change in time order, for the staff of the candidate's site only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from trial.audit.ledger import AuditEntry
from trial.audit.review import verification_create

pytestmark = pytest.mark.requirement("AUD-01")


def history_url(patient) -> str:
    return reverse("patient_history", args=[patient.pk])


def test_history_lists_every_change_oldest_first_with_reason_and_values(client_of, coordinator_a, patient_a, reweigh):
    reweigh(patient_a, 61, reason="scale recalibrated")
    reweigh(patient_a, 62, reason="re-weighed at visit 2")
    response = client_of(coordinator_a).get(history_url(patient_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("scale recalibrated") < html.index("re-weighed at visit 2")
    rows = [row for row in response.context["rows"]]
    assert [row["entry"].action for row in rows] == ["insert", "update", "update"]
    weights = [(c.old, c.new) for c in rows[2]["changes"] if c.field == "weight_kg"]
    assert weights == [("61", "62")]  # as people write a weight, not 61.000


@pytest.mark.parametrize("who", ["coordinator_a", "investigator_a", "monitor_a"])
def test_staff_of_the_site_may_open_the_history(request, client_of, patient_a, who):
    assert client_of(request.getfixturevalue(who)).get(history_url(patient_a)).status_code == 200


def test_other_site_gets_404(client_of, coordinator_b, patient_a):
    assert client_of(coordinator_b).get(history_url(patient_a)).status_code == 404


def test_history_never_shows_direct_identifiers(client_of, monitor_a, site_a, coordinator_a):
    from tests.factories import create_patient

    patient = create_patient(site_a, registered_by=coordinator_a, full_name="Zhang Sanfeng",
                             hospital_record_number="HRN-778899")
    html = client_of(monitor_a).get(history_url(patient)).content.decode()
    assert "Zhang Sanfeng" not in html and "HRN-778899" not in html
    assert not AuditEntry.objects.filter(changes__full_name__contains=["Zhang Sanfeng"]).exists()


def test_marker_shows_changes_since_my_last_verification(client_of, monitor_a, patient_a, reweigh):
    reweigh(patient_a, 61)
    verification_create(acting_user=monitor_a, patient=patient_a, record_type="patients.Patient",
                        object_id=str(patient_a.pk))
    reweigh(patient_a, 63, reason="typo corrected")
    response = client_of(monitor_a).get(history_url(patient_a))
    marks = [(row["entry"].record_type, row["changed_since_verified"]) for row in response.context["rows"]]
    patient_marks = [mark for record_type, mark in marks if record_type == "patients.Patient"]
    assert patient_marks == [False, False, True]
    assert "changed since my last verification" in response.content.decode()


def test_history_page_query_count_is_pinned(client_of, monitor_a, patient_a, reweigh, django_assert_max_num_queries):
    for kg in range(60, 80):
        reweigh(patient_a, kg)
    client = client_of(monitor_a)
    with django_assert_max_num_queries(16):  # + the records named in the rows (one per record type), + closed queries
        assert client.get(history_url(patient_a)).status_code == 200
