"""The central ledger: one hash-chained entry per audit event, written by the database, never altered."""

from __future__ import annotations

import pghistory
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from patients.models import Patient
from tests.factories import create_site
from tests.roles import owner_cursor, trigger_names
from trial.audit.ledger import (
    GENESIS_HASH,
    AuditEntry,
    VerificationRun,
    event_models,
    install_ledger,
)
from trial.models import StaffRole

pytestmark = pytest.mark.requirement("REC-02", "AUD-02")

# The ledger's append-only trigger: what an owner who wants to alter an entry must switch off.
LEDGER_GUARD = "trial.AuditEntry:ledger_append_only"


def entries_of(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(record_type=obj._meta.label, object_id=str(obj.pk)).order_by("id"))


def test_every_event_table_has_the_ledger_trigger(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'trial_ledger_record'")
        covered = {row[0] for row in cursor.fetchall()}
        tables = set(connection.introspection.table_names(cursor))
    assert {model._meta.db_table for model in event_models()} & tables <= covered
    assert "patients_patientevent" in covered and "trial_dataqueryevent" in covered


def test_every_event_table_has_the_index_of_an_objects_previous_event(db):
    """The ledger looks up each event's predecessor by (pgh_obj_id, pgh_id); without this index a large
    event table can be scanned once per event (trial.audit.event_meta)."""
    with connection.cursor() as cursor:
        for model in event_models():
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            assert any(c["index"] and c["columns"] == ["pgh_obj_id", "pgh_id"] for c in constraints.values()), \
                model._meta.db_table


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_installing_again_changes_nothing(patient_a):
    before = AuditEntry.objects.count()
    install_ledger(using="owner")  # as migrate does, as the owner
    install_ledger(using="owner")
    assert AuditEntry.objects.count() == before


def test_update_entry_carries_context_changes_site_and_candidate(patient_a, coordinator_a):
    with pghistory.context(user=coordinator_a.pk, url="/patients/1/edit/", ip="10.0.0.7", reason="re-weighed"):
        Patient.objects.filter(pk=patient_a.pk).update(weight_kg=61, initials="XYZ")
    entry = entries_of(patient_a)[-1]
    assert entry.action == "update"
    assert entry.changes["weight_kg"] == [58.0, 61.0]
    assert entry.changes["initials"] == ["ABC", "XYZ"]
    assert "sex" not in entry.changes  # unchanged fields are not listed
    assert (entry.user_id, entry.url, entry.ip, entry.reason) == (coordinator_a.pk, "/patients/1/edit/", "10.0.0.7", "re-weighed")
    assert (entry.site_id, entry.patient_id) == (patient_a.site_id, patient_a.pk)


def test_insert_lists_all_new_values_and_delete_all_old(site_a, coordinator_a):
    role = StaffRole.objects.create(user=coordinator_a, site=site_a, role="investigator")
    role_pk = role.pk
    role.delete()
    insert, delete = AuditEntry.objects.filter(record_type="trial.StaffRole", object_id=str(role_pk)).order_by("id")
    assert insert.changes["role"] == [None, "investigator"]
    assert delete.action == "delete" and delete.changes["role"] == ["investigator", None]
    assert delete.site_id == site_a.pk


def test_a_sites_own_events_belong_to_that_site(trial):
    site = create_site(trial, number=7, name="Temporary")
    assert entries_of(site)[0].site_id == site.pk


def test_staff_role_entries_belong_to_their_site_and_accounts_to_none(site_a, coordinator_a):
    role = StaffRole.objects.get(user=coordinator_a)
    assert entries_of(role)[0].site_id == site_a.pk
    account = AuditEntry.objects.get(record_type="trial.TrackedUser", object_id=str(coordinator_a.pk))
    assert account.site_id is None and "password" not in account.changes


def test_identifiers_never_enter_the_ledger(site_a, coordinator_a):
    from tests.factories import create_patient

    patient = create_patient(site_a, registered_by=coordinator_a, full_name="Wang Wu", hospital_record_number="H-1")
    Patient.objects.filter(pk=patient.pk).update(full_name="Wang Liu")
    insert, update = entries_of(patient)
    assert insert.changes["full_name"] == [None, "[hidden]"]
    assert update.changes["full_name"] == ["[hidden]", "[hidden]"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trial_auditentry WHERE changes::text ~ 'Wang|H-1'")
        assert cursor.fetchone()[0] == 0


def test_entries_are_chained(patient_a):
    entries = list(AuditEntry.objects.order_by("id"))
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:]))


