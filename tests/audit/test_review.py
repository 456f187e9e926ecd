"""Source data verification and data queries: monitor raises, site answers, monitor closes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from trial.audit.ledger import AuditEntry
from trial.audit.monitoring import DataQuery, QueryStatus, Verification
from trial.audit.review import (
    query_answer,
    query_close,
    query_raise,
    query_reopen,
    verification_create,
)
from trial.audit.search import open_queries

pytestmark = pytest.mark.requirement("AUD-03")


def record_of(patient) -> dict:
    return {"record_type": "patients.Patient", "object_id": str(patient.pk)}


@pytest.fixture
def query(monitor_a, patient_a):
    return query_raise(acting_user=monitor_a, patient=patient_a, field="weight_kg", text="Source says 56 kg?",
                       **record_of(patient_a))


def test_monitor_raises_query_coordinator_answers_monitor_closes(client_of, monitor_a, coordinator_a, patient_a):
    client = client_of(monitor_a)
    response = client.post(reverse("query_raise", args=[patient_a.pk]),
                           {**record_of(patient_a), "field": "weight_kg", "text": "Source says 56 kg?"})
    assert response.status_code == 302
    query = DataQuery.objects.get()
    assert list(open_queries(patient_a)) == [query]

    dashboard = client_of(coordinator_a).get(reverse("dashboard_coordinator")).content.decode()
    assert "Source says 56 kg?" in dashboard

    client = client_of(coordinator_a)
    client.post(reverse("query_answer", args=[query.pk]), {"answer": "Re-checked: 58 kg is right."})
    query.refresh_from_db()
    assert query.status == QueryStatus.ANSWERED and query.answered_by == coordinator_a
    assert list(open_queries(patient_a)) == [query]  # answered is not resolved until the monitor closes

    client_of(monitor_a).post(reverse("query_close", args=[query.pk]))  # answered: no note needed
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED and query.closed_by == monitor_a
    assert not open_queries(patient_a).exists()
    assert "Source says 56 kg?" not in client_of(coordinator_a).get(reverse("dashboard_coordinator")).content.decode()


def test_the_query_life_is_audited_with_reasons(query, coordinator_a, monitor_a):
    query_answer(acting_user=coordinator_a, query=query, answer="Checked.")
    query_close(acting_user=monitor_a, query=query)
    entries = AuditEntry.objects.filter(record_type="trial.DataQuery", object_id=str(query.pk)).order_by("id")
    assert [(e.action, e.reason, e.user_id) for e in entries] == [
        ("insert", "data query raised", monitor_a.pk),
        ("update", "data query answered", coordinator_a.pk),
        ("update", "data query closed", monitor_a.pk),
    ]
    assert entries[2].changes["status"] == ["answered", "closed"]


def test_verification_records_the_newest_entry_of_the_record(monitor_a, patient_a, reweigh):
    reweigh(patient_a, 61)
    verification = verification_create(acting_user=monitor_a, patient=patient_a, **record_of(patient_a))
    newest = AuditEntry.objects.filter(record_type="patients.Patient", object_id=str(patient_a.pk)).latest("id")
    assert verification.ledger_entry_id == newest.pk


@pytest.mark.parametrize("name, data", [
    ("query_answer", {"answer": "monitor writing data"}),
])
def test_monitor_posting_data_entry_gets_403(client_of, monitor_a, query, name, data):
    response = client_of(monitor_a).post(reverse(name, args=[query.pk]), data)
    assert response.status_code == 403
    query.refresh_from_db()
    assert query.status == QueryStatus.OPEN and query.answer == ""


@pytest.mark.parametrize("name", ["record_verify", "query_raise"])
def test_coordinator_cannot_do_the_monitors_part(client_of, coordinator_a, patient_a, name):
    response = client_of(coordinator_a).post(reverse(name, args=[patient_a.pk]),
                                             {**record_of(patient_a), "field": "weight_kg", "text": "?"})
    assert response.status_code == 403
    assert not Verification.objects.exists() and not DataQuery.objects.exists()


def test_coordinator_cannot_close_a_query(client_of, coordinator_a, query):
    assert client_of(coordinator_a).post(reverse("query_close", args=[query.pk])).status_code == 403


def test_other_site_cannot_reach_queries_or_records(client_of, coordinator_b, query, patient_a, site_b):
    from tests import factories

    monitor_b = factories.create_staff("monitor_b", "monitor", site_b)
    assert client_of(coordinator_b).post(reverse("query_answer", args=[query.pk]), {"answer": "x"}).status_code == 404
    assert client_of(monitor_b).post(reverse("query_close", args=[query.pk])).status_code == 404
    assert client_of(monitor_b).post(reverse("record_verify", args=[patient_a.pk]), record_of(patient_a)).status_code == 404


def test_bad_query_input_is_a_message_not_a_500(client_of, monitor_a, patient_a):
    client = client_of(monitor_a)
    url = reverse("query_raise", args=[patient_a.pk])
    for data in ({**record_of(patient_a), "field": "no_such_field", "text": "?"},
                 {**record_of(patient_a), "field": "weight_kg", "text": "   "},
                 {"record_type": "patients.Patient", "object_id": "999999", "field": "weight_kg", "text": "?"},
                 {}):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not DataQuery.objects.exists()


def test_service_refuses_a_record_of_another_candidate(monitor_a, patient_a, site_a, coordinator_a):
    from tests import factories

    other = factories.create_patient(site_a, registered_by=coordinator_a)
    with pytest.raises(ValidationError):
        verification_create(acting_user=monitor_a, patient=patient_a, **record_of(other))


def test_answering_twice_is_refused(query, coordinator_a):
    query_answer(acting_user=coordinator_a, query=query, answer="Checked.")
    with pytest.raises(ValidationError):
        query_answer(acting_user=coordinator_a, query=query, answer="Again.")


def test_service_refuses_monitor_answer_even_without_the_view(query, monitor_a):
    with pytest.raises(PermissionDenied):
        query_answer(acting_user=monitor_a, query=query, answer="I'll just fix it.")


def test_monitor_dashboard_shows_last_verification_and_queries(client_of, monitor_a, query):
    from django.core.management import call_command

    call_command("verify_audit")
    html = client_of(monitor_a).get(reverse("dashboard_monitor")).content.decode()
    assert "intact" in html and "entries checked" in html
    assert "Source says 56 kg?" in html


def test_an_unanswered_query_is_closed_only_with_a_note(query, monitor_a):
    with pytest.raises(ValidationError) as refused:
        query_close(acting_user=monitor_a, query=query)
    assert "write why it is closed" in " ".join(refused.value.message_dict["note"])
    query.refresh_from_db()
    assert query.status == QueryStatus.OPEN
    query_close(acting_user=monitor_a, query=query, note="The coordinator corrected the weight to 56 kg.")
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED and query.close_note.startswith("The coordinator corrected")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database keeps the rule too
        type(query).objects.filter(pk=query.pk).update(close_note="")


def test_a_monitor_reopens_an_answered_query_the_site_answers_again_and_closed_ones_stay_listed(
        query, coordinator_a, monitor_a, client_of, patient_a):
    query_answer(acting_user=coordinator_a, query=query, answer="58 kg.")
    with pytest.raises(ValidationError):
        query_reopen(acting_user=monitor_a, query=query, note="  ")
    query_reopen(acting_user=monitor_a, query=query, note="The scale report shows 56 kg, please re-check.")
    query.refresh_from_db()
    assert query.status == QueryStatus.REOPENED and list(open_queries(patient_a)) == [query]  # unresolved again
    history = reverse("patient_history", args=[patient_a.pk])
    html = client_of(coordinator_a).get(history).content.decode()
    assert "The scale report shows 56 kg" in html and f'action="/queries/{query.pk}/answer/"' in html
    query_answer(acting_user=coordinator_a, query=query, answer="Corrected to 56 kg.")
    query_close(acting_user=monitor_a, query=query)
    html = client_of(monitor_a).get(history).content.decode()
    closed = html.split('data-testid="closed-queries"')[1]
    assert "Corrected to 56 kg." in closed and f'data-testid="reopen-{query.pk}"' in closed
    with pytest.raises(PermissionDenied):
        query_reopen(acting_user=coordinator_a, query=query, note="not a monitor")
