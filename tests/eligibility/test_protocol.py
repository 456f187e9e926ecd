"""Loading the demo protocol, and refusing broken ones with the offending key named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from screening.eligibility import ProtocolError, load_protocol_file, load_protocol_text
from screening.eligibility import protocol as first_format_loader
from screening.eligibility.protocol import CRITERION_KINDS, ExclusionCriteriaStatus
from tests.eligibility.conftest import PROTOCOL_PATH


@pytest.fixture(scope="module")
def first_format():
    """MC-1-50's first-format file as its own loader validates it (before it is read as the general format)."""
    return first_format_loader.load_protocol_file(PROTOCOL_PATH)


def test_demo_protocol_identity(first_format) -> None:
    protocol = first_format
    assert (protocol.id, protocol.version, protocol.screening_window_days) == ("MC-1-50", "1", 28)
    assert protocol.title
    assert isinstance(protocol.effective_date, date)


def test_demo_protocol_thresholds_come_from_the_spec(first_format) -> None:
    protocol = first_format
    params = {c.code: dict(c.params) for c in protocol.criteria}
    assert params["I02"] == {"min_age_years": 18}
    assert params["I03a"] == {"min_points": 10}
    assert params["I03b"] == {
        "min_antimalarials": 1,
        "min_glucocorticoid_mg_per_kg_day": 1.0,
        "min_immunosuppressants": 2,
        "min_biologics": 1,
        "min_treatment_months": 3,
    }
    assert params["I04"] == {"min_score": 7}
    assert params["I06a"] == {"min_lvef_percent": 50}
    assert params["I06b"] == {"creatinine_max_uln": 2.0, "min_crcl_ml_min": 60}
    assert params["I06c"] == {"alt_ast_max_uln": 3.0, "alt_ast_relaxed_uln": 3.0}
    assert params["I06d"] == {"total_bilirubin_max_uln": 2.0, "gilbert_max_uln": 3.0}
    assert params["I06e"] == {"min_spo2_percent": 92}
    assert params["I07"] == {"attestation": "no_serious_mental_disorder"}
    assert params["I08"] == {"attestation": "apheresis_suitable"}


def test_every_criterion_has_english_and_chinese_names(first_format) -> None:
    protocol = first_format
    for criterion in protocol.criteria:
        assert set(criterion.names) == {"en", "zh-hans"}
        assert all(criterion.names.values())


def test_demo_protocol_lists_without_inventing(first_format) -> None:
    protocol = first_format
    assert set(protocol.contraception_methods) == {
        "iud", "implant", "ius", "vasectomised_partner", "combined_hormonal", "progestogen_only", "abstinence",
        "barrier",
    }
    assert protocol.drugs.antimalarial == ("hydroxychloroquine",)
    assert protocol.drugs.biologic == ("belimumab", "telitacicept", "anifrolumab")
    assert protocol.drugs.rituximab_counts is False
    assert len(protocol.drugs.immunosuppressant) == 8
    assert protocol.glucocorticoid_factors["methylprednisolone"] == 1.25
    assert protocol.drugs.glucocorticoid == tuple(protocol.glucocorticoid_factors)
    assert protocol.dose_levels.levels == (0.3, 1.0, 3.0)
    assert protocol.exclusion_criteria_status is ExclusionCriteriaStatus.NOT_PROVIDED
    assert protocol.exclusion_criteria == ()
    assert "no exclusion criteria" in protocol.exclusion_criteria_note


def test_demo_protocol_reminders_and_labs(first_format) -> None:
    protocol = first_format
    reminders = protocol.reminders
    assert reminders.overdue_after_days == 7
    assert reminders.pregnancy_test.before_lymphodepletion_hours == 48
    assert (reminders.pregnancy_test.every_months, reminders.pregnancy_test.until_month) == (1, 12)
    assert reminders.pregnancy_test.applies_to == "childbearing_potential"
    assert reminders.contraception.applies_to == "all"
    assert reminders.contraception.end_notice is True
    creatinine = protocol.lab_tests["creatinine"]
    assert (creatinine.canonical_unit, dict(creatinine.units)) == ("umol/L", {"umol/L": 1.0, "mg/dL": 88.4})
    assert (creatinine.plausible_min, creatinine.plausible_max) == (10, 2000)
    assert protocol.lab_tests["total_bilirubin"].units["mg/dL"] == 17.1
    assert (protocol.lab_tests["alt"].plausible_min, protocol.lab_tests["ast"].plausible_max) == (1, 5000)


