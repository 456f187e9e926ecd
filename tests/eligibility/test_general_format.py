"""The general protocol format: strict loading with the key path named, and each kind's general behaviour.

A small made-up protocol (not a trial) holds one criterion per behaviour under test, so that each test reads
as the rule it pins.
"""

from __future__ import annotations

from typing import Any

import pytest

from screening.eligibility import FactsError, ProtocolError, evaluate, load_protocol_text, parse_facts

CATALOGUE = """
format = 2
id = "DEMO"
version = "1"
title = "Kinds under test"
effective_date = 2026-01-01
screening_window_days = 28

[catalogue]
instruments = ["sledai_2k", "bmi"]
[catalogue.labs.hemoglobin]
name = { en = "hemoglobin", "zh-hans" = "血红蛋白" }
loinc = "718-7"
canonical_unit = "g/L"
units = { "g/L" = 1.0, "g/dL" = 10.0 }
plausible = { min = 20, max = 250 }
[catalogue.labs.alt]
name = { en = "ALT", "zh-hans" = "ALT" }
canonical_unit = "U/L"
units = { "U/L" = 1.0 }
plausible = { min = 1, max = 5000 }
uln = true
uln_plausible = { min = 10, max = 200 }
[catalogue.qualitative.hbsag]
name = { en = "HBsAg", "zh-hans" = "乙肝表面抗原" }
[catalogue.qualitative.ana_history]
name = { en = "ANA (ever)", "zh-hans" = "抗核抗体（既往）" }
validity = "ever"
[catalogue.measurements.qtc]
name = { en = "QTc", "zh-hans" = "QTc" }
unit = "ms"
plausible = { min = 250, max = 700 }
window_days = 7
[catalogue.attributes.date_of_birth]
name = { en = "date of birth", "zh-hans" = "出生日期" }
type = "date"
[catalogue.attributes.weight_kg]
name = { en = "weight", "zh-hans" = "体重" }
type = "number"
unit = "kg"
plausible = { min = 25, max = 300 }
[catalogue.attributes.height_cm]
name = { en = "height", "zh-hans" = "身高" }
type = "number"
unit = "cm"
plausible = { min = 100, max = 230 }
[catalogue.attributes.smoker]
name = { en = "smoker", "zh-hans" = "吸烟" }
type = "boolean"
[catalogue.questions.cns_lupus]
text = { en = "Active CNS lupus", "zh-hans" = "活动性神经精神狼疮" }
[catalogue.drugs]
prednisone = { classes = ["glucocorticoid"], prednisone_factor = 1.0 }
methylprednisolone = { classes = ["glucocorticoid"], prednisone_factor = 1.25, synonyms = ["MP"] }
rituximab = { classes = ["b_cell_depleting"], atc = "L01FA01" }
"""

CRITERIA = """
[inclusion.AGE]
name = { en = "Age 18 to 65", "zh-hans" = "18-65 岁" }
kind = "age"
min_years = 18
max_years = 65
on = "evaluation"

[inclusion.HB]
name = { en = "Hemoglobin >= 90 g/L", "zh-hans" = "血红蛋白 >= 90 g/L" }
kind = "value"
item = "hemoglobin"
min = 90

[inclusion.QTC]
name = { en = "QTc <= 470 ms", "zh-hans" = "QTc <= 470 ms" }
kind = "value"
item = "qtc"
max = 470

[inclusion.ANA]
name = { en = "ANA positive ever", "zh-hans" = "ANA 曾阳性" }
kind = "qualitative"
item = "ana_history"
result = "positive"

[inclusion.PRED]
name = { en = "Prednisone <= 20 mg/day at screening", "zh-hans" = "筛选时泼尼松 <= 20 mg/d" }
kind = "medication"
measure = "dose"
classes = ["glucocorticoid"]
equivalent = "prednisone"
current = true
max = 20

[inclusion.RTX]
name = { en = "No rituximab in the 6 months before consent", "zh-hans" = "知情同意前 6 个月内未用利妥昔单抗" }
kind = "medication"
measure = "none_within"
drugs = ["rituximab"]
months = 6
before = "consent"

[inclusion.BMI]
name = { en = "BMI 18.5 to 35", "zh-hans" = "BMI 18.5-35" }
kind = "value"
item = "bmi"
min = 18.5
max = 35

[inclusion.STABLE]
name = { en = "On a glucocorticoid for at least 4 weeks", "zh-hans" = "糖皮质激素治疗至少 4 周" }
kind = "medication"
measure = "ongoing_since"
classes = ["glucocorticoid"]
days = 28

[exclusion.HBV]
name = { en = "Excluded if HBsAg positive", "zh-hans" = "排除：HBsAg 阳性" }
kind = "qualitative"
item = "hbsag"
result = "positive"

[exclusion.SMOKER_CNS]
name = { en = "Excluded if a smoker with active CNS lupus", "zh-hans" = "排除：吸烟且活动性神经精神狼疮" }
kind = "all_of"
of = [{ kind = "attribute", item = "smoker", equals = true }, { kind = "question", item = "cns_lupus" }]
"""


