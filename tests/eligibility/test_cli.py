"""The command-line entry point: JSON and exit 0, or one `error:` line and exit 2, never a traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from screening.eligibility.cli import run


@pytest.fixture
def facts_file(tmp_path: Path, example_json: str) -> Path:
    path = tmp_path / "facts.json"
    path.write_text(example_json, encoding="utf-8")
    return path


def test_prints_result_json_and_exits_0(facts_file: Path, protocol_path: Path) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run(facts_file, protocol_path, stdout, stderr) == 0
    output = json.loads(stdout.getvalue())
    assert (output["protocol"], output["protocol_version"], output["overall"]) == ("MC-1-50", "1", "eligible")
    assert stderr.getvalue() == ""


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("facts", "protocol", "message"),
    [
        ("{not json", None, "invalid JSON at line 1 column 2"),
        ('{"evaluated_on": "2026-13-01"}', None, "error: evaluated_on: expected a date YYYY-MM-DD, got '2026-13-01'"),
        ("[1, 2]", None, "error: facts: expected an object"),
        (b"\xff\xfe\x00garbage", None, "cannot read facts file"),
        ("[" * 100_000, None, "invalid JSON"),
        (None, 'id = "MC-1-50"\n', "error: version: required"),
        (None, "id = \n", "invalid TOML"),
        (None, b"\xff\xfe", "cannot read protocol file"),
    ],
)
def test_bad_input_prints_one_error_line_and_exits_2(
    tmp_path: Path, facts_file: Path, protocol_path: Path, facts, protocol, message: str
) -> None:
    facts_path = _write(tmp_path, "bad.json", facts) if facts is not None else facts_file
    protocol_file = _write(tmp_path, "bad.toml", protocol) if protocol is not None else protocol_path
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run(facts_path, protocol_file, stdout, stderr) == 2
    lines = stderr.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert stdout.getvalue() == ""


@pytest.mark.parametrize("which", ["facts", "protocol"])
def test_missing_or_unreadable_files_exit_2(tmp_path: Path, facts_file: Path, protocol_path: Path, which: str) -> None:
    absent = tmp_path / "absent"
    stderr = io.StringIO()
    args = (absent, protocol_path) if which == "facts" else (facts_file, absent)
    assert run(*args, io.StringIO(), stderr) == 2
    assert stderr.getvalue() == f"error: {absent}: cannot read {which} file: No such file or directory\n"
    assert run(*(tmp_path if p == absent else p for p in args), io.StringIO(), io.StringIO()) == 2  # a directory


def test_errors_go_to_the_process_stderr_by_default(tmp_path: Path, protocol_path: Path, capsys) -> None:
    bad = _write(tmp_path, "bad.json", "{}")
    assert run(bad, protocol_path, io.StringIO()) == 2
    assert capsys.readouterr().err == "error: evaluated_on: required\n"


def test_module_runs_without_django_and_without_traceback(tmp_path: Path, protocol_path: Path) -> None:
    bad = _write(tmp_path, "bad.json", '{"evaluated_on": "soon"}')
    checkout = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "screening.eligibility.cli", str(bad), str(protocol_path)],
        cwd=checkout, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == "error: evaluated_on: expected a date YYYY-MM-DD, got 'soon'\n"


def test_the_engine_imports_no_django() -> None:
    checkout = Path(__file__).resolve().parents[2]
    probe = (
        "import sys, screening.eligibility, screening.eligibility.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=checkout, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "[]")
