"""Parsing today's facts documents against MC-1-50's catalogue: strict about what it knows, silent about what it does
not."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from screening.eligibility import Facts, FactsError, parse_facts


@pytest.fixture
def parse(general_protocol):
    """Read a document against MC-1-50's catalogue, as the portal and the command line do."""
    return lambda document: parse_facts(document, general_protocol)


def test_example_parses_into_frozen_dataclasses(doc, parse) -> None:
    facts = parse(doc)
    assert isinstance(facts, Facts)
    assert facts.evaluated_on == date(2026, 11, 20)
    assert facts.attributes["sex"] == "female"
    assert facts.labs[0].value == 70.0
    assert facts.answers["apheresis_suitable"] is True
    with pytest.raises(AttributeError):
        facts.evaluated_on = date(2026, 1, 1)  # type: ignore[misc]


def test_unknown_keys_are_ignored(doc, parse) -> None:
    doc["portal_note"] = {"anything": [1, 2]}
    doc["patient"]["height_cm"] = "tall"
    doc["labs"][0]["lab_name"] = 7
    doc["treatments"][2]["class"] = "steroid"  # the dictionary decides a drug's class
    assert parse(doc) == parse({k: v for k, v in doc.items() if k != "portal_note"})


def test_optional_sections_may_be_absent(parse) -> None:
    facts = parse({"evaluated_on": "2026-11-20"})
    assert (dict(facts.attributes), facts.consent, facts.treatments, dict(facts.answers)) == ({}, None, None, {})
    assert facts.labs == ()


def test_null_sections_count_as_absent(parse) -> None:
    assert parse({"evaluated_on": "2026-11-20", "echo": None, "labs": None}).measurements == ()


def test_answers_to_the_protocols_questions_are_kept_other_keys_ignored(doc, parse) -> None:
    doc["attestations"]["no_active_infection"] = False  # not a question of MC-1-50's file
    answers = parse(doc).answers
    assert answers["no_gamete_donation_agreed"] is True and "no_active_infection" not in answers
    with pytest.raises(FactsError) as refused:
        parse({**doc, "answers": {"no_active_infection": False}})
    assert refused.value.key == "answers.no_active_infection"


def test_an_unaccepted_unit_is_for_the_criterion_not_the_parser(doc, parse) -> None:
    """umol/l for umol/L is probably a typo of the unit: the criterion is needs_review naming it."""
    doc["labs"][0]["unit"] = "umol/l"
    assert parse(doc).labs[0].unit == "umol/l"


def test_dates_and_decimals_from_model_fields_are_accepted(doc, parse) -> None:
    """The portal may build the document from Django model fields without formatting them first."""
    from_json = parse(doc)
    doc["evaluated_on"] = date(2026, 11, 20)
    doc["patient"]["weight_kg"] = Decimal("58.0")
    assert parse(doc) == from_json


@pytest.mark.parametrize("value", [10**400, Decimal("Infinity"), Decimal("sNaN"), math.inf])
def test_numbers_beyond_float_range_are_refused(doc, parse, value: Any) -> None:
    doc["patient"]["weight_kg"] = value
    with pytest.raises(FactsError, match="^patient.weight_kg: expected a number"):
        parse(doc)


def test_a_datetime_is_not_a_date(doc, parse) -> None:
    doc["evaluated_on"] = datetime(2026, 11, 20, 9, 30)
    with pytest.raises(FactsError, match="^evaluated_on: expected a date"):
        parse(doc)


def test_drug_names_are_kept_as_written_with_spacing_folded(doc, parse) -> None:
    """The protocol's dictionary does the matching (tests/eligibility/test_review_rules.py); evidence shows
    the name as the record has it."""
    doc["treatments"][0]["drug"] = "  Hydroxy   Chloroquine "
    assert parse(doc).treatments[0].drug == "Hydroxy Chloroquine"


