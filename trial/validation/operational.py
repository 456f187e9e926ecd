"""The operational tests: the suite's tests tagged with requirements, run by pytest on this installation, their
results read back from JUnit XML. Also the run's identity (who, where, which code)."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

from trial.validation.trace import TestResult, parse_junit

# pytest's exit codes that still mean every selected test ran: 0 all passed, 1 some failed.
_RAN = (0, 1)


def run_tests(junit: Path, paths: Sequence[str] = (), workers: int = 2) -> tuple[list[TestResult], list[str]]:
    """Run the tagged tests (all of them, or those under ``paths``); (results, problems of the run itself).
    pytest's output goes to this process's output, so the operator sees it progress."""
    root = Path(settings.BASE_DIR)
    if not (root / "tests").is_dir():
        return [], [f"the operational tests are not installed ({root / 'tests'} is missing)"]
    parallel = ["-n", str(workers)] if workers > 1 else ["-p", "no:xdist"]
    command = [sys.executable, "-m", "pytest", "-m", "requirement", "-p", "no:cacheprovider", "-p", "no:randomly",
               "-q", f"--junitxml={junit}", *parallel, *paths]
    database = f"test_{settings.DATABASES['default']['NAME']}_validation"
    completed = subprocess.run(command, cwd=root, check=False, env={**os.environ, "TEST_DATABASE_NAME": database})
    if completed.returncode not in _RAN or not junit.is_file():
        return [], [f"the operational tests could not run: pytest exited with {completed.returncode}"]
    return parse_junit(junit), []


def ran_by(given: str | None = None) -> str:
    return given or os.environ.get("VALIDATED_BY") or getpass.getuser()


def host() -> str:
    return socket.gethostname()


def commit() -> str:
    """The code's git commit, marked when the checkout has local changes; or why there is none."""
    root = Path(settings.BASE_DIR)
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"{head} (with local changes)" if dirty else head