def protocol(criteria: str = CRITERIA, catalogue: str = CATALOGUE):
    return load_protocol_text(catalogue + criteria)


def facts(**changes: Any) -> dict[str, Any]:
    doc = {
        "evaluated_on": "2026-11-20",
        "patient": {"date_of_birth": "1980-06-01", "weight_kg": 60, "height_cm": 165, "smoker": False},
        "consent": {"signed_on": "2026-11-01", "signer": "patient", "icf_version": "1"},
        "labs": [{"test": "hemoglobin", "value": 11.0, "unit": "g/dL", "collected_on": "2026-11-10"}],
        "qualitative": [
            {"test": "hbsag", "result": "negative", "collected_on": "2026-11-10"},
            {"test": "ana_history", "result": "positive", "collected_on": "2019-04-02", "source": "history"},
        ],
        "measurements": [{"item": "qtc", "value": 430, "unit": "ms", "measured_on": "2026-11-15"}],
        "treatments": [{"drug": "MP", "started_on": "2026-01-01", "stopped_on": None, "dose_mg_per_day": 16}],
        "answers": {"cns_lupus": False},
    }
    doc.update(changes)
    return doc


def statuses(doc: dict[str, Any], protocol_=None) -> dict[str, str]:
    protocol_ = protocol_ or protocol()
    return {r.code: r.status.value for r in evaluate(parse_facts(doc, protocol_), protocol_).criteria}


def test_the_base_case_meets_every_criterion_and_no_exclusion() -> None:
    assert set(statuses(facts()).values()) == {"met"}


@pytest.mark.parametrize(("born", "status"), [("1961-11-21", "met"), ("1960-11-20", "not_met"), ("2008-11-21", "not_met"),
                                              ("2008-11-20", "met")])
def test_age_range_is_inclusive_in_whole_years(born: str, status: str) -> None:
    assert statuses(facts(patient={"date_of_birth": born, "weight_kg": 60}))["AGE"] == status


@pytest.mark.parametrize(("value", "unit", "status"), [(9.0, "g/dL", "met"), (8.99, "g/dL", "not_met"),
                                                       (90, "g/L", "met"), (1.1, "g/dL", "needs_review"),
                                                       (90, "mmol/L", "needs_review")])
def test_a_value_is_compared_in_the_canonical_unit_and_checked_for_plausibility(value, unit, status) -> None:
    doc = facts(labs=[{"test": "hemoglobin", "value": value, "unit": unit, "collected_on": "2026-11-10"}])
    assert statuses(doc)["HB"] == status


def test_an_item_window_overrides_the_protocol_window() -> None:
    """QTc is valid for 7 days in this catalogue: 8 days old is missing, not met."""
    doc = facts(measurements=[{"item": "qtc", "value": 430, "unit": "ms", "measured_on": "2026-11-12"}])
    assert statuses(doc)["QTC"] == "missing"


