"""Installation qualification on the test database as the suite configured it (migrated as the owner, run as
the runtime role): it passes, and each way of breaking the installation fails the check that names it."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.roles import owner_transaction
from trial.audit import checkpoints
from trial.audit.ignore_guard import HARDENED_IGNORE_SQL
from trial.validation import installation
from trial.validation.installation import FAIL, PASS

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("VAL-01")]


@pytest.fixture
def role():
    return installation.runtime_role()


def test_the_configured_installation_passes_the_database_checks(role):
    with connection.cursor() as cursor:
        found = [installation.postgresql_check(cursor), installation.role_check(cursor, role, installation.owner_role()),
                 installation.grant_check(cursor, role), installation.trigger_check(cursor),
                 installation.ignore_guard_check(cursor)]
    assert [(c.name, c.status) for c in found if c.status != PASS] == []
    assert int(found[3].detail.split()[0]) == len(installation.expected_triggers()) > 50


def test_every_check_of_the_qualification_names_a_requirement_and_the_versions_pass():
    found = installation.qualify()
    assert {c.name for c in found} >= {"Python version", "Installed packages", "Audit triggers present and enabled",
                                       "Runtime role grants", "Checkpoint key readable",
                                       "Deployment settings (check --deploy)"}
    assert all(c.requirement and c.status in ("pass", "fail", "warn") for c in found)
    assert [c for c in found if c.name in ("Python version", "Installed packages", "Migrations applied")
            and c.status != PASS] == []


def test_a_missing_trigger_fails_and_is_named(role):
    with owner_transaction() as cursor:
        cursor.execute("DROP TRIGGER trial_ledger_record ON screening_labresultevent")
        check = installation.trigger_check(cursor)
    assert check.status == FAIL and check.requirement == "AUD-01"
    assert "screening_labresultevent: trigger trial_ledger_record is missing" in check.detail
    with connection.cursor() as cursor:  # rolled back: the installation is whole again
        assert installation.trigger_check(cursor).status == PASS


def test_an_append_only_trigger_whose_function_lets_changes_through_fails(role):
    """The owner keeps the trigger, present and enabled, and swaps its function for one that allows all."""
    with owner_transaction() as cursor:
        cursor.execute("SELECT t.tgname, p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
                       " WHERE t.tgrelid = 'trial_validationreport'::regclass AND t.tgname LIKE 'pgtrigger_%%'"
                       " ORDER BY 1 LIMIT 1")
        [(trigger, function)] = cursor.fetchall()
        cursor.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$"
                       " LANGUAGE plpgsql")
        check = installation.trigger_check(cursor)
    assert check.status == FAIL
    assert f"trial_validationreport: trigger {trigger} runs {function}(), which differs from the code's" \
        in check.detail


def test_a_ledger_function_that_records_nothing_fails(role):
    with connection.cursor() as cursor:
        assert installation.ledger_function_check(cursor).status == PASS
    with owner_transaction() as cursor:
        cursor.execute("CREATE OR REPLACE FUNCTION trial_ledger_record__screening_labresultevent() RETURNS trigger"
                       " LANGUAGE plpgsql AS $f$ BEGIN RETURN NULL; END $f$")
        check = installation.ledger_function_check(cursor)
    assert check.status == FAIL and check.requirement == "AUD-01"
    assert check.detail == "trial_ledger_record__screening_labresultevent() differs from the code's"


def test_a_disabled_trigger_fails(role):
    with owner_transaction() as cursor:
        cursor.execute("ALTER TABLE trial_auditentry DISABLE TRIGGER ALL")
        check = installation.trigger_check(cursor)
    assert check.status == FAIL and "trial_auditentry: trigger" in check.detail and "is disabled" in check.detail


@pytest.mark.parametrize("grant, named", [
    ("GRANT UPDATE ON trial_auditentry TO {role}", "trial_auditentry: {role} may UPDATE"),
    ("GRANT DELETE ON screening_labresultevent TO {role}", "screening_labresultevent: {role} may DELETE"),
    ("GRANT TRUNCATE ON patients_patient TO {role}", "patients_patient: {role} may TRUNCATE"),
    ("GRANT TRIGGER ON screening_eligibilitysignature TO {role}", "screening_eligibilitysignature: {role} may TRIGGER"),
])
def test_a_runtime_role_with_too_many_rights_fails(role, grant, named):
    with owner_transaction() as cursor:
        cursor.execute(grant.format(role=connection.ops.quote_name(role)))
        check = installation.grant_check(cursor, role)
    assert check.status == FAIL and check.requirement == "REC-02"
    assert named.format(role=role) in check.detail


def test_a_runtime_role_that_may_run_the_ledger_function_fails(role):
    with owner_transaction() as cursor:
        cursor.execute("GRANT EXECUTE ON FUNCTION trial_ledger_append__screening_labresultevent(jsonb[]) TO "
                       + connection.ops.quote_name(role))
        check = installation.grant_check(cursor, role)
    assert check.status == FAIL and "trial_ledger_append__screening_labresultevent(): " in check.detail


def test_a_runtime_role_with_a_superuser_attribute_or_the_owners_name_fails(role):
    with owner_transaction() as cursor:
        cursor.execute(f"ALTER ROLE {connection.ops.quote_name(role)} CREATEDB")
        check = installation.role_check(cursor, role, installation.owner_role())
    assert check.status == FAIL and f"{role} has CREATEDB" in check.detail
    with connection.cursor() as cursor:
        same = installation.role_check(cursor, installation.owner_role(), installation.owner_role())
    assert same.status == FAIL and "is also the owner role" in same.detail


def test_a_runtime_role_that_is_a_member_of_the_owner_fails(role):
    owner = installation.owner_role()
    with owner_transaction() as cursor:
        cursor.execute(f"GRANT {connection.ops.quote_name(owner)} TO {connection.ops.quote_name(role)}")
        check = installation.role_check(cursor, role, owner)
    assert check.status == FAIL and f"{role} is a member of role {owner}" in check.detail


def test_the_trigger_bypass_left_open_fails():
    with owner_transaction() as cursor:
        cursor.execute("CREATE OR REPLACE FUNCTION _pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN"
                       " LANGUAGE sql AS $$ SELECT trigger_name = ANY(current_setting('pgtrigger.ignore')::name[]) $$")
        check = installation.ignore_guard_check(cursor)
    assert check.status == FAIL and check.requirement == "REC-02"


def test_a_guard_that_names_the_runtime_role_as_owner_fails(role):
    """Still shaped like the guard, but honouring the runtime role's SET pgtrigger.ignore."""
    with owner_transaction() as cursor:
        cursor.execute(HARDENED_IGNORE_SQL.replace("@OWNER@", f"'{role}'"))
        check = installation.ignore_guard_check(cursor)
    assert check.status == FAIL and "_pgtrigger_should_ignore is not the guard" in check.detail