def test_the_demo_file_uses_every_first_format_kind(first_format) -> None:
    """So that the equivalence of the engine tests (conftest.same_statuses) covers every kind's conversion."""
    assert set(CRITERION_KINDS) == {c.kind for c in first_format.criteria}


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("creatinine_max_uln = 2.0", 'creatinine_max_uln = "two"',
         "criteria.I06b.creatinine_max_uln: expected a number, got 'two'"),
        ("min_crcl_ml_min = 60\n", "", "criteria.I06b.min_crcl_ml_min: required"),
        ('kind = "renal_function"', 'kind = "renal_fn"', "criteria.I06b.kind: unknown criterion kind 'renal_fn'"),
        ("gilbert_max_uln = 3.0", "gilbert_max_ulm = 3.0", "criteria.I06d.gilbert_max_ulm: unknown key"),
        ("min_age_years = 18", "min_age_years = 18.5", "criteria.I02.min_age_years: expected an integer, got 18.5"),
        ("min_score = 7", "min_score = true", "criteria.I04.min_score: expected an integer, got True"),
        ('attestation = "apheresis_suitable"', "attestation = 1", "criteria.I08.attestation: expected a string, got 1"),
        (', "zh-hans" = "无严重精神障碍" }', " }", "criteria.I07.name.zh-hans: required"),
        ("screening_window_days = 28", 'screening_window_days = "28"',
         "screening_window_days: expected an integer, got '28'"),
        ("effective_date = 2025-03-01", 'effective_date = "2025-03-01"', "effective_date: expected a date"),
        ('version = "1"', "version = 1", "version: expected a string, got 1"),
        ('abstinence = {', 'safe_period = { en = "Safe period", "zh-hans" = "安全期" }\nabstinence = {',
         "contraception_methods.safe_period: the safe period method is never accepted"),
        ('"anifrolumab"]', '"anifrolumab", "rituximab"]', "drugs.biologic: list rituximab through"),
        ('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "unknown"',
         "exclusion_criteria_status: expected one of 'provided', 'not_provided'"),
        ('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "provided"',
         "exclusion_criteria: required when exclusion_criteria_status is 'provided'"),
        ("[lab_tests.creatinine]", "[lab_tests.creatinine_typo]", "lab_tests.creatinine_typo: expected one of"),
        ('units = { "umol/L" = 1.0, "mg/dL" = 88.4 }', 'units = { "mg/dL" = 88.4 }',
         "lab_tests.creatinine.canonical_unit: 'umol/L' must be listed in units with factor 1"),
        ("prednisone = 1.0", "prednisone = 0", "glucocorticoid_factors.prednisone: expected a number greater than 0"),
        ("overdue_after_days = 7", "overdue_after_days = 0", "reminders.overdue_after_days: expected an integer >= 1"),
        ("levels = [0.3, 1.0, 3.0]", 'levels = [0.3, "one"]', "dose_levels.levels[1]: expected a positive number"),
        ('title = "', 'titel = "x"\ntitle = "', "titel: unknown key"),
    ],
)
def test_broken_protocol_is_refused_naming_the_key(protocol_text: str, old: str, new: str, error: str) -> None:
    assert old in protocol_text
    with pytest.raises(ProtocolError) as caught:
        load_protocol_text(protocol_text.replace(old, new, 1))
    assert str(caught.value).startswith(error)


def test_a_lab_test_a_criterion_needs_must_be_declared(protocol_text: str) -> None:
    start = protocol_text.index("[lab_tests.creatinine]")
    end = protocol_text.index("[lab_tests.alt]")
    with pytest.raises(ProtocolError, match=r"^lab_tests\.creatinine: required by criteria\.I06b"):
        load_protocol_text(protocol_text[:start] + protocol_text[end:])


def test_exclusions_must_be_empty_while_not_provided(protocol_text: str) -> None:
    text = protocol_text.replace(
        "[exclusion_criteria]\n",
        '[exclusion_criteria.E01]\nkind = "attestation"\nname = { en = "x", "zh-hans" = "x" }\nattestation = "x"\n',
    )
    with pytest.raises(ProtocolError, match="^exclusion_criteria: must be empty"):
        load_protocol_text(text)


def test_exclusion_codes_must_differ_from_inclusion_codes(protocol_text: str) -> None:
    text = protocol_text.replace('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "provided"')
    text = text.replace(
        "[exclusion_criteria]\n",
        '[exclusion_criteria.I07]\nkind = "attestation"\nname = { en = "x", "zh-hans" = "x" }\nattestation = "x"\n',
    )
    with pytest.raises(ProtocolError, match="^exclusion_criteria.I07: code already used"):
        load_protocol_text(text)


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_non_finite_thresholds_are_refused(protocol_text: str, value: str) -> None:
    with pytest.raises(ProtocolError, match="^criteria.I06b.creatinine_max_uln: expected a number"):
        load_protocol_text(protocol_text.replace("creatinine_max_uln = 2.0", f"creatinine_max_uln = {value}"))


def test_invalid_toml_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="^protocol: invalid TOML"):
        load_protocol_text("id = ")


def test_unreadable_file_is_a_protocol_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "absent.toml"
    with pytest.raises(ProtocolError) as caught:
        load_protocol_file(missing)
    assert caught.value.key == str(missing)


def test_protocol_file_loads_by_path(protocol_path: Path, protocol) -> None:
    assert load_protocol_file(str(protocol_path)) == protocol