def test_a_criterion_window_overrides_the_item_window() -> None:
    narrowed = CRITERIA.replace('item = "hemoglobin"\nmin = 90', 'item = "hemoglobin"\nmin = 90\nwindow_days = 5')
    assert statuses(facts(), protocol(narrowed))["HB"] == "missing"


def test_a_history_item_counts_before_consent_and_a_screening_item_does_not() -> None:
    assert statuses(facts())["ANA"] == "met"
    early = facts(labs=[{"test": "hemoglobin", "value": 120, "unit": "g/L", "collected_on": "2026-10-30"}])
    assert statuses(early)["HB"] == "missing"


def test_a_history_record_is_not_a_current_screening_value() -> None:
    doc = facts(labs=[{"test": "hemoglobin", "value": 120, "unit": "g/L", "collected_on": "2026-11-10",
                       "source": "history"}])
    assert statuses(doc)["HB"] == "missing"


@pytest.mark.parametrize(("dose", "stopped", "status"), [(16, None, "met"), (17, None, "not_met"),
                                                          (40, "2026-10-01", "met"), (None, None, "missing")])
def test_current_dose_as_prednisone_against_a_maximum(dose, stopped, status) -> None:
    """16 mg methylprednisolone x 1.25 = 20 mg prednisone: at the maximum; 17 mg is 21.25. A stopped
    treatment is not current; an ongoing one without a dose might be above the maximum."""
    doc = facts(treatments=[{"drug": "methylprednisolone", "started_on": "2026-01-01", "stopped_on": stopped,
                             "dose_mg_per_day": dose}])
    assert statuses(doc)["PRED"] == status


@pytest.mark.parametrize(("last_dose", "status"), [("2026-05-02", "not_met"), ("2026-04-30", "met")])
def test_washout_counts_calendar_months_before_consent(last_dose: str, status: str) -> None:
    """Consent 2026-11-01, 6 months before it is 2026-05-01."""
    doc = facts(treatments=[{"drug": "Rituximab", "started_on": "2025-11-01", "stopped_on": last_dose}])
    assert statuses(doc)["RTX"] == status


def test_an_exclusion_holds_when_its_condition_holds() -> None:
    doc = facts(qualitative=[{"test": "hbsag", "result": "positive", "collected_on": "2026-11-10"},
                             facts()["qualitative"][1]])
    assert statuses(doc)["HBV"] == "not_met"
    smoker = facts(patient={**facts()["patient"], "smoker": True}, answers={"cns_lupus": True})
    assert statuses(smoker)["SMOKER_CNS"] == "not_met"
    # all_of: a false part rules the exclusion out even while the question is unanswered
    assert statuses(facts(answers={}))["SMOKER_CNS"] == "met"


def test_an_unanswered_exclusion_question_is_for_the_investigator() -> None:
    smoker = facts(patient={**facts()["patient"], "smoker": True}, answers={})
    assert statuses(smoker)["SMOKER_CNS"] == "needs_review"


def test_evidence_is_structured_and_names_the_arithmetic() -> None:
    p = protocol()
    result = evaluate(parse_facts(facts(), p), p).result("HB")
    item = result.details[0]
    assert item.id == "value.converted"
    assert item.params["value"] == "11" and item.params["canonical"] == "110.00" and item.params["limit"] == "90"
    assert "hemoglobin 11 g/dL = 110.00 g/L" in result.evidence


@pytest.mark.parametrize(("weight", "height", "status"), [(60, 165, "met"), (50, 165, "not_met"),
                                                          (95.2, 165, "met"), (95.3, 165, "not_met"),
                                                          (60, 1.65, "needs_review"), (60, None, "missing")])
