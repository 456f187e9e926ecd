"""The rules settled after the independent review (MC-1-50-criteria.md, 2026-12-01), each at its boundary.

Starts from the shared eligible example (evaluated 2026-11-20, consent 2026-11-02, labs 2026-11-05) and
changes the one fact a rule is about. The protocol's limits used here are MC-1-50's: weight 25-300 kg,
LVEF 10-90 %, SpO2 50-100 %, glucocorticoid 0.5-1250 mg prednisone/day, creatinine ULN 40-200 umol/L.
"""

from __future__ import annotations

from typing import Any

import pytest

from screening.eligibility import Status, load_protocol_text
from screening.eligibility.numbers import decisive
from screening.eligibility.protocol import ProtocolError

pytestmark = pytest.mark.requirement("ELG-01")


def serum(result: str, on: str) -> dict[str, Any]:
    return {"specimen": "serum", "result": result, "collected_on": on}


def urine(result: str, on: str) -> dict[str, Any]:
    return {"specimen": "urine", "result": result, "collected_on": on}


# -- plausibility of every number a criterion reads -------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "status"),
    [(24.9, Status.NEEDS_REVIEW), (25, Status.MET), (300, Status.MET), (300.1, Status.NEEDS_REVIEW),
     (6.4, Status.NEEDS_REVIEW), (0, Status.NEEDS_REVIEW), (-58, Status.NEEDS_REVIEW)],
)
def test_weight_outside_its_limits_is_needs_review_for_steroid_and_clearance(check, doc, weight, status) -> None:
    doc["patient"]["weight_kg"] = weight
    doc["treatments"][1]["dose_mg_per_day"] = 400  # enough prednisone for any plausible weight
    for code in ("I03b", "I06b"):
        result = check(doc, code)
        assert result.status is status, code
        if status is Status.NEEDS_REVIEW:
            assert f"weight {weight:g} kg" in result.evidence and "25-300 kg" in result.evidence


@pytest.mark.parametrize(
    ("lvef", "status"),
    [(0.62, Status.NEEDS_REVIEW), (9.99, Status.NEEDS_REVIEW), (10, Status.NOT_MET), (49.99, Status.NOT_MET),
     (50, Status.MET), (90, Status.MET), (90.01, Status.NEEDS_REVIEW), (620, Status.NEEDS_REVIEW)],
)
def test_lvef_fraction_or_typo_is_needs_review(check, doc, lvef, status) -> None:
    doc["echo"]["lvef_percent"] = lvef
    result = check(doc, "I06a")
    assert result.status is status
    if status is Status.NEEDS_REVIEW:
        assert f"LVEF {lvef:g}%" in result.evidence and "10-90%" in result.evidence


@pytest.mark.parametrize(
    ("percent", "status"),
    [(0.96, Status.NEEDS_REVIEW), (49.9, Status.NEEDS_REVIEW), (91.99, Status.NOT_MET), (92, Status.MET),
     (100, Status.MET), (100.5, Status.NEEDS_REVIEW)],
)
def test_spo2_fraction_is_needs_review(check, doc, percent, status) -> None:
    doc["spo2"]["percent"] = percent
    result = check(doc, "I06e")
    assert result.status is status
    if status is Status.NEEDS_REVIEW:
        assert "50-100%" in result.evidence


@pytest.mark.parametrize(
    ("uln", "unit", "value", "status"),
    [
        (84.0, "umol/L", 70.0, Status.MET),
        (1.1, "umol/L", 70.0, Status.NEEDS_REVIEW),  # a mg/dL ULN recorded as umol/L: 63 x ULN otherwise
        (39.9, "umol/L", 70.0, Status.NEEDS_REVIEW),
        (40.0, "umol/L", 70.0, Status.MET),
        (200.0, "umol/L", 70.0, Status.MET),
        (200.1, "umol/L", 70.0, Status.NEEDS_REVIEW),
        (95.0, "mg/dL", 0.8, Status.NEEDS_REVIEW),  # a umol/L ULN with a mg/dL value: 0.008 x ULN otherwise
        (1.1, "mg/dL", 0.8, Status.MET),
    ],
)
def test_an_impossible_uln_for_the_test_in_its_unit_is_needs_review(check, doc, with_lab, uln, unit, value,
                                                                     status) -> None:
    with_lab(doc, "creatinine", uln=uln, unit=unit, value=value)
    result = check(doc, "I06b")
    assert result.status is status
    if status is Status.NEEDS_REVIEW:
        assert f"ULN {uln:g} {unit}" in result.evidence and "plausible ULN range" in result.evidence