def test_one_object_or_a_list_for_echo_spo2_and_pregnancy_tests(doc, parse) -> None:
    single = parse(doc)
    assert [t.ref for t in single.qualitative if t.test == "pregnancy_test"] == ["pregnancy_test"]
    doc["pregnancy_test"] = [doc["pregnancy_test"], {**doc["pregnancy_test"], "specimen": "urine"}]
    doc["echo"] = [doc["echo"]]
    listed = parse(doc)
    assert [t.ref for t in listed.qualitative if t.test == "pregnancy_test"] == ["pregnancy_test[0]",
                                                                                 "pregnancy_test[1]"]
    assert [m.ref for m in listed.measurements if m.item == "lvef"] == ["echo[0]"]


DELETE = object()


def _apply(doc: dict, key: str, value: Any) -> None:
    """Set (or delete) the value at a key path written as in error messages: `labs[2].collected_on`."""
    steps: list[Any] = []
    for part in key.split("."):
        name, *indexes = part.replace("]", "").split("[")
        steps += [name, *map(int, indexes)]
    target = doc
    for step in steps[:-1]:
        target = target[step]
    if value is DELETE:
        del target[steps[-1]]
    else:
        target[steps[-1]] = value


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("labs[2].collected_on", "2026-13-01", "expected a date YYYY-MM-DD, got '2026-13-01'"),
        ("labs[2].collected_on", "20261105", "expected a date YYYY-MM-DD, got '20261105'"),
        ("consent.signed_on", "2026-11-2", "expected a date YYYY-MM-DD, got '2026-11-2'"),
        ("evaluated_on", 20261120, "expected a date YYYY-MM-DD, got 20261120"),
        ("evaluated_on", DELETE, "required"),
        ("patient.sex", "f", "expected one of 'female', 'male', got 'f'"),
        ("patient.weight_kg", "58", "expected a number, got '58'"),
        ("patient.childbearing_potential", "yes", "expected true, false or null, got 'yes'"),
        ("patient", [], "expected an object, got a list"),
        ("consent.signer", "doctor", "expected one of 'patient', 'guardian', got 'doctor'"),
        ("consent.icf_version", 2.0, "expected a non-empty string, got 2.0"),
        ("labs", {"test": "alt"}, "expected a list, got an object"),
        ("labs[1]", "alt 30", "expected an object, got 'alt 30'"),
        ("labs[0].value", True, "expected a number, got true"),
        ("labs[0].value", math.nan, "expected a number, got nan"),
        ("labs[3].uln", DELETE, "required"),
        ("labs[0].test", "hemoglobin", "unknown laboratory test 'hemoglobin' (the protocol's: 'creatinine'"),
        ("serology[1].result", "weak", "expected one of 'positive', 'negative', got 'weak'"),
        ("sledai_2k.descriptors[1]", "sunburn", "unknown code 'sunburn'"),
        ("eular_acr_2019.criteria", "joint_involvement", "expected a list"),
        ("eular_acr_2019.criteria[0]", "arthritis", "unknown code 'arthritis'"),
        ("treatments[2].stopped_on", "2024-02-01", "2024-02-01 is before started_on 2024-03-01"),
        ("treatments[1].dose_mg_per_day", "60 mg", "expected a number, got '60 mg'"),
        ("intolerant_to_conventional_therapy", "no", "expected true, false or null, got 'no'"),
        ("spo2.room_air", 1, "expected true, false or null, got 1"),
        ("pregnancy_test.specimen", "saliva", "expected one of 'serum', 'urine', got 'saliva'"),
        ("attestations.apheresis_suitable", "yes", "expected true, false or null, got 'yes'"),
        ("attestations.contraception_method", "pill", "expected one of"),
    ],
)
def test_malformed_document_names_the_key(doc, parse, key: str, value: Any, message: str) -> None:
    _apply(doc, key, value)
    with pytest.raises(FactsError) as caught:
        parse(doc)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: {message}")


@pytest.mark.parametrize("document", [[], "facts", None, 3])
def test_a_document_that_is_not_an_object_is_refused(parse, document: Any) -> None:
    with pytest.raises(FactsError, match="^facts: expected an object"):
        parse(document)
