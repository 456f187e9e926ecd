"""Pure rules of the sign-off: canonical hash, decisions on top of the engine, what voids a signature."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from screening.eligibility import CriterionResult, Evaluation, Status
from screening.eligibility.protocol import ExclusionCriteriaStatus
from screening.signoff import rules

pytestmark = pytest.mark.requirement("SIG-02")


def evaluation(*results: CriterionResult) -> Evaluation:
    from screening.eligibility.results import overall_status

    return Evaluation("MC-1-50", "1.0", dt.date(2026, 11, 20), overall_status([r.status for r in results]),
                      results, next(iter(ExclusionCriteriaStatus)))


def decision(code: str, verdict: str = "met", comment: str = "reviewed the records") -> rules.Decision:
    return rules.Decision(code, verdict, comment, "Inv Tester", "2026-11-20T08:00:00+00:00")


def test_canonical_json_ignores_key_order_and_hash_is_sha256_of_it():
    a = {"b": 1, "a": [1.5, "零"], "c": {"y": None, "x": True}}
    b = {"c": {"x": True, "y": None}, "a": [1.5, "零"], "b": 1}
    assert rules.canonical_json(a) == rules.canonical_json(b) == '{"a":[1.5,"零"],"b":1,"c":{"x":true,"y":null}}'.encode()
    import hashlib
    assert rules.sha256_of(a) == hashlib.sha256(rules.canonical_json(b)).hexdigest()


def test_meanings_are_the_exact_texts():
    assert rules.meaning_of("eligible") == "I confirm that this subject meets all eligibility criteria"
    assert rules.meaning_of("not_eligible") == "I confirm that this subject does not meet all eligibility criteria"


def test_a_decision_settles_a_needs_review_criterion_and_the_overall():
    ev = evaluation(CriterionResult("I01", Status.MET, "ok"),
                    CriterionResult("I08", Status.NEEDS_REVIEW, "not yet attested", missing=("investigator decision",)))
    assert rules.apply_decisions(ev, {}).overall == "incomplete"
    decided = rules.apply_decisions(ev, {"I08": decision("I08")})
    assert decided.overall == "eligible"
    assert decided.criteria[1].status == "met" and decided.criteria[1].engine_status == "needs_review"
    refused = rules.apply_decisions(ev, {"I08": decision("I08", "not_met")})
    assert refused.overall == "not_eligible" and refused.failed_codes == ["I08"]


def test_a_decision_on_a_criterion_no_longer_under_review_is_ignored_and_shown():
    ev = evaluation(CriterionResult("I06b", Status.NOT_MET, "creatinine 150 > 84"))
    decided = rules.apply_decisions(ev, {"I06b": decision("I06b", "met")})
    assert decided.criteria[0].status == "not_met"
    assert decided.criteria[0].decision is None
    assert decided.ignored_decisions == [decision("I06b", "met")]


@pytest.mark.parametrize("overall, problem", [
    ("incomplete", "still missing: I06b: creatinine"),
    ("eligible", None),
    ("not_eligible", None),
])
def test_only_a_final_result_can_be_signed(overall, problem):
    problems = rules.signing_problems(overall=overall, missing=["I06b: creatinine"], consent_current=True,
                                      reconsent_reasons=[], open_queries=0)
    assert (problem in problems[0]) if problem else problems == []


def test_consent_and_open_queries_block_signing():
    problems = rules.signing_problems(overall="eligible", missing=[], consent_current=False,
                                      reconsent_reasons=["ICF 1.0 superseded"], open_queries=2)
    assert len(problems) == 3
    assert "2 open data queries" in problems[2]


# -- void on change --------------------------------------------------------------------------------------

LAB = {"test": "creatinine", "value": 70.0, "unit": "umol/L", "uln": 84.0, "collected_on": "2026-11-05"}


def document(labs, uses=("labs[0]",), status="met", records=None, decisions=(), evidence="creatinine 70"):
    return {
        "facts": {"labs": labs, "patient": {"weight_kg": 58.0}},
        "result": {"criteria": [{"code": "I06b", "status": status, "uses": list(uses), "evidence": evidence}]},
        "decisions": list(decisions),
        "records": records if records is not None else {f"labs[{i}]": f"screening.labresult:{10 + i}"
                                                        for i in range(len(labs))},
    }


def test_unchanged_document_has_no_changes():
    signed = document([LAB])
    assert rules.changes_between(signed, copy.deepcopy(signed)) == []


def test_a_changed_value_the_evaluation_used_is_named():
    signed = document([LAB])
    current = document([{**LAB, "value": 150.0}], status="not_met")
    assert rules.changes_between(signed, current) == ["creatinine of 2026-11-05: 70 → 150 umol/L", "I06b met → not_met"]


def test_a_record_moved_by_an_older_insert_is_followed_to_its_new_position():
    signed = document([LAB])
    older = {**LAB, "value": 99.0, "collected_on": "2026-11-01"}
    current = document([older, LAB], uses=("labs[1]",),
                       records={"labs[0]": "screening.labresult:99", "labs[1]": "screening.labresult:10"})
    assert rules.changes_between(signed, current) == []


def test_a_record_withdrawn_from_the_facts_is_a_change():
    signed = document([LAB])
    current = document([], uses=(), status="missing", records={})
    changes = rules.changes_between(signed, current)
    assert changes[0].startswith("creatinine of 2026-11-05: no longer in the data (was test creatinine, value 70")


def test_a_new_record_the_evaluation_now_uses_is_a_change():
    signed = document([LAB])
    newer = {**LAB, "collected_on": "2026-11-19"}
    current = document([LAB, newer], uses=("labs[1]",), evidence="creatinine 70 (2026-11-19)")
    assert rules.changes_between(signed, current)[0].startswith("I06b now uses creatinine of 2026-11-19 (")


def test_a_record_read_in_addition_that_changes_nothing_stated_does_not_count():
    """I01 reads every record's date; one more record dated after consent leaves its status as it was."""
    signed = document([LAB], uses=("labs[0].collected_on",), evidence="all records on or after consent")
    newer = {**LAB, "collected_on": "2026-11-19"}
    current = document([LAB, newer], uses=("labs[0].collected_on", "labs[1].collected_on"),
                       evidence="2 records on or after consent")
    assert rules.changes_between(signed, current) == []


