"""Evaluate a facts JSON file against a protocol file and print the result JSON.

Backs the `evaluate_eligibility` management command, which must work without a database: exit 0 with
the result on stdout, or exit 2 with one line `error: <key>: <message>` on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from . import evaluate, load_protocol_file, parse_facts
from .facts import FactsError
from .toml_tables import ProtocolError

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _InputError(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")


def _read_facts(path: str | Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _InputError(str(path), f"cannot read facts file: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _InputError(str(path), f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # over-long integers, absurd nesting
        raise _InputError(str(path), f"invalid JSON: {exc}") from None


def run(facts_path: str | Path, protocol_path: str | Path, stdout: TextIO, stderr: TextIO | None = None) -> int:
    """Print the evaluation of `facts_path` under `protocol_path` as JSON to `stdout`; return the exit code."""
    stderr = stderr if stderr is not None else sys.stderr
    try:
        protocol = load_protocol_file(protocol_path)
        facts = parse_facts(_read_facts(facts_path), protocol)
    except (_InputError, FactsError, ProtocolError) as exc:
        message = " ".join(str(exc).splitlines())  # one line, whatever a parser put in its message
        stderr.write(f"error: {message}\n")
        return EXIT_BAD_INPUT
    json.dump(evaluate(facts, protocol).to_dict(), stdout, ensure_ascii=False, indent=2)
    stdout.write("\n")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover - convenience for running without Django
    if len(sys.argv) != 3:
        sys.stderr.write("usage: python -m screening.eligibility.cli FACTS.json PROTOCOL.toml\n")
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(run(sys.argv[1], sys.argv[2], sys.stdout))
