"""Properties over generated facts documents: evaluation never raises on a well-formed document, the overall
verdict always agrees with the per-criterion statuses, and parsing refuses junk only with `FactsError`."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.eligibility import FactsError, Overall, Status, evaluate, parse_facts
from screening.eligibility.calculators import EULAR_ACR_2019_CRITERIA, SLEDAI_2K_WEIGHTS
from screening.eligibility.protocol import LAB_UNITS, ContraceptionMethod

pytestmark = pytest.mark.requirement("ELG-01")

days = st.dates(min_value=date(2026, 9, 1), max_value=date(2026, 12, 31)).map(date.isoformat)
maybe_bool = st.none() | st.booleans()
amount = st.floats(min_value=0, max_value=5000, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.01, max_value=500, allow_nan=False, allow_infinity=False)
percent = st.floats(min_value=0, max_value=100, allow_nan=False)
drugs = st.sampled_from(
    ["hydroxychloroquine", "prednisone", "methylprednisolone", "dexamethasone", "mycophenolate", "tacrolimus",
     "azathioprine", "belimumab", "rituximab", "voclosporin", "budesonide"]
)


def optional(**fields: st.SearchStrategy) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


@st.composite
def treatment(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 1, 1)))
    stop = draw(st.none() | st.dates(min_value=start, max_value=date(2027, 6, 1)))
    return {
        "drug": draw(drugs),
        "class": draw(st.sampled_from(["antimalarial", "glucocorticoid", "immunosuppressant", "biologic"])),
        "started_on": start.isoformat(),
        "stopped_on": stop.isoformat() if stop else None,
        "dose_mg_per_day": draw(st.none() | positive),
    }


facts_documents = st.fixed_dictionaries(
    {"evaluated_on": days},
    optional={
        "patient": optional(
            date_of_birth=st.dates(min_value=date(1920, 1, 1), max_value=date(2026, 12, 31)).map(date.isoformat),
            sex=st.sampled_from(["female", "male"]),
            weight_kg=positive,
            childbearing_potential=maybe_bool,
            gilbert_syndrome=maybe_bool,
            liver_involvement=maybe_bool,
        ),
        "consent": st.fixed_dictionaries(
            {"signed_on": days, "signer": st.sampled_from(["patient", "guardian"]), "icf_version": st.just("1.0")},
            optional={"withdrawn_on": st.none() | days},
        ),
        "labs": st.lists(
            st.fixed_dictionaries(
                {
                    "test": st.sampled_from(["creatinine", "alt", "ast", "total_bilirubin"]),
                    "value": amount,
                    "unit": st.sampled_from(LAB_UNITS),
                    "uln": positive,
                    "collected_on": days,
                }
            ),
            max_size=6,
        ),
        "serology": st.lists(
            st.fixed_dictionaries(
                {"test": st.sampled_from(["ana", "anti_dsdna"]), "result": st.sampled_from(["positive", "negative"]),
                 "collected_on": days},
                optional={"titer": st.integers(min_value=40, max_value=5120)},
            ),
            max_size=4,
        ),
        "sledai_2k": st.fixed_dictionaries(
            {"assessed_on": days, "descriptors": st.lists(st.sampled_from(sorted(SLEDAI_2K_WEIGHTS)), max_size=8)}
        ),
        "eular_acr_2019": st.fixed_dictionaries(
            {"ana_ever_1_80_hep2": maybe_bool,
             "criteria": st.lists(st.sampled_from(sorted(EULAR_ACR_2019_CRITERIA)), max_size=8)}
        ),
        "treatments": st.lists(treatment(), max_size=7),
        "intolerant_to_conventional_therapy": maybe_bool,
        "echo": st.fixed_dictionaries({"lvef_percent": percent, "performed_on": days}),
        "spo2": st.fixed_dictionaries({"percent": percent, "room_air": maybe_bool, "measured_on": days}),
        "pregnancy_test": st.fixed_dictionaries(
            {"specimen": st.sampled_from(["serum", "urine"]), "result": st.sampled_from(["negative", "positive"]),
             "collected_on": days}
        ),
        "attestations": optional(
            no_serious_mental_disorder=maybe_bool,
            apheresis_suitable=maybe_bool,
            contraception_agreed=maybe_bool,
            no_gamete_donation_agreed=maybe_bool,
            contraception_method=st.none() | st.sampled_from([m.value for m in ContraceptionMethod]),
        ),
    },
)

_REF = re.compile(r"^(\w+)(?:\[(\d+)\])?(?:\.\w+)?$")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_documents)
def test_evaluation_never_raises_and_overall_agrees(protocol, document: dict[str, Any]) -> None:
    evaluation = evaluate(parse_facts(document, protocol), protocol)
    statuses = [result.status for result in evaluation.criteria]
    if Status.NOT_MET in statuses:
        assert evaluation.overall is Overall.NOT_ELIGIBLE
    elif all(status is Status.MET for status in statuses):
        assert evaluation.overall is Overall.ELIGIBLE
    else:
        assert evaluation.overall is Overall.INCOMPLETE
    json.dumps(evaluation.to_dict())
    for result in evaluation.criteria:
        assert result.evidence
        if result.status is Status.MET:
            assert result.missing == ()
        for ref in result.uses:
            section, index = _REF.match(ref).groups()
            if index is not None:  # a list reference points at an entry that exists
                assert int(index) < len(document[section])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
section_names = st.sampled_from(
    ["patient", "consent", "labs", "serology", "sledai_2k", "eular_acr_2019", "treatments", "echo", "spo2",
     "pregnancy_test", "attestations", "intolerant_to_conventional_therapy", "evaluated_on"]
)


@settings(max_examples=400, deadline=None)
@given(facts_documents, section_names, json_values)
def test_junk_in_any_section_is_refused_only_with_facts_error(
    protocol, document: dict[str, Any], section: str, junk: Any
) -> None:
    document[section] = junk
    try:
        facts = parse_facts(document, protocol)
    except FactsError as error:
        assert error.key.split(".")[0].split("[")[0] in (section, "evaluated_on")
        return
    evaluate(facts, protocol)