LEDGER_WRITES = [
    "UPDATE trial_auditentry SET reason = 'forged'",
    "DELETE FROM trial_auditentry",
    "TRUNCATE trial_auditentry",
    "INSERT INTO trial_auditentry SELECT * FROM trial_auditentry ORDER BY id DESC LIMIT 1",
]


@pytest.mark.parametrize("statement", LEDGER_WRITES)
@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_cannot_write_the_ledger(patient_a, statement):
    count = AuditEntry.objects.count()
    with pytest.raises(DatabaseError, match="permission denied"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.count() == count


@pytest.mark.parametrize("statement", LEDGER_WRITES[:3])
@pytest.mark.django_db(transaction=True)
def test_even_the_owner_role_cannot_alter_the_ledger_without_switching_its_triggers_off(patient_a, statement):
    import psycopg

    count = AuditEntry.objects.count()
    with pytest.raises(psycopg.Error, match="append-only|Cannot"), owner_cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.count() == count


def test_verify_audit_passes_on_clean_data(patient_a, capsys):
    call_command("verify_audit")
    count = AuditEntry.objects.count()
    assert f"{count} entries verified" in capsys.readouterr().out
    run = VerificationRun.objects.get()
    assert run.ok and run.entries_verified == count


@pytest.mark.django_db(transaction=True)
def test_verify_audit_names_an_entry_a_superuser_edited_with_the_trigger_disabled(patient_a, reweigh):
    reweigh(patient_a, 61, reason="true reason")
    victim = AuditEntry.objects.get(reason="true reason")
    with owner_cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [trigger_names(LEDGER_GUARD)])
        cursor.execute("UPDATE trial_auditentry SET reason = 'innocent reason' WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=f"entry {victim.pk}"):
        call_command("verify_audit")
    run = VerificationRun.objects.get()
    assert not run.ok and run.broken_entry_id == victim.pk


@pytest.mark.django_db(transaction=True)
def test_verify_audit_exit_codes_from_the_command_line(patient_a, reweigh):
    """As an operator runs it: exit 0 with the count, then exit 1 naming the edited entry."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    reweigh(patient_a, 61, reason="true reason")
    database = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgresql://{database['USER']}@/{database['NAME']}?host={database['HOST']}"}
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py"), "verify_audit"]
    clean = subprocess.run(manage, env=env, capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stderr
    assert f"{AuditEntry.objects.count()} entries verified" in clean.stdout
    victim = AuditEntry.objects.get(reason="true reason")
    with owner_cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [trigger_names(LEDGER_GUARD)])
        cursor.execute("""UPDATE trial_auditentry SET changes = '{"weight_kg": [58.0, 58.0]}' WHERE id = %s""",
                       [victim.pk])
    broken = subprocess.run(manage, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert f"entry {victim.pk}" in broken.stderr


@pytest.mark.django_db(transaction=True)
def test_verify_audit_catches_a_removed_entry(patient_a):
    with owner_cursor() as cursor:
        cursor.execute("ALTER TABLE trial_auditentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM trial_auditentry WHERE id = (SELECT min(id) + 1 FROM trial_auditentry)")
        cursor.execute("ALTER TABLE trial_auditentry ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match="link to the previous entry is broken"):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_verify_audit_notices_entries_cut_off_the_end(patient_a, reweigh):
    call_command("verify_audit")
    head = AuditEntry.objects.order_by("-id").first()
    reweigh(patient_a, 70)
    with owner_cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [trigger_names(LEDGER_GUARD)])
        cursor.execute("DELETE FROM trial_auditentry WHERE id >= %s", [head.pk])
    with pytest.raises(CommandError, match=f"entry {head.pk}: named by the head verified earlier, now missing"):
        call_command("verify_audit")
