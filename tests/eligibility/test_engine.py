"""The engine end to end: the shared example, the overall rule, the output JSON, exclusion criteria."""

from __future__ import annotations

import json

import pytest

from screening.eligibility import (
    Evaluation,
    Overall,
    Status,
    evaluate,
    load_protocol_text,
    parse_facts,
)
from screening.eligibility.results import overall_status

pytestmark = pytest.mark.requirement("ELG-01")

CODES = ["I01", "I02", "I03a", "I03b", "I04", "I05", "I06a", "I06b", "I06c", "I06d", "I06e", "I07", "I08", "I09"]


def test_shared_example_is_eligible_with_every_criterion_met(run, doc) -> None:
    evaluation = run(doc)
    assert evaluation.overall is Overall.ELIGIBLE
    assert [r.code for r in evaluation.criteria] == CODES
    assert all(r.status is Status.MET for r in evaluation.criteria)
    assert evaluation.missing == ()


def test_output_json_has_the_documented_shape(run, doc) -> None:
    output = json.loads(json.dumps(run(doc).to_dict()))
    assert {k: output[k] for k in ("protocol", "protocol_version", "overall")} == {
        "protocol": "MC-1-50",
        "protocol_version": "1",
        "overall": "eligible",
    }
    assert set(output) == {"protocol", "protocol_version", "overall", "criteria", "missing"}
    for criterion in output["criteria"]:
        # today's keys, plus the structured evidence (docs/facts-format.md)
        assert set(criterion) == {"code", "status", "evidence", "uses", "missing", "type", "evidence_items",
                                  "missing_items"}
        assert criterion["evidence"]
    assert output["criteria"][7]["uses"] == ["labs[0]", "patient.date_of_birth", "patient.weight_kg", "patient.sex"]


def test_every_criterion_names_what_it_used(run, doc) -> None:
    for result in run(doc).criteria:
        assert result.uses, result.code


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [
        ([Status.MET, Status.MET], Overall.ELIGIBLE),
        ([Status.MET, Status.MISSING], Overall.INCOMPLETE),
        ([Status.MET, Status.NEEDS_REVIEW], Overall.INCOMPLETE),
        ([Status.MISSING, Status.NEEDS_REVIEW, Status.NOT_MET], Overall.NOT_ELIGIBLE),
        ([Status.NOT_MET], Overall.NOT_ELIGIBLE),
    ],
)
def test_overall_rule(statuses: list[Status], overall: Overall) -> None:
    assert overall_status(statuses) is overall


def test_one_failure_makes_not_eligible_even_with_data_missing(run, doc) -> None:
    del doc["echo"]
    doc["spo2"]["percent"] = 90
    evaluation = run(doc)
    assert evaluation.overall is Overall.NOT_ELIGIBLE
    assert evaluation.result("I06a").status is Status.MISSING


def test_missing_list_says_what_is_still_needed(run, doc) -> None:
    del doc["echo"]
    doc["attestations"]["apheresis_suitable"] = None
    evaluation = run(doc)
    assert evaluation.overall is Overall.INCOMPLETE
    assert evaluation.missing == (
        "I06a: LVEF dated 2026-11-02 to 2026-11-20",
        "I08: investigator decision: The candidate meets the apheresis / venous blood collection standards",
    )
    assert evaluation.to_dict()["missing"] == list(evaluation.missing)


def test_an_empty_document_is_incomplete_not_an_error(run) -> None:
    evaluation = run({"evaluated_on": "2026-11-20"})
    assert evaluation.overall is Overall.INCOMPLETE
    assert {r.status for r in evaluation.criteria} <= {Status.MISSING, Status.NEEDS_REVIEW, Status.NOT_MET} - {
        Status.NOT_MET
    }


def test_evaluation_is_a_pure_function_of_its_inputs(run, doc) -> None:
    first, second = run(doc), run(doc)
    assert first == second
    assert isinstance(first, Evaluation)


def test_demo_protocol_has_no_exclusion_criteria_and_says_so(run, doc) -> None:
    evaluation = run(doc)
    assert evaluation.exclusion_criteria_status == "not_provided"
    assert not [r for r in evaluation.criteria if r.code.startswith("E")]


def test_exclusion_criteria_are_evaluated_once_provided(protocol_text: str, doc) -> None:
    text = protocol_text.replace('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "provided"')
    text = text.replace(
        "[exclusion_criteria]\n",
        '[exclusion_criteria.E01]\nkind = "attestation"\nname = { en = "No active infection", "zh-hans" = "无活动性感染" }\n'
        'attestation = "no_active_infection"\n',
    )
    protocol = load_protocol_text(text)
    assert evaluate(parse_facts(doc, protocol), protocol).result("E01").status is Status.NEEDS_REVIEW
    doc["attestations"]["no_active_infection"] = True
    evaluation = evaluate(parse_facts(doc, protocol), protocol)
    assert evaluation.result("E01").status is Status.MET
    assert evaluation.overall is Overall.ELIGIBLE
    doc["attestations"]["no_active_infection"] = False
    assert evaluate(parse_facts(doc, protocol), protocol).overall is Overall.NOT_ELIGIBLE