def test_body_mass_index_from_weight_and_height(weight, height, status) -> None:
    """60 kg / 1.65 m^2 = 22.0; 50 kg: 18.37 < 18.5; 95.2 kg: 34.97; 95.3 kg: 35.004 > 35; a height in metres
    is outside the height's plausibility limits."""
    patient = {"date_of_birth": "1980-06-01", "weight_kg": weight, "smoker": False}
    if height is not None:
        patient["height_cm"] = height
    assert statuses(facts(patient=patient))["BMI"] == status


@pytest.mark.parametrize(("started", "stopped", "status"), [("2026-10-23", None, "met"), ("2026-10-24", None, "not_met"),
                                                            ("2026-01-01", "2026-11-01", "not_met")])
def test_an_ongoing_treatment_started_long_enough_ago(started, stopped, status) -> None:
    """Evaluated 2026-11-20: 28 days before is 2026-10-23; a stopped treatment is not ongoing."""
    doc = facts(treatments=[{"drug": "prednisone", "started_on": started, "stopped_on": stopped,
                             "dose_mg_per_day": 10}])
    assert statuses(doc)["STABLE"] == status


# -- strict loading -------------------------------------------------------------------------------------------

BROKEN = [
    ('kind = "age"\nmin_years = 18', 'kind = "age_between"\nmin_years = 18', "inclusion.AGE.kind"),
    ('item = "hemoglobin"\nmin = 90', 'item = "haemoglobin"\nmin = 90', "inclusion.HB.item"),
    ('item = "hemoglobin"\nmin = 90', 'item = "hemoglobin"\nmax_uln = 2', "inclusion.HB.max_uln"),
    ('item = "hemoglobin"\nmin = 90', 'item = "hemoglobin"\nminimum = 90', "inclusion.HB.minimum"),
    ('item = "hemoglobin"\nmin = 90', 'item = "hemoglobin"\nmin = "90"', "inclusion.HB.min"),
    ('item = "hemoglobin"\nmin = 90', 'item = "hemoglobin"\nmin = 90\nmax = 80', "inclusion.HB.max"),
    ('drugs = ["rituximab"]', 'drugs = ["ocrelizumab"]', "inclusion.RTX.drugs[0]"),
    ('months = 6', 'months = 6\nmin_count = 2', "inclusion.RTX.min_count"),
    ('item = "hbsag"\nresult = "positive"', 'item = "hbsag"\nresult = "reactive"', "exclusion.HBV.result"),
    ('of = [{ kind = "attribute", item = "smoker", equals = true }, { kind = "question", item = "cns_lupus" }]',
     'of = [{ kind = "attribute", item = "smoker", equals = true }]', "exclusion.SMOKER_CNS.of"),
    ('{ kind = "question", item = "cns_lupus" }', '{ kind = "question", item = "psychosis" }',
     "exclusion.SMOKER_CNS.of[1].item"),
]


@pytest.mark.parametrize(("good", "bad", "key"), BROKEN, ids=[b[2] for b in BROKEN])
def test_a_malformed_criterion_is_refused_naming_the_key(good: str, bad: str, key: str) -> None:
    assert good in CRITERIA
    with pytest.raises(ProtocolError) as refused:
        protocol(CRITERIA.replace(good, bad, 1))
    assert refused.value.key == key


CATALOGUE_BROKEN = [
    ('units = { "g/L" = 1.0, "g/dL" = 10.0 }', 'units = { "g/dL" = 10.0 }', "catalogue.labs.hemoglobin.canonical_unit"),
    ('instruments = ["sledai_2k", "bmi"]', 'instruments = ["sledai_3k"]', "catalogue.instruments[0]"),
    ('instruments = ["sledai_2k", "bmi"]', 'instruments = ["cockcroft_gault"]', "catalogue.labs.creatinine"),
    ('synonyms = ["MP"]', 'synonyms = ["prednisone"]', "catalogue.drugs.methylprednisolone.synonyms[0]"),
    ('prednisone = { classes = ["glucocorticoid"], prednisone_factor = 1.0 }',
     'prednisone = { classes = ["glucocorticoid"] }', "catalogue.drugs.prednisone.prednisone_factor"),
    ('uln_plausible = { min = 10, max = 200 }', '', "catalogue.labs.alt.uln_plausible"),
    ('window_days = 7', 'window_days = 0', "catalogue.measurements.qtc.window_days"),
]