def test_uln_limits_hold_for_every_lab_the_criteria_read(check, doc, with_lab) -> None:
    with_lab(doc, "alt", uln=4.0)
    assert check(doc, "I06c").status is Status.NEEDS_REVIEW
    with_lab(doc, "total_bilirubin", uln=210.0)
    assert check(doc, "I06d").status is Status.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("drug", "dose", "status"),
    [
        ("prednisone", 6000, Status.NEEDS_REVIEW),
        ("prednisone", 1250, Status.MET),
        ("prednisone", 0.4, Status.NEEDS_REVIEW),
        ("methylprednisolone", 1000, Status.MET),  # a pulse: 1,250 mg prednisone, the upper limit
        ("methylprednisolone", 1001, Status.NEEDS_REVIEW),
        ("dexamethasone", 0.06, Status.NEEDS_REVIEW),  # 0.4 mg prednisone: below 0.5
    ],
)
def test_glucocorticoid_daily_dose_outside_its_limits_is_needs_review(check, doc, drug, dose, status) -> None:
    doc["treatments"][1].update(drug=drug, dose_mg_per_day=dose)
    if status is Status.MET:
        assert check(doc, "I03b").status is Status.MET
    else:
        result = check(doc, "I03b")
        assert result.status is Status.NEEDS_REVIEW
        assert "0.5-1250 mg prednisone/day" in result.evidence and "treatments[1]" in result.evidence


def test_an_implausible_dose_is_not_hidden_by_a_failing_part(check, doc) -> None:
    """Another part failing decides (it does not depend on the doubtful number); the dose is still named."""
    doc["treatments"][1]["dose_mg_per_day"] = 6000
    del doc["treatments"][4]  # no biologic: not met on its own
    result = check(doc, "I03b")
    assert result.status is Status.NOT_MET
    assert "6000 mg prednisone/day" in result.evidence


# -- several results of one test --------------------------------------------------------------------------


def _creatinine(value: float, on: str = "2026-11-05") -> dict[str, Any]:
    return {"test": "creatinine", "value": value, "unit": "umol/L", "uln": 84.0, "collected_on": on}


def test_same_day_results_that_disagree_are_needs_review_naming_each(check, doc) -> None:
    doc["labs"].append(_creatinine(300.0))
    result = check(doc, "I06b")
    assert result.status is Status.NEEDS_REVIEW
    assert "labs[0]: met" in result.evidence and "labs[4]: not_met" in result.evidence
    assert "creatinine 70 umol/L" in result.evidence and "creatinine 300 umol/L" in result.evidence
    assert result.missing == ("investigator review of the same-day results labs[0], labs[4]",)


def test_same_day_results_that_agree_decide_normally(check, doc) -> None:
    doc["labs"].append(_creatinine(75.0))
    assert check(doc, "I06b").status is Status.MET


def test_a_newer_day_wins_over_an_older_disagreement(check, doc) -> None:
    doc["labs"] += [_creatinine(300.0), _creatinine(72.0, "2026-11-06")]
    result = check(doc, "I06b")
    assert result.status is Status.MET
    assert result.uses[0] == "labs[5]"


def test_same_day_serology_disagreeing_matters_only_if_the_criterion_changes(check, doc) -> None:
    doc["serology"].append({"test": "ana", "result": "negative", "collected_on": "2026-11-05"})
    assert check(doc, "I05").status is Status.MET  # anti-dsDNA positive: met either way
    doc["serology"][1]["result"] = "negative"
    result = check(doc, "I05")
    assert result.status is Status.NEEDS_REVIEW
    assert "serology[0]" in result.evidence and "serology[2]" in result.evidence


def test_same_day_echo_results_given_as_a_list(check, doc) -> None:
    doc["echo"] = [doc["echo"], {"lvef_percent": 45, "performed_on": doc["echo"]["performed_on"]}]
    result = check(doc, "I06a")
    assert result.status is Status.NEEDS_REVIEW
    assert "echo[0]: met" in result.evidence and "echo[1]: not_met" in result.evidence


def test_newest_spo2_on_oxygen_is_not_covered_by_an_older_room_air_reading(check, doc) -> None:
    doc["spo2"] = [doc["spo2"], {"percent": 95, "room_air": False, "measured_on": "2026-11-10"}]
    assert check(doc, "I06e").status is Status.MISSING


