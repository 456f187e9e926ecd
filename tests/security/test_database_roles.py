"""The runtime role (DATABASE_URL, what the web app, the worker and beat use) cannot forge the audit trail
or a signature: every bypass a reviewer tried with the application's credentials, refused, on a real
PostgreSQL. The suite itself runs as this role (tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from tests.roles import owner_cursor, trigger_names
from trial import db_roles
from trial.audit.ledger import AuditEntry, LedgerSpec

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("REC-02")]


def refused(sql: str, params=None, match: str = "permission denied|must be owner") -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_suite_runs_as_a_runtime_role_that_is_no_superuser_and_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls"
                       " FROM pg_roles WHERE rolname = current_user")
        user, superuser, createrole, createdb, bypassrls = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                       " WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user")
        owned = cursor.fetchone()[0]
        cursor.execute("SELECT has_schema_privilege('public', 'CREATE')")
        can_create = cursor.fetchone()[0]
    assert user == settings.DATABASE_RUNTIME_ROLE["USER"] != settings.DATABASES["owner"]["USER"]
    assert not (superuser or createrole or createdb or bypassrls or can_create)
    assert owned == 0


@pytest.fixture
def signed(protocol_version, patient_a, coordinator_a, investigator_a):
    from tests.screening.signoff_setup import enter_eligible, sign

    patient_a.records = enter_eligible(patient_a, coordinator_a, investigator_a)
    return sign(patient_a, investigator_a)


def test_pgtrigger_ignore_is_not_honoured_for_the_runtime_role(signed):
    """The review's attack: SET LOCAL pgtrigger.ignore, then change the signed content or delete it."""
    ignore = trigger_names("screening.EligibilitySignature:signature_content_immutable",
                           "screening.EligibilitySignature:signature_no_delete")
    with pytest.raises(DatabaseError, match="Cannot update"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [ignore])
        cursor.execute("UPDATE screening_eligibilitysignature SET outcome = 'not_eligible' WHERE id = %s",
                       [signed.pk])
    with pytest.raises(DatabaseError, match="Cannot delete"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [ignore])
        cursor.execute("DELETE FROM screening_eligibilitysignature WHERE id = %s", [signed.pk])
    signed.refresh_from_db()
    assert signed.outcome == "eligible" and signed.status == "valid"


@pytest.mark.parametrize("statement", [
    "UPDATE screening_labresultevent SET value = 999",
    "DELETE FROM screening_labresultevent",
    "TRUNCATE screening_labresultevent",
    "TRUNCATE patients_patient CASCADE",
    "UPDATE trial_auditentry SET reason = 'forged'",
    "DELETE FROM trial_auditentry",
    "INSERT INTO trial_auditentry SELECT * FROM trial_auditentry ORDER BY id DESC LIMIT 1",
    "INSERT INTO trial_verificationrun (started_at, finished_at, ok, entries_verified, message, last_hash)"
    " VALUES (now(), now(), true, 0, 'forged', '')",
    "UPDATE trial_verificationrun SET ok = true",
    "UPDATE trial_authevent SET username = 'forged'",
    "UPDATE trial_protocolversion SET content = 'forged'",
])
def test_no_write_to_the_audit_trail_beyond_appending(patient_a, statement):
    refused(statement)


def test_session_replication_role_is_refused(patient_a):
    refused("SET session_replication_role = replica")


@pytest.mark.parametrize("statement", [
    "ALTER TABLE screening_labresult DISABLE TRIGGER USER",
    "ALTER TABLE trial_auditentry DISABLE TRIGGER ALL",
    "DROP TRIGGER trial_ledger_record ON patients_patientevent",
    "ALTER TABLE screening_eligibilitysignature OWNER TO CURRENT_USER",
])
def test_triggers_cannot_be_disabled_or_dropped(patient_a, statement):
    refused(statement)


@pytest.mark.parametrize("statement", [
    'CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN'
    " LANGUAGE sql AS $$ SELECT true $$",
    "CREATE OR REPLACE FUNCTION trial_ledger_hash(prev_hash text) RETURNS text LANGUAGE sql AS $$ SELECT '' $$",
    "CREATE FUNCTION forged() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
    "CREATE TABLE forged (id int)",
])
def test_functions_cannot_be_replaced_nor_anything_created(patient_a, statement):
    refused(statement)


def test_the_ledger_append_function_cannot_be_called_directly(patient_a):
    append, _record = LedgerSpec(event_table="patients_patientevent", record_type="patients.Patient").function_names()
    refused(f"SELECT {connection.ops.quote_name(append)}(ARRAY[]::jsonb[])")


def test_a_verification_run_must_name_the_real_head(patient_a):
    head = AuditEntry.objects.order_by("-id").first()
    with pytest.raises(DatabaseError, match="is not in the ledger"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("SELECT trial_verification_record(now(), now(), true, 1, NULL, 'forged', %s, %s)",
                       [head.pk, "f" * 64])


def test_copy_from_program_is_refused(patient_a):
    refused("COPY trial_site (name) FROM PROGRAM 'id'", match="permission denied|must be superuser")


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_migrate_creates_and_updates_the_runtime_role_with_its_password_and_grants():
    """As migrate does, as the owner: a new runtime role, then the same call again with a new password."""
    with owner_cursor() as cursor:
        cursor.execute("DROP ROLE IF EXISTS mc150_test_runtime")
    from django.db import connections

    owner = connections["owner"]
    try:
        db_roles.ensure_runtime_role(owner, user="mc150_test_runtime", password="first secret 123")
        with owner_cursor() as cursor:
            cursor.execute("SELECT rolcanlogin, rolsuper, rolpassword FROM pg_authid WHERE rolname = %s",
                           ["mc150_test_runtime"])
            login, superuser, first = cursor.fetchone()
            cursor.execute("SELECT has_table_privilege('mc150_test_runtime', 'trial_auditentry', 'INSERT'),"
                           " has_table_privilege('mc150_test_runtime', 'trial_auditentry', 'SELECT'),"
                           " has_table_privilege('mc150_test_runtime', 'screening_labresultevent', 'UPDATE'),"
                           " has_table_privilege('mc150_test_runtime', 'screening_labresultevent', 'INSERT'),"
                           " has_table_privilege('mc150_test_runtime', 'screening_labresult', 'UPDATE'),"
                           " has_table_privilege('mc150_test_runtime', 'screening_labresult', 'TRUNCATE')")
            privileges = cursor.fetchone()
        db_roles.ensure_runtime_role(owner, user="mc150_test_runtime", password="second secret 456")
        with owner_cursor() as cursor:
            cursor.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", ["mc150_test_runtime"])
            second = cursor.fetchone()[0]
    finally:
        owner.close()
        with owner_cursor() as cursor:
            cursor.execute("DROP OWNED BY mc150_test_runtime")
            cursor.execute("DROP ROLE IF EXISTS mc150_test_runtime")
    assert login and not superuser and first and second and first != second
    assert privileges == (False, True, False, True, True, False)
