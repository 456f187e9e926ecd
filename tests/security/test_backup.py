"""Backup and restore: a dump restored into a fresh database holds the same rows and an intact audit chain."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from patients.models import Patient
from tests.roles import owner_cursor, owner_settings
from trial import backup
from trial.audit.ledger import AuditEntry
from trial.env import database_from_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.requirement("REC-03")]
BASE_DIR = Path(__file__).resolve().parents[2]


def url_of(settings_dict: dict, name: str | None = None) -> str:
    """A DATABASE_URL for the test database's server (``name``: another database on it)."""
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    auth = f"{user}{password}@" if user else ""
    host, port = settings_dict["HOST"] or "", settings_dict["PORT"] or ""
    dbname = name or settings_dict["NAME"]
    if host.startswith("/"):
        return f"postgresql://{auth}/{dbname}?host={host}" + (f"&port={port}" if port else "")
    return f"postgresql://{auth}{host}{':' + str(port) if port else ''}/{dbname}"


@pytest.fixture
def fresh_database():
    """An empty database beside the test database, dropped afterwards (the owner creates and drops it)."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with owner_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with owner_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def row_counts(url: str) -> dict[str, int]:
    settings = database_from_url(url)
    with psycopg.connect(dbname=settings["NAME"], host=settings["HOST"] or None, port=settings["PORT"] or None,
                         user=settings["USER"] or None, password=settings["PASSWORD"] or None) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        )]
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}


def test_restore_into_a_fresh_database_keeps_every_row_and_the_audit_chain(
    tmp_path, fresh_database, site_a, coordinator_a, patient_a
):
    patient_a.weight_kg = "61.5"
    patient_a.save()
    Patient.objects.filter(pk=patient_a.pk).update(initials="XYZ")
    assert AuditEntry.objects.count() >= 3
    source = url_of(owner_settings())

    dump = backup.backup(source, tmp_path)
    assert dump.parent == tmp_path and dump.name.endswith("Z.dump") and dump.stat().st_size > 0
    target = url_of(owner_settings(), fresh_database)
    backup.restore(target, dump)

    assert row_counts(target) == row_counts(source)
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"], cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DATABASE_URL": target, "DATABASE_OWNER_URL": target},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{AuditEntry.objects.count()} entries verified" in result.stdout


def test_restore_refuses_a_database_that_holds_tables(tmp_path, fresh_database, site_a):
    source = url_of(owner_settings())
    dump = backup.backup(source, tmp_path)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(source, dump)
    assert Patient.objects.count() == 0 and site_a.pk  # untouched


def test_forced_restore_replaces_the_contents(tmp_path, fresh_database, site_a, coordinator_a, patient_a):
    source = url_of(owner_settings())
    target = url_of(owner_settings(), fresh_database)
    dump = backup.backup(source, tmp_path)
    backup.restore(target, dump)
    # The target changes after the restore; a forced restore of the same dump brings it back.
    settings = database_from_url(target)
    with psycopg.connect(dbname=settings["NAME"], host=settings["HOST"] or None, user=settings["USER"] or None) as conn:
        conn.execute("UPDATE patients_patient SET initials = 'QQQ'")
        assert conn.execute("SELECT count(*) FROM trial_auditentry").fetchone()[0] > AuditEntry.objects.count()
    backup.restore(target, dump, force=True)
    assert row_counts(target) == row_counts(source)
    with psycopg.connect(dbname=settings["NAME"], host=settings["HOST"] or None, user=settings["USER"] or None) as conn:
        assert conn.execute("SELECT initials FROM patients_patient").fetchall() == [(patient_a.initials,)]


def test_command_line_refusal_is_one_clear_line(tmp_path, db):
    source = url_of(owner_settings())
    dump = backup.backup(source, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "trial.backup", "restore", str(dump)], cwd=BASE_DIR, capture_output=True, text=True,
        env={**os.environ, "DATABASE_URL": source, "DATABASE_OWNER_URL": source}, timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("restore refused: database") and "FORCE=1" in result.stderr


def test_pg_tools_come_from_the_pgserver_package():
    assert "pgserver" in backup.postgres_binary("pg_dump")