@pytest.mark.parametrize(("good", "bad", "key"), CATALOGUE_BROKEN, ids=[b[2] for b in CATALOGUE_BROKEN])
def test_a_malformed_catalogue_is_refused_naming_the_key(good: str, bad: str, key: str) -> None:
    assert good in CATALOGUE
    with pytest.raises(ProtocolError) as refused:
        protocol(catalogue=CATALOGUE.replace(good, bad, 1))
    assert refused.value.key == key


def test_the_safe_period_is_never_an_accepted_method() -> None:
    text = CATALOGUE + CRITERIA + '\n[contraception_methods]\nsafe_period = { name = { en = "x", "zh-hans" = "x" }, sexes = ["female"] }\n'
    with pytest.raises(ProtocolError) as refused:
        load_protocol_text(text)
    assert refused.value.key == "contraception_methods.safe_period"


# -- facts against the catalogue --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"labs": [{"test": "hb", "value": 1, "unit": "g/L", "collected_on": "2026-11-10"}]}, "labs[0].test"),
        ({"qualitative": [{"test": "hbsag", "result": "reactive", "collected_on": "2026-11-10"}]},
         "qualitative[0].result"),
        ({"answers": {"psychosis": True}}, "answers.psychosis"),
        ({"answers": {"cns_lupus": "yes"}}, "answers.cns_lupus"),
        ({"measurements": [{"item": "qtc", "value": "430", "measured_on": "2026-11-15"}]}, "measurements[0].value"),
        ({"instruments": {"slicc_2012": {"criteria": []}}}, "instruments.slicc_2012"),
    ],
)
def test_facts_naming_what_the_catalogue_lacks_are_refused_with_the_key(change, key) -> None:
    with pytest.raises(FactsError) as refused:
        parse_facts(facts(**change), protocol())
    assert refused.value.key == key


# -- spans of time, LLN, score exclusions ------------------------------------------------------------------------

EXTRA_CATALOGUE = CATALOGUE.replace('''[catalogue.attributes.smoker]''', '''[catalogue.attributes.sle_diagnosed_on]
name = { en = "SLE diagnosis date", "zh-hans" = "SLE 诊断日期" }
type = "date"
[catalogue.labs.c3]
name = { en = "C3", "zh-hans" = "补体 C3" }
canonical_unit = "g/L"
units = { "g/L" = 1.0, "mg/dL" = 0.01 }
plausible = { min = 0.05, max = 5 }
lln = true
[catalogue.attributes.smoker]''')

EXTRA_CRITERIA = '''
[inclusion.DURATION]
name = { en = "SLE for at least 24 weeks", "zh-hans" = "SLE 病程至少 24 周" }
kind = "time_since"
item = "sle_diagnosed_on"
min_weeks = 24
before = "consent"

[inclusion.LOW_C3]
name = { en = "C3 below the LLN", "zh-hans" = "C3 低于正常值下限" }
kind = "not"
of = { kind = "value", item = "c3", min_lln = 1.0 }

[inclusion.CLINICAL_SLEDAI]
name = { en = "Clinical SLEDAI-2K >= 4 (without serology)", "zh-hans" = "临床 SLEDAI-2K >= 4（不计血清学）" }
kind = "instrument"
instrument = "sledai_2k"
min_score = 4
exclude = ["low_complement", "increased_dna_binding"]

[inclusion.VACCINE]
name = { en = "No live vaccine in the 4 weeks before consent", "zh-hans" = "知情同意前 4 周内未接种活疫苗" }
kind = "medication"
measure = "none_within"
classes = ["b_cell_depleting"]
weeks = 4
before = "consent"
'''