# -- pregnancy ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patient", "contradiction"),
    [
        ({"childbearing_potential": True}, None),
        ({"childbearing_potential": False}, "not of childbearing potential"),
        ({"childbearing_potential": None}, "childbearing potential not recorded"),
        ({"sex": "male"}, "male"),
    ],
)
def test_any_positive_serum_test_in_the_window_fails_i09_whatever_the_flags(check, doc, patient,
                                                                           contradiction) -> None:
    doc["patient"].update(patient)
    doc["attestations"]["contraception_method"] = "abstinence"  # accepted for both sexes
    doc["pregnancy_test"] = [serum("positive", "2026-11-04"), serum("negative", "2026-11-10")]
    result = check(doc, "I09")
    assert result.status is Status.NOT_MET
    assert "serum pregnancy test positive on 2026-11-04" in result.evidence
    if contradiction:
        assert contradiction in result.evidence


def test_a_positive_test_outside_the_window_does_not_count(check, doc) -> None:
    doc["consent"]["signed_on"] = "2026-10-01"
    doc["pregnancy_test"] = [serum("positive", "2026-10-22"), serum("negative", "2026-11-05")]
    assert check(doc, "I09").status is Status.MET


@pytest.mark.parametrize("potential", [True, False])
def test_a_positive_urine_test_without_serum_is_missing(check, doc, potential) -> None:
    doc["patient"]["childbearing_potential"] = potential
    doc["pregnancy_test"] = urine("positive", "2026-11-06")
    result = check(doc, "I09")
    assert result.status is Status.MISSING
    assert "serum pregnancy test dated 2026-11-06 to 2026-11-20" in result.missing


def test_a_negative_serum_test_on_or_after_a_positive_urine_test_decides(check, doc) -> None:
    doc["pregnancy_test"] = [urine("positive", "2026-11-06"), serum("negative", "2026-11-06")]
    assert check(doc, "I09").status is Status.MET
    doc["pregnancy_test"] = [serum("negative", "2026-11-05"), urine("positive", "2026-11-06")]
    assert check(doc, "I09").status is Status.MISSING  # the serum test is older than the positive


def test_a_woman_whose_childbearing_potential_is_not_recorded_is_missing(check, doc) -> None:
    doc["patient"]["childbearing_potential"] = None
    result = check(doc, "I09")
    assert result.status is Status.MISSING
    assert "whether the patient is of childbearing potential" in result.missing


# -- contraception methods per sex --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "method", "status"),
    [
        ("male", "barrier", Status.MET),
        ("male", "abstinence", Status.MET),
        ("male", "iud", Status.NOT_MET),  # his partner's method
        ("male", "combined_hormonal", Status.NOT_MET),
        ("male", "vasectomised_partner", Status.NOT_MET),
        ("female", "iud", Status.MET),
        ("female", "vasectomised_partner", Status.MET),
        ("female", "barrier", Status.NOT_MET),
        ("female", "safe_period", Status.NOT_MET),
    ],
)
def test_accepted_methods_are_per_sex(check, doc, general_protocol, sex, method, status) -> None:
    protocol = general_protocol
    doc["patient"]["sex"] = sex
    doc["attestations"]["contraception_method"] = method
    result = check(doc, "I09")
    assert result.status is status
    if status is Status.NOT_MET and method != "safe_period":
        assert f"{protocol.contraception_methods[method]['en']} is not accepted for a {sex} subject" in result.evidence


def test_methods_per_sex_are_protocol_data(protocol_text) -> None:
    amended = load_protocol_text(protocol_text.replace(
        'barrier = { en = "Barrier contraception (condom plus spermicide)", "zh-hans" = "屏障避孕（避孕套加杀精剂）", '
        'sexes = ["male"] }',
        'barrier = { en = "Barrier contraception (condom plus spermicide)", "zh-hans" = "屏障避孕（避孕套加杀精剂）", '
        'sexes = ["male", "female"] }',
    ))
    assert amended.methods_for("female")[-1] == "barrier"
    with pytest.raises(ProtocolError, match=r"contraception_methods\.barrier\.sexes\[0\]"):
        load_protocol_text(protocol_text.replace('sexes = ["male"] }', 'sexes = ["men"] }'))


