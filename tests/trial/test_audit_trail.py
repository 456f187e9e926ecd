"""The audit trail: every write to trial data leaves an event, and events cannot be altered."""

from __future__ import annotations

import pghistory
import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from patients.models import Patient
from tests.factories import create_site
from trial.models import AuthEvent, Site

pytestmark = pytest.mark.requirement("AUD-01")


def events_of(obj):
    return obj.__class__.pgh_event_models["insert"].objects.filter(pgh_obj_id=obj.pk).order_by("pgh_id")


def test_create_update_delete_are_recorded_with_the_acting_user(trial, coordinator_a):
    with pghistory.context(user=coordinator_a.pk, reason="site set-up"):
        site = create_site(trial, number=9, name="Before")
        site.number = 19
        site.save()
        site_pk = site.pk
        site.delete()
    labels = list(
        Site.pgh_event_models["insert"].objects.filter(pgh_obj_id=site_pk)
        .order_by("pgh_id").values_list("pgh_label", "number", "pgh_context__metadata__user")
    )
    assert labels == [
        ("insert", 9, coordinator_a.pk),
        ("update", 19, coordinator_a.pk),
        ("delete", 19, coordinator_a.pk),
    ]


def test_queryset_update_is_recorded_per_row(patient_a, coordinator_a):
    with pghistory.context(user=coordinator_a.pk, reason="weights re-measured"):
        Patient.objects.filter(pk=patient_a.pk).update(weight_kg=61)
    update = events_of(patient_a).get(pgh_label="update")
    assert update.weight_kg == 61
    assert update.pgh_context.metadata == {"user": coordinator_a.pk, "reason": "weights re-measured"}


def test_change_through_a_request_records_user_path_and_ip(client_of, sponsor_admin, site_a):
    client = client_of(sponsor_admin)
    hospital = site_a.hospital
    path = reverse("admin:trial_hospital_change", args=[hospital.pk])
    response = client.post(path, {
        "name": "Renamed", "city": "Hefei", "time_zone": "Asia/Shanghai", "default_language": "zh-hans",
    })
    assert response.status_code == 302
    update = events_of(hospital).get(pgh_label="update")
    assert update.name == "Renamed"
    assert update.pgh_context.metadata["user"] == sponsor_admin.pk
    assert update.pgh_context.metadata["url"] == path
    assert update.pgh_context.metadata["ip"] == "127.0.0.1"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trial_siteevent SET number = 99",
        "DELETE FROM trial_siteevent",
        "TRUNCATE trial_siteevent",
        "UPDATE trial_authevent SET username = 'forged'",
        "DELETE FROM trial_authevent",
        "TRUNCATE trial_authevent",
    ],
)
@pytest.mark.django_db(transaction=True)
def test_raw_sql_cannot_alter_the_audit_trail(site_a, statement):
    """Committed events, as in production. The runtime role has no such privilege; the owner is refused by
    the triggers (TRUNCATE by the statement-level guard)."""
    import psycopg

    from tests.roles import owner_cursor

    AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN_FAILED, username="someone")
    with pytest.raises(DatabaseError, match="permission denied"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(psycopg.Error, match="append-only|Cannot"), owner_cursor() as cursor:
        cursor.execute(statement)
    assert events_of(site_a).count() == 1
    assert AuthEvent.objects.filter(username="someone").exists()