def test_data_no_criterion_used_does_not_count():
    signed = document([LAB])
    current = copy.deepcopy(signed)
    current["facts"]["patient"]["weight_kg"] = 80.0  # I06b does not read the weight here
    assert rules.changes_between(signed, current) == []


def test_change_lines_name_records_as_people_do_with_the_protocols_names_never_a_reference():
    names = {"creatinine": "Creatinine", "apheresis_suitable": "Suitable for apheresis"}.get
    signed = document([LAB], uses=("labs[0]", "patient.weight_kg", "attestations.apheresis_suitable"))
    signed["facts"]["attestations"] = {"apheresis_suitable": True}
    current = copy.deepcopy(signed)
    current["facts"]["labs"][0] = {**LAB, "uln": 90.0}
    current["facts"]["patient"]["weight_kg"] = 61.0
    current["facts"]["attestations"]["apheresis_suitable"] = False
    changes = rules.changes_between(signed, current, lambda code: names(code) or code)
    assert changes == ["Creatinine of 2026-11-05: ULN 84 → 90", "Weight (kg): 58 → 61",
                       "Investigator's answer: Suitable for apheresis: yes → no"]
    assert not any("[" in line or "attestations." in line or "patient." in line for line in changes)


def test_a_field_reference_is_named_by_its_record():
    signed = document([LAB], uses=("labs[0].collected_on",), evidence="on or after consent")
    current = document([{**LAB, "collected_on": "2026-11-06"}], uses=("labs[0].collected_on",),
                       evidence="on or after consent")
    assert rules.changes_between(signed, current) == ["creatinine of 2026-11-05, collection date: 2026-11-05 → 2026-11-06"]


def test_a_changed_decision_is_a_change():
    signed = document([LAB], decisions=[decision("I08").to_dict()])
    current = document([LAB], decisions=[decision("I08", "not_met", "apheresis not possible").to_dict()])
    assert rules.changes_between(signed, current) == [
        "decision on I08 met → not_met (apheresis not possible)"
    ]


@pytest.mark.parametrize(("printed", "accepted"), [
    ("Li Wei", True), ("li  wei", True), ("李伟", True), ("李 伟", True), ("Li Wei 李伟", False), ("Wei Li", False),
    ("李", False), ("", False),
])
def test_the_printed_name_may_be_the_accounts_in_pinyin_or_in_chinese_characters(printed, accepted):
    assert rules.printed_name_matches(printed, ["Li Wei", "李伟"]) is accepted
