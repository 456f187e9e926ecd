"""Fixtures for the eligibility engine tests: the shared example facts, the demo protocol, small tweak helpers.

The example lives in /work/shared beside the checkout (`parents[3]` of this file is the directory holding
both); a missing example is a hard failure, not a skip.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from screening.eligibility import (
    CriterionResult,
    Evaluation,
    GeneralProtocol,
    Protocol,
    evaluate,
    load_protocol_file,
    parse_facts,
)
from tests.examples import ELIGIBLE_FEMALE

CHECKOUT = Path(__file__).resolve().parents[2]
EXAMPLE_PATH = ELIGIBLE_FEMALE
# MC-1-50 in the engine's first format, kept to show that the general file (the portal's) gives the same statuses.
PROTOCOL_PATH = CHECKOUT / "tests/data/mc-1-50.format1.toml"
GENERAL_PROTOCOL_PATH = CHECKOUT / "trial/protocols/mc-1-50.toml"

FactsDoc = dict[str, Any]


@pytest.fixture(scope="session")
def example_json() -> str:
    return EXAMPLE_PATH.read_text(encoding="utf-8")


@pytest.fixture
def doc(example_json: str) -> FactsDoc:
    """A fresh copy of the shared eligible example, free to modify."""
    return json.loads(example_json)


@pytest.fixture(scope="session")
def protocol_path() -> Path:
    return PROTOCOL_PATH


@pytest.fixture(scope="session")
def protocol_text() -> str:
    return PROTOCOL_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol_file(PROTOCOL_PATH)


@pytest.fixture(scope="session")
def general_protocol() -> GeneralProtocol:
    return load_protocol_file(GENERAL_PROTOCOL_PATH)


def same_statuses(facts_doc: FactsDoc, expected: Evaluation, first_format: Protocol) -> None:
    """MC-1-50's first-format file, read as the general format, gives every criterion the status of the
    general file (when the general format was introduced, the first format's own engine agreed with it on
    every one of these documents; its rules are gone, the conversion stays for stored versions)."""
    converted = evaluate(parse_facts(facts_doc, first_format), first_format)
    differences = [
        f"{new.code}: {new.status.value} ({new.evidence}) but {old.status.value} from the first format"
        for new, old in zip(expected.criteria, converted.criteria, strict=True)
        if old.status is not new.status
    ]
    assert not differences, "the first-format MC-1-50 disagrees:\n" + "\n".join(differences)
    assert converted.overall is expected.overall


@pytest.fixture
def run(protocol: Protocol, general_protocol: GeneralProtocol) -> Callable[[FactsDoc], Evaluation]:
    """Parse and evaluate a facts document under the demo protocol (trial/protocols/mc-1-50.toml), and check
    that the first format's file of the same trial gives the same statuses."""

    def evaluate_both(facts_doc: FactsDoc) -> Evaluation:
        expected = evaluate(parse_facts(facts_doc, general_protocol), general_protocol)
        same_statuses(facts_doc, expected, protocol)
        return expected

    return evaluate_both


@pytest.fixture
def check(run: Callable[[FactsDoc], Evaluation]) -> Callable[[FactsDoc, str], CriterionResult]:
    """The result of one criterion for a facts document."""
    return lambda facts_doc, code: run(facts_doc).result(code)


def lab_index(facts_doc: FactsDoc, test: str) -> int:
    return next(i for i, lab in enumerate(facts_doc["labs"]) if lab["test"] == test)


@pytest.fixture
def with_lab() -> Callable[..., FactsDoc]:
    """Change fields of the (first) lab of `test`: with_lab(doc, "creatinine", value=168.0, uln=84.0)."""

    def tweak(facts_doc: FactsDoc, test: str, **fields: Any) -> FactsDoc:
        facts_doc["labs"][lab_index(facts_doc, test)].update(fields)
        return facts_doc

    return tweak


@pytest.fixture
def without() -> Callable[[FactsDoc, str], FactsDoc]:
    """Delete a dotted key (`patient.weight_kg`) or a lab by test name (`labs.creatinine`)."""

    def remove(facts_doc: FactsDoc, path: str) -> FactsDoc:
        parent, _, key = path.rpartition(".")
        if parent == "labs":
            del facts_doc["labs"][lab_index(facts_doc, key)]
        elif parent:
            del facts_doc[parent][key]
        else:
            del facts_doc[key]
        return facts_doc

    return remove