def test_a_package_outside_its_declared_range_or_missing_fails():
    check = installation.package_check(["Django>=9", "no-such-package-here>=1", "pytest>=1"])
    assert check.status == FAIL
    assert "Django " in check.detail and ">=9 required" in check.detail
    assert "no-such-package-here: not installed" in check.detail and "pytest" not in check.detail
    assert installation.python_check(">=3.11", "3.10.2").status == FAIL


def test_a_new_installation_without_key_or_checkpoint_warns(settings):
    key, chain = installation.checkpoint_checks()
    assert (key.status, chain.status) == ("warn", "warn") and "not created yet" in key.detail


def test_the_key_missing_once_checkpoints_exist_fails(patient_a, settings, tmp_path):
    checkpoints.write_checkpoint()
    assert [c.status for c in installation.checkpoint_checks()] == [PASS, PASS]
    settings.AUDIT_CHECKPOINT_KEY = tmp_path / "moved-away.pem"
    key, chain = installation.checkpoint_checks()
    assert key.status == FAIL and "moved-away.pem: no checkpoint key" in key.detail
    assert chain.status == FAIL and "1 checkpoints cannot be verified" in chain.detail


def test_an_unreadable_checkpoint_key_fails(settings):
    settings.AUDIT_CHECKPOINT_KEY.parent.mkdir(parents=True, exist_ok=True)
    settings.AUDIT_CHECKPOINT_KEY.write_text("not a key", encoding="utf-8")
    key, _chain = installation.checkpoint_checks()
    assert key.status == FAIL and "cannot read the checkpoint key" in key.detail


def test_a_deployment_warning_is_a_warning_not_a_pass(settings, monkeypatch):
    # The browser tests set it for Playwright's event loop in their worker; it is a deployment error.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.SECURE_SSL_REDIRECT = False
    check = installation.deployment_check()
    assert (check.status, "security.W008" in check.detail) == ("warn", True), check.detail


def test_a_deployment_error_fails(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    check = installation.deployment_check()
    assert check.status == FAIL and "async.E001" in check.detail
