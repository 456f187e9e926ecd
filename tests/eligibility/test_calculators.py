"""Calculators against published worked examples (the source of each is named beside it)."""

from __future__ import annotations

from datetime import date

import pytest

from screening.eligibility.calculators import (
    EULAR_ACR_2019_CRITERIA,
    SLEDAI_2K_WEIGHTS,
    add_months,
    age_in_years,
    calendar_months_between,
    cockcroft_gault,
    convert_to_canonical,
    eular_acr_2019,
    prednisone_equivalent_mg,
    prednisone_mg_per_kg_day,
    sledai_2k_score,
    uln_multiple,
)


@pytest.mark.parametrize(
    ("born", "on", "years"),
    [
        (date(1985, 3, 14), date(2026, 11, 2), 41),
        (date(2008, 11, 2), date(2026, 11, 2), 18),  # the 18th birthday itself
        (date(2008, 11, 3), date(2026, 11, 2), 17),  # the day before it
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # leapling: not yet in a non-leap year
        (date(2008, 2, 29), date(2026, 3, 1), 18),  # birthday on 1 March
        (date(2004, 2, 29), date(2024, 2, 29), 20),  # leap year: the real birthday
        (date(2004, 2, 29), date(2024, 2, 28), 19),
    ],
)
def test_age_in_years_counts_whole_years(born: date, on: date, years: int) -> None:
    assert age_in_years(born, on) == years


@pytest.mark.parametrize(
    ("age", "weight", "creatinine", "unit", "female", "expected"),
    [
        # superglobalcalculator.com/formulas/health/creatinine-clearance, example 1: man, 60 y, 80 kg, 1.2 mg/dL.
        (60, 80, 1.2, "mg/dL", False, 74.1),
        # superglobalcalculator.com/formulas/pharmacology/creatinine-clearance, example 2: woman, 45 y,
        # 60 kg, 0.9 mg/dL -> 5700 / 64.8 x 0.85 = 74.8 mL/min.
        (45, 60, 0.9, "mg/dL", True, 74.8),
        # droracle.ai worked example: man, 70 y, 75 kg, 1.0 mg/dL -> 5250 / 72 = 72.9 mL/min.
        (70, 75, 1.0, "mg/dL", False, 72.9),
        # The same man with creatinine reported as 88.4 umol/L (= 1.0 mg/dL, Cockcroft & Gault 1976 units).
        (70, 75, 88.4, "umol/L", False, 72.9),
    ],
)
def test_cockcroft_gault_matches_worked_examples(
    age: int, weight: float, creatinine: float, unit: str, female: bool, expected: float
) -> None:
    assert round(cockcroft_gault(age, weight, creatinine, unit, female), 1) == expected


def test_cockcroft_gault_refuses_a_unit_it_cannot_convert() -> None:
    with pytest.raises(ValueError, match="unit"):
        cockcroft_gault(40, 70, 1.0, "U/L", False)


def test_sledai_2k_has_24_descriptors_and_a_maximum_of_105() -> None:
    """Gladman, Ibanez, Urowitz, J Rheumatol 2002;29:288-91: 24 descriptors, total 0-105."""
    assert len(SLEDAI_2K_WEIGHTS) == 24
    assert sledai_2k_score(SLEDAI_2K_WEIGHTS).score == 105


def test_sledai_2k_sums_weights_and_counts_a_descriptor_once() -> None:
    # Gladman 2002 weights: arthritis 4, proteinuria 4, low complement 2, increased DNA binding 2.
    score = sledai_2k_score(["arthritis", "proteinuria", "low_complement", "increased_dna_binding", "arthritis"])
    assert score.score == 12
    assert dict(score.breakdown) == {"arthritis": 4, "proteinuria": 4, "low_complement": 2, "increased_dna_binding": 2}


def test_sledai_2k_refuses_an_unknown_descriptor() -> None:
    with pytest.raises(ValueError, match="unknown"):
        sledai_2k_score(["rash", "sunburn"])


def test_eular_acr_has_7_clinical_and_3_immunologic_domains() -> None:
    """Aringer et al., Arthritis Rheumatol 2019;71:1400-12: weighted criteria in 7 clinical and 3 immunologic
    domains; the highest possible total is 2+4+5+6+6+6+10 clinical + 2+4+6 immunologic = 51."""
    domains = {(c.domain, c.clinical) for c in EULAR_ACR_2019_CRITERIA.values()}
    assert sum(clinical for _, clinical in domains) == 7
    assert sum(not clinical for _, clinical in domains) == 3
    assert eular_acr_2019(True, EULAR_ACR_2019_CRITERIA).score == 51


def test_eular_acr_counts_only_the_highest_criterion_per_domain() -> None:
    """Aringer 2019: "within each domain, only the highest weighted criterion is counted toward the total"."""
    criteria = ["oral_ulcers", "acute_cutaneous_lupus", "non_scarring_alopecia", "anti_dsdna_or_anti_smith"]
    result = eular_acr_2019(True, criteria)
    assert result.score == 12  # acute cutaneous lupus 6 + anti-dsDNA 6, not 6 + 2 + 2 + 6
    assert result.counted["mucocutaneous"].code == "acute_cutaneous_lupus"
    assert result.classified


