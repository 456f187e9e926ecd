"""Protocol versions: load once, a changed file is a new version, old versions never change."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from tests.examples import ELIGIBLE_FEMALE
from trial.models import ProtocolVersion
from trial.protocol_versions import current_protocol

pytestmark = pytest.mark.requirement("ELG-02")

BASE_DIR = Path(__file__).resolve().parents[2]
DEMO_PROTOCOL = BASE_DIR / "trial" / "protocols" / "mc-1-50.toml"
EXAMPLE = ELIGIBLE_FEMALE


@pytest.fixture
def amended_protocol(tmp_path) -> Path:
    path = tmp_path / "mc-1-50-v2.toml"
    path.write_text(
        DEMO_PROTOCOL.read_text().replace('version = "1"', 'version = "2"')
        .replace("screening_window_days = 28", "screening_window_days = 21")
    )
    return path


def test_loading_the_same_file_twice_changes_nothing(db):
    call_command("load_protocol", str(DEMO_PROTOCOL))
    call_command("load_protocol", str(DEMO_PROTOCOL))
    version = ProtocolVersion.objects.get()
    assert (version.number, version.label, version.trial.code) == (1, "1", "MC-1-50")


def test_a_changed_file_becomes_a_new_version_and_the_old_one_stays(db, amended_protocol):
    call_command("load_protocol", str(DEMO_PROTOCOL))
    first = ProtocolVersion.objects.get()
    call_command("load_protocol", str(amended_protocol))
    assert list(ProtocolVersion.objects.order_by("number").values_list("number", "label")) == [(1, "1"), (2, "2")]
    first.refresh_from_db()
    assert first.content == DEMO_PROTOCOL.read_text()
    assert current_protocol(first.trial, on=dt.date(2026, 11, 25)).screening_window_days == 21


def test_a_stored_version_cannot_be_altered(db):
    call_command("load_protocol", str(DEMO_PROTOCOL))
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            ProtocolVersion.objects.update(content="tampered")


def test_an_invalid_file_is_refused_naming_the_key(db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEMO_PROTOCOL.read_text().replace("min_years = 18", 'min_years = "eighteen"'))
    with pytest.raises(CommandError, match="inclusion.I02.min_years"):
        call_command("load_protocol", str(bad))
    assert not ProtocolVersion.objects.exists()


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, **env},
    )


def test_evaluate_eligibility_command_needs_no_database():
    result = manage("evaluate_eligibility", str(EXAMPLE), "--protocol", str(DEMO_PROTOCOL),
                    DATABASE_URL="postgresql://postgres@127.0.0.1:9/nothing-listens")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["overall"] == "eligible"
    assert {criterion["status"] for criterion in output["criteria"]} == {"met"}


def test_evaluate_eligibility_command_names_the_bad_key(tmp_path):
    facts = json.loads(EXAMPLE.read_text())
    facts["patient"]["weight_kg"] = "heavy"
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    result = manage("evaluate_eligibility", str(path))
    assert result.returncode == 2
    assert "patient.weight_kg" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