# -- drug names through the dictionary ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["MMF", "mycophenolate mofetil", "Mycophenolate-Mofetil", "mycophenolic acid", "mycophenolate sodium",
     "  MYCOPHENOLATE  "],
)
def test_synonyms_count_as_their_drug_once(check, doc, spelling) -> None:
    doc["treatments"][2]["drug"] = spelling
    doc["treatments"].append({"drug": "mycophenolate", "class": "immunosuppressant", "started_on": "2024-06-01"})
    del doc["treatments"][3]  # tacrolimus: mycophenolate twice must still be one drug
    result = check(doc, "I03b")
    assert result.status is Status.NOT_MET
    assert "immunosuppressant: mycophenolate = 1 (minimum 2)" in result.evidence


def test_ciclosporin_and_glucocorticoid_salts_map_to_their_drug(check, doc) -> None:
    doc["treatments"][3]["drug"] = "Ciclosporin"
    doc["treatments"][1].update(drug="methylprednisolone sodium succinate", dose_mg_per_day=48)
    result = check(doc, "I03b")
    assert result.status is Status.MET
    assert "cyclosporine, mycophenolate = 2" in result.evidence
    assert "x 1.25 = 60 mg prednisone" in result.evidence


def test_an_unknown_name_does_not_count_and_is_named(check, doc) -> None:
    doc["treatments"][3]["drug"] = "voclosporin"
    result = check(doc, "I03b")
    assert result.status is Status.NOT_MET
    assert "treatments[3] voclosporin is not in the protocol's dictionary" in result.evidence


def test_a_spelling_may_name_only_one_drug(protocol_text) -> None:
    with pytest.raises(ProtocolError, match="already names"):
        load_protocol_text(protocol_text.replace('azathioprine = ["AZA"]', 'azathioprine = ["AZA", "MMF"]'))


# -- evidence never hides the decision ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "threshold", "shown"),
    [(3.003, 3.0, "3.003"), (3.0004, 3.0, "3.0004"), (2.9996, 3.0, "2.9996"), (3.0, 3.0, "3.00"),
     (59.96, 60, "59.96"), (1.03448, 1.0, "1.03")],
)
def test_decisive_digits(value, threshold, shown) -> None:
    assert decisive(value, threshold) == shown


def test_a_failing_uln_multiple_never_reads_as_its_limit(check, doc, with_lab) -> None:
    with_lab(doc, "alt", value=120.12, uln=40.0)  # 3.003 x ULN
    result = check(doc, "I06c")
    assert result.status is Status.NOT_MET
    assert "= 3.003 x ULN 40 (maximum 3.0 x ULN)" in result.evidence


def test_a_failing_clearance_never_reads_as_its_limit(check, doc, with_lab) -> None:
    # (140 - 41) x 60 / (72 x SCr) x 0.85 = 59.96 mL/min for SCr = 1.169... mg/dL
    scr_umol = (140 - 41) * 60 * 0.85 / (72 * 59.96) * 88.4
    doc["patient"]["weight_kg"] = 60
    with_lab(doc, "creatinine", value=round(scr_umol, 4), uln=50.0)
    result = check(doc, "I06b")
    assert result.status is Status.NOT_MET
    assert "= 59.96 mL/min (minimum 60)" in result.evidence


def test_glucocorticoid_evidence_shows_the_conversion(check, doc) -> None:
    doc["patient"]["weight_kg"] = 60
    doc["treatments"][1].update(drug="methylprednisolone", dose_mg_per_day=625)
    assert ("625 mg/day methylprednisolone (treatments[1]) x 1.25 = 781.25 mg prednisone / 60 kg = "
            "13.02 mg/kg/day") in check(doc, "I03b").evidence


def test_a_consent_after_the_evaluation_date_is_stated_plainly(run, doc) -> None:
    doc["consent"]["signed_on"] = "2026-11-25"
    evaluation = run(doc)
    assert "no window: consent 2026-11-25 is after the evaluation date 2026-11-20" in evaluation.result("I01").evidence
    echo = evaluation.result("I06a")
    assert echo.status is Status.MISSING
    assert "2026-11-25 to 2026-11-20" not in echo.evidence  # never an inverted window
    assert "no window" in echo.evidence


# -- conventions ------------------------------------------------------------------------------------------------


def test_cockcroft_gault_uses_the_age_on_the_collection_date(check, doc, with_lab) -> None:
    doc["patient"]["date_of_birth"] = "1985-11-04"  # 40 on 2026-11-03, 41 from 2026-11-04
    with_lab(doc, "creatinine", collected_on="2026-11-03")
    doc["consent"]["signed_on"] = "2026-11-02"
    assert "(140 - 40)" in check(doc, "I06b").evidence