def extra_statuses(**changes: Any) -> dict[str, str]:
    p = load_protocol_text(EXTRA_CATALOGUE + EXTRA_CRITERIA)
    doc = {
        "evaluated_on": "2026-11-20",
        "patient": {"date_of_birth": "1980-06-01", "sle_diagnosed_on": "2026-05-17"},
        "consent": {"signed_on": "2026-11-01", "signer": "patient", "icf_version": "1"},
        "labs": [{"test": "c3", "value": 0.6, "unit": "g/L", "lln": 0.9, "collected_on": "2026-11-10"}],
        "instruments": {"sledai_2k": {"assessed_on": "2026-11-10",
                                      "descriptors": ["arthritis", "low_complement", "increased_dna_binding"]}},
        "treatments": [{"drug": "rituximab", "started_on": "2026-10-01", "stopped_on": "2026-10-03"}],
    }
    doc.update(changes)
    return {r.code: r.status.value for r in evaluate(parse_facts(doc, p), p).criteria}


def test_time_since_a_date_in_weeks_before_consent() -> None:
    """Consent 2026-11-01; 24 weeks (168 days) before is 2026-05-17."""
    assert extra_statuses()["DURATION"] == "met"
    later = {"date_of_birth": "1980-06-01", "sle_diagnosed_on": "2026-05-18"}
    assert extra_statuses(patient=later)["DURATION"] == "not_met"
    assert extra_statuses(patient={"date_of_birth": "1980-06-01"})["DURATION"] == "missing"


@pytest.mark.parametrize(("value", "unit", "status"), [(0.6, "g/L", "met"), (0.9, "g/L", "not_met"),
                                                       (95, "mg/dL", "not_met"), (85, "mg/dL", "met")])
def test_a_value_against_the_lln_recorded_with_it(value, unit, status) -> None:
    """The value against the LLN recorded with it, in the value's unit: 0.6 / 0.9 g/L is below 1 x LLN, 0.9 is
    not; 95 / 90 mg/dL is not, 85 / 90 is."""
    lln = 0.9 if unit == "g/L" else 90
    labs = [{"test": "c3", "value": value, "unit": unit, "lln": lln, "collected_on": "2026-11-10"}]
    assert extra_statuses(labs=labs)["LOW_C3"] == status


def test_an_lln_the_catalogue_records_is_required_in_the_facts() -> None:
    with pytest.raises(FactsError) as refused:
        extra_statuses(labs=[{"test": "c3", "value": 0.6, "unit": "g/L", "collected_on": "2026-11-10"}])
    assert refused.value.key == "labs[0].lln"


def test_a_score_without_the_descriptors_the_criterion_excludes() -> None:
    """arthritis 4 counts; low complement and increased DNA binding (2 + 2) are excluded: 4 >= 4."""
    assert extra_statuses()["CLINICAL_SLEDAI"] == "met"
    only_serology = {"sledai_2k": {"assessed_on": "2026-11-10", "descriptors": ["low_complement", "increased_dna_binding"]}}
    assert extra_statuses(instruments=only_serology)["CLINICAL_SLEDAI"] == "not_met"


def test_a_washout_in_weeks() -> None:
    """Consent 2026-11-01; 4 weeks before is 2026-10-04: a treatment stopped on or after it is inside."""
    treatments = [{"drug": "rituximab", "started_on": "2026-09-01", "stopped_on": "2026-10-04"}]
    assert extra_statuses(treatments=treatments)["VACCINE"] == "not_met"
    treatments[0]["stopped_on"] = "2026-10-03"
    assert extra_statuses(treatments=treatments)["VACCINE"] == "met"


def test_a_history_result_alone_is_no_screening_value_and_says_why() -> None:
    doc = facts(labs=[{"test": "hemoglobin", "value": 120, "unit": "g/L", "collected_on": "2026-10-01",
                       "source": "history"}])
    p = protocol()
    result = evaluate(parse_facts(doc, p), p).result("HB")
    assert result.status.value == "missing"
    assert "from the medical history, not a screening procedure" in result.evidence
