"""The facts builder: data entered through the forms evaluates exactly as the same facts on the command line."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from screening.eligibility import parse_facts
from screening.evaluation import evaluate_eligibility
from screening.facts_builder import build_facts
from screening.models import Attestation, LabResult, RecordStatus, Treatment
from screening.records.kinds import KINDS
from screening.records.selectors import attestation_history, records_by_kind
from tests.examples import ELIGIBLE_FEMALE
from tests.screening.records_setup import consent, post_ok
from trial.protocol_versions import protocol_of

EXAMPLE = ELIGIBLE_FEMALE
EVALUATED_ON = dt.date(2026, 11, 20)

pytestmark = pytest.mark.django_db


def new_url(patient, slug):
    return reverse("screening_record_new", args=[patient.pk, slug])


def enter_eligible_female(coordinator, investigator, patient, client_of) -> None:
    """Everything in eligible-female.json, entered through the pages a coordinator and an investigator use."""
    consent(patient, coordinator, dt.date(2026, 11, 2))
    coordinator_client = client_of(coordinator)
    ranges_url = reverse("reference_ranges")
    for test, low, high, unit in [("creatinine", "45", "84", "umol/L"), ("alt", "7", "40", "U/L"),
                                  ("ast", "13", "40", "U/L"), ("total_bilirubin", "3.4", "21", "umol/L")]:
        post_ok(coordinator_client, ranges_url, {"site": patient.site.pk, "test": test, "sex": "female",
                                                 "low": low, "high": high, "unit": unit})
    for test, value, unit in [("creatinine", "70", "umol/L"), ("alt", "30", "U/L"), ("ast", "28", "U/L"),
                              ("total_bilirubin", "12", "umol/L")]:
        post_ok(coordinator_client, new_url(patient, "labs"),
                {"test": test, "value": value, "unit": unit, "collected_on": "2026-11-05"})
    post_ok(coordinator_client, new_url(patient, "serology"),
            {"test": "ana", "result": "positive", "titer": "640", "pattern": "homogeneous", "collected_on": "2026-11-05"})
    post_ok(coordinator_client, new_url(patient, "serology"),
            {"test": "anti_dsdna", "result": "positive", "collected_on": "2026-11-05"})
    post_ok(coordinator_client, new_url(patient, "sledai"), {
        "assessed_on": "2026-11-06",
        "descriptors": ["arthritis", "proteinuria", "low_complement", "increased_dna_binding"],
    })
    post_ok(coordinator_client, new_url(patient, "eular"), {
        "assessed_on": "2026-11-06", "ana_ever_1_80_hep2": "yes",
        "criteria": ["joint_involvement", "proteinuria", "low_c3_and_low_c4", "anti_dsdna_or_anti_smith"],
    })
    for drug, started, stopped, dose in [
        ("hydroxychloroquine", "2024-02-01", "", "400"), ("prednisone", "2024-02-01", "", "60"),
        ("mycophenolate", "2024-03-01", "2025-01-15", ""), ("tacrolimus", "2025-01-20", "", ""),
        ("belimumab", "2025-04-01", "", ""),
    ]:
        post_ok(coordinator_client, new_url(patient, "treatments"),
                {"drug": drug, "started_on": started, "stopped_on": stopped, "dose_mg_per_day": dose})
    post_ok(coordinator_client, new_url(patient, "echo"), {"lvef_percent": "62", "performed_on": "2026-11-07"})
    post_ok(coordinator_client, new_url(patient, "spo2"),
            {"percent": "97", "room_air": "yes", "measured_on": "2026-11-05"})
    post_ok(coordinator_client, new_url(patient, "pregnancy"),
            {"specimen": "serum", "result": "negative", "collected_on": "2026-11-05"})

    investigator_client = client_of(investigator)
    attest_url = reverse("attestation_new", args=[patient.pk])
    for question, answer, method in [
        ("no_serious_mental_disorder", "yes", ""), ("apheresis_suitable", "yes", ""),
        ("contraception_agreed", "yes", "iud"), ("no_gamete_donation_agreed", "yes", ""),
        ("intolerant_to_conventional_therapy", "no", ""), ("liver_involvement", "no", ""),
    ]:
        post_ok(investigator_client, attest_url,
                {"question": question, "answer": answer, "contraception_method": method, "comment": ""})


def test_forms_give_exactly_the_result_of_the_command_on_the_example(
    protocol_version, client_of, coordinator_a, investigator_a, patient_a
):
    """Done-when of issue 5: eligible-female.json entered through the forms = the command on the file."""
    enter_eligible_female(coordinator_a, investigator_a, patient_a, client_of)

    example = json.loads(open(EXAMPLE, encoding="utf-8").read())
    assert example["evaluated_on"] == EVALUATED_ON.isoformat()
    out = io.StringIO()
    call_command("evaluate_eligibility", EXAMPLE, stdout=out)
    expected = json.loads(out.getvalue())

    evaluation, built = evaluate_eligibility(patient_a, EVALUATED_ON)
    got = evaluation.to_dict()
    assert got["overall"] == expected["overall"] == "eligible"
    assert [(c["code"], c["status"]) for c in got["criteria"]] == [
        (c["code"], c["status"]) for c in expected["criteria"]
    ]
    # The built document carries the same facts as the file (ids and ordering aside).
    doc = built.document
    assert doc["labs"] == [{k: v for k, v in lab.items()} for lab in example["labs"]]
    assert doc["treatments"] == [{**t, "dose_mg_per_day": t.get("dose_mg_per_day")} for t in example["treatments"]]
    assert doc["attestations"] == example["attestations"]
    assert doc["patient"] == example["patient"]
    assert json.loads(json.dumps(doc)) == doc  # plain JSON: storable and hashable as is


def test_sources_name_the_record_behind_each_reference(protocol_version, client_of, coordinator_a, investigator_a,
                                                       patient_a):
    enter_eligible_female(coordinator_a, investigator_a, patient_a, client_of)
    evaluation, built = evaluate_eligibility(patient_a, EVALUATED_ON)
    creatinine = LabResult.objects.get(test="creatinine")
    uses = dict(built.sources_for(evaluation.result("I06b").uses))
    assert uses["labs[0]"].label == "screening.labresult"
    assert uses["labs[0]"].pk == creatinine.pk
    assert uses["labs[0]"].url == reverse("screening_record_edit", args=["labs", creatinine.pk])
    assert uses["patient.date_of_birth"].label == "patients.patient"
    # A field reference resolves to its record; attestations and the consent have sources too.
    assert built.source_of("labs[0].collected_on") == built.sources["labs[0]"]
    assert built.source_of("attestations.apheresis_suitable").label == "screening.attestation"
    assert built.source_of("consent").label == "screening.consent"
    prednisone = Treatment.objects.get(drug="prednisone")
    assert built.source_of("treatments[1]").pk == prednisone.pk


def test_a_lab_dated_before_consent_is_seen_by_i01(protocol_version, coordinator_a, patient_a):
    """Every active record goes in, so the engine names a record dated before consent (the form refuses
    one; a later correction of the consent date can still leave one behind)."""
    consent(patient_a, coordinator_a, dt.date(2026, 11, 2))
    early = LabResult.objects.create(
        patient=patient_a, entered_by=coordinator_a, test="creatinine", value=Decimal("70"), unit="umol/L",
        value_canonical=Decimal("70"), canonical_unit="umol/L", reference_high=Decimal("84"),
        collected_on=dt.date(2026, 10, 30),
    )
    LabResult.objects.create(
        patient=patient_a, entered_by=coordinator_a, test="creatinine", value=Decimal("71"), unit="umol/L",
        value_canonical=Decimal("71"), canonical_unit="umol/L", reference_high=Decimal("84"),
        collected_on=dt.date(2026, 11, 5),
    )
    evaluation, built = evaluate_eligibility(patient_a, EVALUATED_ON)
    i01 = evaluation.result("I01")
    assert i01.status == "not_met"
    assert "labs[0].collected_on" in i01.evidence and "2026-10-30" in i01.evidence
    assert built.source_of("labs[0]").pk == early.pk


def test_records_entered_in_error_are_left_out(protocol_version, coordinator_a, patient_a):
    consent(patient_a, coordinator_a, dt.date(2026, 11, 2))
    LabResult.objects.create(
        patient=patient_a, entered_by=coordinator_a, test="creatinine", value=Decimal("70"), unit="umol/L",
        value_canonical=Decimal("70"), canonical_unit="umol/L", reference_high=Decimal("84"),
        collected_on=dt.date(2026, 11, 5), status=RecordStatus.ENTERED_IN_ERROR, error_reason="wrong patient",
    )
    _, built = evaluate_eligibility(patient_a, EVALUATED_ON)
    assert built.document["labs"] == []


def test_records_read_by_the_page_give_the_same_facts_as_reading_them_here(
    protocol_version, client_of, coordinator_a, investigator_a, patient_a
):
    """The candidate page reads every record once for its panels and hands them to the builder: same
    document, same sources, including a record entered in error, records entered out of date order and an
    attestation answered again (the latest answer counts)."""
    enter_eligible_female(coordinator_a, investigator_a, patient_a, client_of)
    Attestation.objects.create(patient=patient_a, question="apheresis_suitable", answer=False,
                               recorded_by=investigator_a)
    for value, collected, status in (("95", dt.date(2026, 11, 9), RecordStatus.ENTERED_IN_ERROR),
                                     ("66", dt.date(2026, 11, 3), RecordStatus.ACTIVE)):
        LabResult.objects.create(
            patient=patient_a, entered_by=coordinator_a, test="creatinine", value=Decimal(value), unit="umol/L",
            value_canonical=Decimal(value), canonical_unit="umol/L", reference_high=Decimal("84"),
            collected_on=collected, status=status, error_reason="typed in the wrong row" if status != "active" else "",
        )
    read_here = build_facts(patient_a, EVALUATED_ON)
    records = records_by_kind(patient_a)
    preloaded = {KINDS[slug].model: listed for slug, listed in records.items()}
    preloaded[Attestation] = attestation_history(patient_a)
    with CaptureQueriesContext(connection) as queries:
        handed = build_facts(patient_a, EVALUATED_ON, preloaded=preloaded)
    assert handed.document == read_here.document and handed.sources == read_here.sources
    assert [lab["value"] for lab in handed.document["labs"] if lab["test"] == "creatinine"] == [66.0, 70.0]
    assert handed.document["attestations"]["apheresis_suitable"] is False
    assert not [q for q in queries.captured_queries
                if "screening_labresult" in q["sql"] or "screening_attestation" in q["sql"]]


def test_lab_in_another_unit_goes_in_canonical_with_its_uln(protocol_version, coordinator_a, patient_a):
    """1.2 mg/dL with ULN 0.95 mg/dL -> 106.08 umol/L with ULN 83.98 umol/L (factor 88.4 from the protocol)."""
    consent(patient_a, coordinator_a, dt.date(2026, 11, 2))
    LabResult.objects.create(
        patient=patient_a, entered_by=coordinator_a, test="creatinine", value=Decimal("1.2"), unit="mg/dL",
        value_canonical=Decimal("106.08"), canonical_unit="umol/L", reference_high=Decimal("0.95"),
        collected_on=dt.date(2026, 11, 5),
    )
    _, built = evaluate_eligibility(patient_a, EVALUATED_ON)
    lab = built.document["labs"][0]
    assert (lab["value"], lab["unit"]) == (pytest.approx(106.08), "umol/L")
    assert lab["uln"] == pytest.approx(0.95 * 88.4)
    assert parse_facts(built.document, protocol_of(protocol_version)).labs[0].uln == pytest.approx(83.98)


def _add_records(patient, user, count):
    for i in range(count):
        LabResult.objects.create(
            patient=patient, entered_by=user, test="alt", value=Decimal(20 + i), unit="U/L",
            value_canonical=Decimal(20 + i), canonical_unit="U/L", reference_high=Decimal("40"),
            collected_on=dt.date(2026, 11, 5),
        )
        Treatment.objects.create(patient=patient, entered_by=user, drug="tacrolimus", drug_class="immunosuppressant",
                                 started_on=dt.date(2025, 1, 1))


def test_query_count_does_not_grow_with_the_number_of_records(protocol_version, coordinator_a, patient_a,
                                                              django_assert_max_num_queries):
    consent(patient_a, coordinator_a, dt.date(2026, 11, 2))
    _add_records(patient_a, coordinator_a, 1)
    with CaptureQueriesContext(connection) as few:
        build_facts(patient_a, EVALUATED_ON)
    _add_records(patient_a, coordinator_a, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        built = build_facts(patient_a, EVALUATED_ON)
    assert len(built.document["labs"]) == 31


def test_every_pregnancy_test_and_echo_reaches_the_engine(protocol_version, client_of, coordinator_a,
                                                          investigator_a, patient_a):
    """A positive serum test behind a newer negative one fails I09; two echoes of one day that disagree are
    the investigator's to decide. Before the review the builder passed only the newest of each."""
    enter_eligible_female(coordinator_a, investigator_a, patient_a, client_of)
    coordinator_client = client_of(coordinator_a)
    post_ok(coordinator_client, new_url(patient_a, "pregnancy"),
            {"specimen": "serum", "result": "positive", "collected_on": "2026-11-04"})
    post_ok(coordinator_client, new_url(patient_a, "echo"), {"lvef_percent": "45", "performed_on": "2026-11-07"})

    evaluation, built = evaluate_eligibility(patient_a, EVALUATED_ON)
    assert [t["result"] for t in built.document["pregnancy_test"]] == ["positive", "negative"]
    assert evaluation.result("I09").status == "not_met"
    assert evaluation.result("I06a").status == "needs_review"
    assert built.source_of("echo[1]").pk != built.source_of("echo[0]").pk
    assert evaluation.overall == "not_eligible"
