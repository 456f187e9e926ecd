"""Every criterion at its boundaries and on every missing-data path, starting from the eligible example.

The example is evaluated on 2026-11-20 with consent on 2026-11-02, labs on 2026-11-05; each test changes the
one fact it is about.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from screening.eligibility import (
    Protocol,
    Status,
    evaluate,
    load_protocol_text,
    parse_facts,
)

pytestmark = pytest.mark.requirement("ELG-01")


@pytest.fixture
def amended(protocol_text: str) -> Callable[..., Protocol]:
    """The demo protocol with text replaced, as an amendment would change it: amended(("a = 1", "a = 2"))."""

    def amend(*replacements: tuple[str, str]) -> Protocol:
        text = protocol_text
        for old, new in replacements:
            assert old in text
            text = text.replace(old, new)
        return load_protocol_text(text)

    return amend


CODES = ["I01", "I02", "I03a", "I03b", "I04", "I05", "I06a", "I06b", "I06c", "I06d", "I06e", "I07", "I08", "I09"]


def creatinine(value: float, collected_on: str) -> dict[str, Any]:
    return {"test": "creatinine", "value": value, "unit": "umol/L", "uln": 84.0, "collected_on": collected_on}


def test_the_example_meets_every_criterion(run, doc) -> None:
    evaluation = run(doc)
    assert [(r.code, r.status) for r in evaluation.criteria] == [(code, Status.MET) for code in CODES]


# -- validity window ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("collected_on", "status"),
    [
        ("2026-10-23", Status.MET),  # day 28 before 2026-11-20: in
        ("2026-10-22", Status.MISSING),  # day 29: out
        ("2026-11-20", Status.MET),  # the evaluation day itself
        ("2026-11-21", Status.MISSING),  # after the evaluation date
    ],
)
def test_lab_validity_window_is_28_days(check, doc, with_lab, collected_on: str, status: Status) -> None:
    doc["consent"]["signed_on"] = "2026-10-01"
    with_lab(doc, "creatinine", collected_on=collected_on)
    result = check(doc, "I06b")
    assert result.status is status
    if status is Status.MISSING:
        assert "labs[0]" in result.evidence
        assert result.missing == ("creatinine dated 2026-10-23 to 2026-11-20",)


def test_window_length_comes_from_the_protocol(doc, with_lab, amended) -> None:
    doc["consent"]["signed_on"] = "2026-10-01"
    with_lab(doc, "creatinine", collected_on="2026-10-22")
    protocol = amended(("screening_window_days = 28", "screening_window_days = 29"))
    assert evaluate(parse_facts(doc, protocol), protocol).result("I06b").status is Status.MET


def test_newest_lab_in_window_is_used(check, doc) -> None:
    doc["labs"].append(creatinine(300.0, "2026-11-10"))
    result = check(doc, "I06b")
    assert result.status is Status.NOT_MET  # the newer, abnormal value wins over labs[0]
    assert result.uses[0] == "labs[4]"


def test_newest_lab_outside_window_falls_back_to_one_inside(check, doc) -> None:
    doc["labs"].append(creatinine(300.0, "2026-11-25"))
    result = check(doc, "I06b")
    assert result.status is Status.MET
    assert result.uses[0] == "labs[0]"


# -- I01 consent --------------------------------------------------------------------------------------------


def test_consent_absent_is_missing(check, doc) -> None:
    del doc["consent"]
    result = check(doc, "I01")
    assert result.status is Status.MISSING
    assert result.missing == ("signed informed consent",)


def test_withdrawn_consent_is_not_met(check, doc) -> None:
    doc["consent"]["withdrawn_on"] = "2026-11-10"
    result = check(doc, "I01")
    assert result.status is Status.NOT_MET
    assert "withdrawn on 2026-11-10" in result.evidence


@pytest.mark.parametrize(
    ("path", "ref"),
    [
        (("labs", 1, "collected_on"), "labs[1].collected_on"),
        (("serology", 0, "collected_on"), "serology[0].collected_on"),
        (("sledai_2k", "assessed_on"), "sledai_2k.assessed_on"),
        (("echo", "performed_on"), "echo.performed_on"),
        (("spo2", "measured_on"), "spo2.measured_on"),
        (("pregnancy_test", "collected_on"), "pregnancy_test.collected_on"),
    ],
)
def test_a_record_dated_before_consent_fails_consent_naming_it(check, doc, path: tuple[Any, ...], ref: str) -> None:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "2026-11-01"  # the day before consent
    result = check(doc, "I01")
    assert result.status is Status.NOT_MET
    assert f"{ref} " in result.evidence
    assert ref in result.uses


def test_a_lab_dated_before_consent_is_not_evidence_for_its_criterion(check, doc, with_lab) -> None:
    with_lab(doc, "alt", collected_on="2026-11-01")
    result = check(doc, "I06c")
    assert result.status is Status.MISSING
    assert "before consent 2026-11-02" in result.evidence


def test_a_record_on_the_consent_day_is_valid(check, doc, with_lab) -> None:
    with_lab(doc, "alt", collected_on="2026-11-02")
    assert check(doc, "I01").status is Status.MET
    assert check(doc, "I06c").status is Status.MET


def test_consent_after_the_evaluation_date_is_not_met(check, doc) -> None:
    doc["consent"]["signed_on"] = "2026-11-21"
    assert check(doc, "I01").status is Status.NOT_MET


def test_unapproved_icf_version_is_not_met_when_the_protocol_lists_versions(doc, amended) -> None:
    protocol = amended(('kind = "consent"', 'kind = "consent"\napproved_icf_versions = ["2.0"]'))
    result = evaluate(parse_facts(doc, protocol), protocol).result("I01")
    assert result.status is Status.NOT_MET
    assert "ICF 1.0 is not approved" in result.evidence
    doc["consent"]["icf_version"] = "2.0"
    assert evaluate(parse_facts(doc, protocol), protocol).result("I01").status is Status.MET


# -- I02 age ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "status"),
    [
        ("2008-11-02", Status.MET),  # 18th birthday on the consent date
        ("2008-11-03", Status.NOT_MET),  # consent the day before the 18th birthday
        ("2008-11-01", Status.MET),
    ],
)
def test_age_is_counted_on_the_consent_date(check, doc, born: str, status: Status) -> None:
    doc["patient"]["date_of_birth"] = born
    assert check(doc, "I02").status is status


@pytest.mark.parametrize(("signed_on", "status"), [("2026-02-28", Status.NOT_MET), ("2026-03-01", Status.MET)])
def test_born_on_29_february_turns_18_on_1_march(check, doc, signed_on: str, status: Status) -> None:
    doc["patient"]["date_of_birth"] = "2008-02-29"
    doc["consent"]["signed_on"] = signed_on
    assert check(doc, "I02").status is status


@pytest.mark.parametrize("remove", ["patient.date_of_birth", "consent"])
def test_age_without_birth_date_or_consent_is_missing(check, doc, without, remove: str) -> None:
    without(doc, remove)
    assert check(doc, "I02").status is Status.MISSING


# -- I03a EULAR/ACR 2019 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "status"),
    [
        (["joint_involvement", "low_c3_and_low_c4"], Status.MET),  # exactly 10
        (["joint_involvement", "low_c3_or_low_c4"], Status.NOT_MET),  # 9
        (["joint_involvement", "low_c3_and_low_c4", "fever"], Status.MET),  # 12
        # mucocutaneous counts 4 once, not 2 + 2 + 4: 4 + 3 = 7, not 11
        (
            ["non_scarring_alopecia", "oral_ulcers", "subacute_cutaneous_or_discoid_lupus", "low_c3_or_low_c4"],
            Status.NOT_MET,
        ),
        # 12 points but no clinical criterion
        (["anti_dsdna_or_anti_smith", "low_c3_and_low_c4", "antiphospholipid_antibodies"], Status.NOT_MET),
    ],
)
def test_eular_acr_points_per_domain_maximum(check, doc, criteria: list[str], status: Status) -> None:
    doc["eular_acr_2019"]["criteria"] = criteria
    assert check(doc, "I03a").status is status


@pytest.mark.parametrize(("entry", "status"), [(False, Status.NOT_MET), (None, Status.MISSING)])
def test_eular_acr_entry_criterion(check, doc, entry: bool | None, status: Status) -> None:
    doc["eular_acr_2019"]["ana_ever_1_80_hep2"] = entry
    assert check(doc, "I03a").status is status


def test_eular_acr_not_recorded_is_missing(check, doc) -> None:
    del doc["eular_acr_2019"]
    assert check(doc, "I03a").status is Status.MISSING


# -- I03b refractory disease --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "dose", "weight", "status"),
    [
        ("prednisone", 58, 58.0, Status.MET),  # exactly 1.0 mg/kg/day
        ("prednisone", 57.9, 58.0, Status.NOT_MET),  # just under
        ("prednisone", 58.1, 58.0, Status.MET),
        ("methylprednisolone", 48, 60.0, Status.MET),  # 48 mg = 60 mg prednisone = 1.0 mg/kg/day
        ("methylprednisolone", 48, 60.1, Status.NOT_MET),
        ("dexamethasone", 9, 60.0, Status.MET),  # 9 x 6.67 = 60.03 mg
    ],
)
def test_glucocorticoid_exposure_in_prednisone_equivalents_per_kg(
    check, doc, drug: str, dose: float, weight: float, status: Status
) -> None:
    doc["treatments"][1].update(drug=drug, dose_mg_per_day=dose)
    doc["patient"]["weight_kg"] = weight
    result = check(doc, "I03b")
    assert result.status is status
    assert "patient.weight_kg" in result.uses


def test_glucocorticoid_exposure_is_the_highest_entry(check, doc) -> None:
    doc["treatments"][1]["dose_mg_per_day"] = 10
    doc["treatments"].append({"drug": "Methylprednisolone", "class": "glucocorticoid", "started_on": "2024-01-01",
                              "stopped_on": "2024-03-01", "dose_mg_per_day": 48})
    result = check(doc, "I03b")
    assert result.status is Status.MET
    expected = "48 mg/day Methylprednisolone (treatments[5]) x 1.25 = 60 mg prednisone / 58 kg = 1.03 mg/kg/day"
    assert expected in result.evidence


@pytest.mark.parametrize(
    ("change", "missing_item"),
    [
        (lambda d: d["treatments"][1].pop("dose_mg_per_day"), "daily dose of prednisone (treatments[1])"),
        (lambda d: d["patient"].pop("weight_kg"), "weight"),
        (lambda d: d.pop("treatments"), "treatment history"),
    ],
)
def test_refractory_without_dose_weight_or_history_is_missing(check, doc, change, missing_item: str) -> None:
    change(doc)
    result = check(doc, "I03b")
    assert result.status is Status.MISSING
    assert missing_item in result.missing


@pytest.mark.parametrize(
    ("index", "replacement"),
    [
        (0, None),  # no hydroxychloroquine
        (3, {"drug": "mycophenolate", "class": "immunosuppressant", "started_on": "2025-01-20"}),  # 1 distinct
        (3, {"drug": "voclosporin", "class": "immunosuppressant", "started_on": "2025-01-20"}),  # not listed
        (4, {"drug": "rituximab", "class": "biologic", "started_on": "2025-04-01"}),  # not counted by default
        (4, None),  # no biologic
    ],
)
def test_refractory_needs_each_drug_class(check, doc, index: int, replacement: dict | None) -> None:
    if replacement is None:
        del doc["treatments"][index]
    else:
        doc["treatments"][index] = replacement
    result = check(doc, "I03b")
    assert result.status is Status.NOT_MET
    if replacement and replacement["drug"] in ("voclosporin", "rituximab"):
        assert f"{replacement['drug']} is not in the protocol's" in result.evidence


def test_rituximab_counts_when_the_protocol_says_so(doc, amended) -> None:
    doc["treatments"][4]["drug"] = "rituximab"
    protocol = amended(("rituximab_counts_as_biologic = false", "rituximab_counts_as_biologic = true"))
    assert evaluate(parse_facts(doc, protocol), protocol).result("I03b").status is Status.MET


def _short_history(doc: dict, start: str, stop: str | None = None) -> None:
    for treatment in doc["treatments"]:
        treatment.update(started_on=start, stopped_on=stop)


@pytest.mark.parametrize(("start", "status"), [("2026-08-20", Status.MET), ("2026-08-21", Status.NOT_MET)])
def test_treatment_duration_counts_calendar_months_to_evaluation(check, doc, start: str, status: Status) -> None:
    _short_history(doc, start)
    assert check(doc, "I03b").status is status


@pytest.mark.parametrize(("stop", "status"), [("2026-09-01", Status.MET), ("2026-08-31", Status.NOT_MET)])
def test_treatment_duration_ends_at_the_last_stop_when_all_stopped(check, doc, stop: str, status: Status) -> None:
    _short_history(doc, "2026-06-01", stop)
    result = check(doc, "I03b")
    assert result.status is status
    assert "(last stop)" in result.evidence


@pytest.mark.parametrize(
    ("intolerant", "status"),
    [(True, Status.NEEDS_REVIEW), (False, Status.NOT_MET), (None, Status.MISSING)],
)
def test_intolerance_path_when_therapy_path_fails(check, doc, intolerant: bool | None, status: Status) -> None:
    del doc["treatments"][4]  # no biologic: path (a) fails
    doc["intolerant_to_conventional_therapy"] = intolerant
    result = check(doc, "I03b")
    assert result.status is status
    assert "intolerant_to_conventional_therapy" in result.uses


def test_intolerance_does_not_matter_when_therapy_path_is_met(check, doc) -> None:
    doc["intolerant_to_conventional_therapy"] = True
    assert check(doc, "I03b").status is Status.MET


# -- I04 SLEDAI-2K ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("descriptors", "status"),
    [
        (["arthritis", "rash", "fever"], Status.MET),  # exactly 7
        (["arthritis", "rash"], Status.NOT_MET),  # 6
        (["arthritis", "rash", "fever", "leukopenia"], Status.MET),  # 8
        ([], Status.NOT_MET),
    ],
)
def test_sledai_threshold_of_7(check, doc, descriptors: list[str], status: Status) -> None:
    doc["sledai_2k"]["descriptors"] = descriptors
    assert check(doc, "I04").status is status


def test_sledai_outside_window_or_absent_is_missing(check, doc) -> None:
    doc["sledai_2k"]["assessed_on"] = "2026-11-01"
    assert check(doc, "I04").status is Status.MISSING
    del doc["sledai_2k"]
    assert check(doc, "I04").status is Status.MISSING


# -- I05 autoantibodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ana", "dsdna", "status"),
    [
        ("positive", "negative", Status.MET),
        ("negative", "positive", Status.MET),
        ("positive", None, Status.MET),
        ("negative", "negative", Status.NOT_MET),
        ("negative", None, Status.MISSING),
        (None, None, Status.MISSING),
    ],
)
def test_ana_and_or_anti_dsdna(check, doc, ana: str | None, dsdna: str | None, status: Status) -> None:
    doc["serology"] = [
        {"test": test, "result": result, "collected_on": "2026-11-05"}
        for test, result in (("ana", ana), ("anti_dsdna", dsdna))
        if result
    ]
    assert check(doc, "I05").status is status


def test_autoantibodies_use_the_newest_result(check, doc) -> None:
    doc["serology"][1]["result"] = "negative"
    doc["serology"].append({"test": "ana", "result": "negative", "collected_on": "2026-11-06"})
    result = check(doc, "I05")
    assert result.status is Status.NOT_MET
    assert result.uses == ("serology[2]", "serology[1]")


# -- I06a LVEF, I06e SpO2 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("lvef", "status"), [(50, Status.MET), (49.9, Status.NOT_MET), (50.1, Status.MET)])
def test_lvef_threshold(check, doc, lvef: float, status: Status) -> None:
    doc["echo"]["lvef_percent"] = lvef
    assert check(doc, "I06a").status is status


def test_lvef_outside_window_or_absent_is_missing(check, doc) -> None:
    doc["echo"]["performed_on"] = "2026-10-01"
    assert check(doc, "I06a").status is Status.MISSING
    del doc["echo"]
    assert check(doc, "I06a").status is Status.MISSING


@pytest.mark.parametrize(
    ("percent", "room_air", "status"),
    [
        (92, True, Status.MET),
        (91.9, True, Status.NOT_MET),
        (92.1, True, Status.MET),
        (97, False, Status.MISSING),  # on oxygen: not evidence
        (97, None, Status.MISSING),
    ],
)
def test_spo2_on_room_air(check, doc, percent: float, room_air: bool | None, status: Status) -> None:
    doc["spo2"].update(percent=percent, room_air=room_air)
    assert check(doc, "I06e").status is status


def test_spo2_absent_is_missing(check, doc) -> None:
    del doc["spo2"]
    assert check(doc, "I06e").status is Status.MISSING


# -- I06b renal ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "uln", "status"),
    [
        (168.0, 84.0, Status.MET),  # exactly 2.0 x ULN
        (168.1, 84.0, Status.MISSING),  # over, and no CrCl without weight
        (100.0, 50.0, Status.MET),  # ULN is the record's own
        (100.0, 49.0, Status.MISSING),
    ],
)
def test_creatinine_uln_limit(check, doc, with_lab, value: float, uln: float, status: Status) -> None:
    del doc["patient"]["weight_kg"]
    with_lab(doc, "creatinine", value=value, uln=uln)
    result = check(doc, "I06b")
    assert result.status is status
    if status is Status.MISSING:
        assert result.missing == ("weight for Cockcroft-Gault creatinine clearance",)


@pytest.mark.parametrize(("weight", "status"), [(86.4, Status.MET), (86.5, Status.MET), (86.3, Status.NOT_MET)])
def test_creatinine_clearance_limit_when_creatinine_is_high(
    check, doc, with_lab, weight: float, status: Status
) -> None:
    # Man aged exactly 40 on the collection day, creatinine 2.0 mg/dL (2.22 x ULN 0.9):
    # CrCl = (140 - 40) x weight / (72 x 2.0), exactly 60 at 86.4 kg.
    doc["patient"].update(sex="male", date_of_birth="1986-11-05", weight_kg=weight)
    with_lab(doc, "creatinine", value=2.0, unit="mg/dL", uln=0.9)
    result = check(doc, "I06b")
    assert result.status is status
    assert "= 2.22 x ULN 0.9 (maximum 2.0 x ULN)" in result.evidence


def test_renal_evidence_shows_both_numbers(check, doc) -> None:
    result = check(doc, "I06b")
    assert result.evidence == (
        "creatinine 70 umol/L (labs[0], 2026-11-05) = 0.83 x ULN 84 (maximum 2.0 x ULN); "
        "Cockcroft-Gault creatinine clearance (140 - 41) x 58 kg / (72 x 0.79 mg/dL) x 0.85 = 85.6 mL/min (minimum 60)"
    )
    assert result.uses == ("labs[0]", "patient.date_of_birth", "patient.weight_kg", "patient.sex")


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"value": 5.0}, Status.NEEDS_REVIEW),  # implausible: below 10 umol/L
        ({"value": 0.8, "unit": "mg/dL", "uln": 1.0}, Status.MET),  # 70.7 umol/L
        ({"value": 70.0, "unit": "U/L"}, Status.NEEDS_REVIEW),  # unit not accepted for creatinine
    ],
)
def test_creatinine_units_and_plausibility(check, doc, with_lab, fields: dict, status: Status) -> None:
    with_lab(doc, "creatinine", **fields)
    assert check(doc, "I06b").status is status


def test_creatinine_absent_is_missing(check, doc, without) -> None:
    without(doc, "labs.creatinine")
    assert check(doc, "I06b").status is Status.MISSING


# -- I06c ALT / AST -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("test", ["alt", "ast"])
@pytest.mark.parametrize(("value", "status"), [(120.0, Status.MET), (120.1, Status.NOT_MET), (119.9, Status.MET)])
def test_alt_and_ast_each_within_3_uln(check, doc, with_lab, test: str, value: float, status: Status) -> None:
    with_lab(doc, test, value=value, uln=40.0)
    assert check(doc, "I06c").status is status


def test_liver_enzymes_missing_one_is_missing_but_a_failure_wins(check, doc, with_lab, without) -> None:
    without(doc, "labs.ast")
    assert check(doc, "I06c").status is Status.MISSING
    with_lab(doc, "alt", value=200.0)
    assert check(doc, "I06c").status is Status.NOT_MET


@pytest.mark.parametrize(
    ("liver_involvement", "value", "status"),
    [
        (True, 200.0, Status.MET),  # 5.0 x ULN, relaxed limit 5.0
        (True, 201.0, Status.NOT_MET),
        (False, 160.0, Status.NOT_MET),  # 4.0 x ULN: over the normal limit
        (None, 160.0, Status.MISSING),  # between the limits: the flag decides
        (None, 201.0, Status.NOT_MET),
        (None, 120.0, Status.MET),
    ],
)
def test_relaxed_alt_limit_only_with_liver_involvement(
    doc, with_lab, amended, liver_involvement: bool | None, value: float, status: Status
) -> None:
    protocol = amended(("alt_ast_relaxed_uln = 3.0", "alt_ast_relaxed_uln = 5.0"))
    doc["patient"]["liver_involvement"] = liver_involvement
    with_lab(doc, "alt", value=value, uln=40.0)
    assert evaluate(parse_facts(doc, protocol), protocol).result("I06c").status is status


def test_demo_relaxed_limit_equals_the_normal_one(check, doc, with_lab) -> None:
    doc["patient"]["liver_involvement"] = True
    with_lab(doc, "ast", value=121.0, uln=40.0)
    assert check(doc, "I06c").status is Status.NOT_MET


# -- I06d bilirubin -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gilbert", "value", "status"),
    [
        (False, 42.0, Status.MET),  # exactly 2.0 x ULN 21
        (False, 42.1, Status.NOT_MET),
        (True, 63.0, Status.MET),  # exactly 3.0 x ULN with Gilbert syndrome
        (True, 63.1, Status.NOT_MET),
        (None, 50.0, Status.MISSING),  # 2.38 x ULN: depends on the Gilbert flag
        (None, 63.1, Status.NOT_MET),
        (None, 21.0, Status.MET),
    ],
)
def test_bilirubin_limit_by_gilbert_flag(
    check, doc, with_lab, gilbert: bool | None, value: float, status: Status
) -> None:
    doc["patient"]["gilbert_syndrome"] = gilbert
    with_lab(doc, "total_bilirubin", value=value, uln=21.0)
    result = check(doc, "I06d")
    assert result.status is status
    if status is Status.MISSING:
        assert result.missing == ("whether the patient has Gilbert syndrome",)


def test_bilirubin_in_mg_dl_is_judged_against_its_own_uln(check, doc, with_lab) -> None:
    with_lab(doc, "total_bilirubin", value=2.4, unit="mg/dL", uln=1.2)
    assert check(doc, "I06d").status is Status.MET


# -- I07, I08 attestations ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code, key", [("I07", "no_serious_mental_disorder"), ("I08", "apheresis_suitable")])
@pytest.mark.parametrize(
    ("answer", "status"), [(True, Status.MET), (False, Status.NOT_MET), (None, Status.NEEDS_REVIEW)]
)
def test_attestation_true_false_null(check, doc, code: str, key: str, answer: bool | None, status: Status) -> None:
    doc["attestations"][key] = answer
    result = check(doc, code)
    assert result.status is status
    assert result.uses == (f"attestations.{key}",)


def test_attestations_absent_need_review(check, doc) -> None:
    del doc["attestations"]
    assert check(doc, "I07").status is Status.NEEDS_REVIEW
    assert check(doc, "I07").missing == ("investigator decision: The candidate has no serious mental disorder",)


# -- I09 pregnancy and contraception ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "status"),
    [
        ({"specimen": "serum", "result": "negative"}, Status.MET),
        ({"specimen": "serum", "result": "positive"}, Status.NOT_MET),
        ({"specimen": "urine", "result": "negative"}, Status.MISSING),  # a urine test is not evidence
        ({"collected_on": "2026-11-01"}, Status.MISSING),  # before consent
    ],
)
def test_pregnancy_test_for_women_of_childbearing_potential(check, doc, test: dict, status: Status) -> None:
    doc["pregnancy_test"].update(test)
    assert check(doc, "I09").status is status


@pytest.mark.parametrize(
    "patient",
    [
        {"sex": "male"},
        {"sex": "male", "childbearing_potential": None},
        {"sex": "female", "childbearing_potential": False},
    ],
)
def test_pregnancy_test_not_applicable(check, doc, patient: dict) -> None:
    doc["patient"].update(patient)
    if patient["sex"] == "male":
        doc["attestations"]["contraception_method"] = "barrier"  # a man's accepted methods (settled rules)
    del doc["pregnancy_test"]
    result = check(doc, "I09")
    assert result.status is Status.MET
    assert "not applicable" in result.evidence


@pytest.mark.parametrize(
    ("patient", "missing"),
    [
        ({"childbearing_potential": None}, "whether the patient is of childbearing potential"),
        ({"sex": None}, "patient's sex"),
    ],
)
def test_pregnancy_part_missing_facts(check, doc, patient: dict, missing: str) -> None:
    doc["patient"].update(patient)
    result = check(doc, "I09")
    assert result.status is Status.MISSING
    assert result.missing == (missing,)


def test_pregnancy_test_absent_is_missing(check, doc) -> None:
    del doc["pregnancy_test"]
    assert check(doc, "I09").status is Status.MISSING


@pytest.mark.parametrize(
    ("attestations", "status"),
    [
        ({"contraception_method": "safe_period"}, Status.NOT_MET),
        ({"contraception_method": "barrier"}, Status.NOT_MET),  # a man's method: not on the list for women
        ({"contraception_method": "abstinence"}, Status.MET),
        ({"contraception_method": None}, Status.MISSING),
        ({"contraception_agreed": False}, Status.NOT_MET),
        ({"contraception_agreed": None}, Status.NEEDS_REVIEW),
        ({"no_gamete_donation_agreed": False}, Status.NOT_MET),
        ({"no_gamete_donation_agreed": None}, Status.NEEDS_REVIEW),
    ],
)
def test_contraception_and_gamete_donation(check, doc, attestations: dict, status: Status) -> None:
    doc["attestations"].update(attestations)
    assert check(doc, "I09").status is status


def test_contraception_applies_to_men_too(check, doc) -> None:
    doc["patient"]["sex"] = "male"
    doc["attestations"]["contraception_method"] = "safe_period"
    assert check(doc, "I09").status is Status.NOT_MET