@pytest.mark.parametrize(
    ("entry", "criteria", "score", "classified", "reason"),
    [
        (True, ["joint_involvement", "low_c3_and_low_c4"], 10, True, None),  # exactly 10 points
        (True, ["joint_involvement", "low_c3_or_low_c4"], 9, False, "9 points < 10"),
        (True, ["proteinuria", "lupus_nephritis_class_ii_or_v"], 8, False, "8 points < 10"),
        # Aringer 2019: at least one clinical criterion; immunologic criteria alone never classify.
        (True, ["anti_dsdna_or_anti_smith", "low_c3_and_low_c4", "antiphospholipid_antibodies"], 12, False,
         "no clinical criterion"),
        # Entry criterion (ANA >= 1:80 on HEp-2) absent: not classified whatever the points.
        (False, ["lupus_nephritis_class_iii_or_iv", "anti_dsdna_or_anti_smith"], 16, False, "entry criterion"),
    ],
)
def test_eular_acr_classification_rules(
    entry: bool, criteria: list[str], score: int, classified: bool, reason: str | None
) -> None:
    result = eular_acr_2019(entry, criteria)
    assert result.score == score
    assert result.classified is classified
    if reason:
        assert any(reason in r for r in result.reasons)
    else:
        assert result.reasons == ()


def test_eular_acr_threshold_is_a_parameter() -> None:
    assert eular_acr_2019(True, ["joint_involvement", "low_c3_and_low_c4"], min_points=11).classified is False


TABLE_C = {
    "prednisone": 1.0,
    "prednisolone": 1.0,
    "methylprednisolone": 1.25,
    "triamcinolone": 1.25,
    "hydrocortisone": 0.25,
    "cortisone": 0.2,
    "dexamethasone": 6.67,
    "betamethasone": 6.67,
    "deflazacort": 0.83,
}


@pytest.mark.parametrize(
    ("drug", "dose", "prednisone"),
    [
        # Liu et al., Allergy Asthma Clin Immunol 2013;9:30, table 1: doses equivalent to prednisone 5 mg.
        ("prednisolone", 5, 5),
        ("methylprednisolone", 4, 5),
        ("triamcinolone", 4, 5),
        ("hydrocortisone", 20, 5),
        ("cortisone", 25, 5),
        ("dexamethasone", 0.75, 5),
        ("betamethasone", 0.75, 5),
        ("deflazacort", 6, 5),
        # MC-1-50-criteria.md: methylprednisolone 48 mg is 60 mg prednisone.
        ("methylprednisolone", 48, 60),
    ],
)
def test_prednisone_equivalents_follow_published_tables(drug: str, dose: float, prednisone: float) -> None:
    assert prednisone_equivalent_mg(drug, dose, TABLE_C) == pytest.approx(prednisone, rel=0.01)


def test_prednisone_equivalent_refuses_a_drug_without_a_factor() -> None:
    with pytest.raises(ValueError, match="budesonide"):
        prednisone_equivalent_mg("budesonide", 9, TABLE_C)


def test_prednisone_per_kg_uses_actual_weight() -> None:
    assert prednisone_mg_per_kg_day(60, 58) == pytest.approx(1.0345, abs=1e-4)
    with pytest.raises(ValueError):
        prednisone_mg_per_kg_day(60, 0)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2024, 2, 1), date(2026, 11, 20), 33),
        (date(2026, 8, 20), date(2026, 11, 20), 3),  # exactly three months
        (date(2026, 8, 21), date(2026, 11, 20), 2),  # one day short
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # month-end clamp
        (date(2026, 1, 31), date(2026, 2, 27), 0),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2026, 1, 15), date(2026, 1, 15), 0),
        (date(2026, 4, 15), date(2026, 1, 15), -3),
    ],
)
def test_calendar_months_between_counts_whole_months(start: date, end: date, months: int) -> None:
    assert calendar_months_between(start, end) == months


def test_add_months_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_uln_multiple_is_value_over_its_own_uln() -> None:
    assert uln_multiple(168, 84) == 2.0
    assert uln_multiple(70, 84) == pytest.approx(0.8333, abs=1e-4)
    with pytest.raises(ValueError):
        uln_multiple(1, 0)


def test_convert_to_canonical_uses_the_protocol_factors(protocol) -> None:
    creatinine = protocol.lab_tests["creatinine"]
    bilirubin = protocol.lab_tests["total_bilirubin"]
    assert convert_to_canonical(1.0, "mg/dL", creatinine) == pytest.approx(88.4)
    assert convert_to_canonical(70, "umol/L", creatinine) == 70
    assert convert_to_canonical(1.0, "mg/dL", bilirubin) == pytest.approx(17.1)
    with pytest.raises(ValueError, match="not accepted"):
        convert_to_canonical(30, "U/L", creatinine)
