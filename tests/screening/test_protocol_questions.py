"""The attestation panel asks what the candidate's protocol asks: a question an amendment adds is answerable in
the browser, in the protocol's wording, and its answer reaches the checklist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening.evaluation import evaluate_eligibility
from screening.records.questions import asked_questions
from tests.screening.signoff_setup import enter_eligible
from trial.protocol_versions import current_protocol, protocol_version_load

pytestmark = pytest.mark.django_db

NEW_QUESTION = (
    "[contraception_methods]\n",
    '[catalogue.questions.active_infection]\ntext = { en = "The candidate has an active infection", '
    '"zh-hans" = "候选者有活动性感染" }\n\n[exclusion.E01]\nkind = "question"\nitem = "active_infection"\n'
    'name = { en = "Excluded if an active infection", "zh-hans" = "排除：活动性感染" }\n\n[contraception_methods]\n',
)


def amended(settings) -> str:
    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    for old, new in (('version = "1"', 'version = "2"'),
                     ('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "provided"'),
                     NEW_QUESTION):
        assert old in text
        text = text.replace(old, new)
    return text


def test_mc_1_50_asks_its_six_questions(protocol_version, trial):
    asked = asked_questions(current_protocol(trial))
    assert [q.code for q in asked] == ["no_serious_mental_disorder", "apheresis_suitable",
                                       "intolerant_to_conventional_therapy", "contraception_agreed",
                                       "no_gamete_donation_agreed", "liver_involvement"]
    assert [q.attribute for q in asked] == [False] * 5 + [True]


def test_a_question_an_amendment_adds_is_asked_and_its_answer_decides(protocol_version, settings, patient_a,
                                                                      coordinator_a, investigator_a, client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    protocol_version_load(text=amended(settings))
    client = client_of(investigator_a)
    page = client.get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    assert 'data-testid="attestation-active_infection"' in page
    assert "The candidate has an active infection" in page
    evaluation, _ = evaluate_eligibility(patient_a)
    assert evaluation.result("E01").status.value == "needs_review"

    response = client.post(reverse("attestation_new", args=[patient_a.pk]),
                           {"question": "active_infection", "answer": "no", "comment": ""})
    assert response.status_code == 302
    evaluation, built = evaluate_eligibility(patient_a)
    assert evaluation.result("E01").status.value == "met" and evaluation.overall.value == "eligible"
    assert built.document["attestations"]["active_infection"] is False

    client.post(reverse("attestation_new", args=[patient_a.pk]),
                {"question": "active_infection", "answer": "yes", "comment": "pneumonia"})
    assert evaluate_eligibility(patient_a)[0].overall.value == "not_eligible"


def test_a_question_the_protocol_does_not_ask_is_refused(protocol_version, patient_a, coordinator_a,
                                                         investigator_a, client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    response = client_of(investigator_a).post(reverse("attestation_new", args=[patient_a.pk]),
                                              {"question": "active_infection", "answer": "no", "comment": ""})
    assert response.status_code == 200
    assert "active_infection" in response.content.decode() and "Select a valid choice" in response.content.decode()


# -- a laboratory test the protocol adds -------------------------------------------------------------------------

HEMOGLOBIN = (
    "[catalogue.qualitative.ana]\n",
    '[catalogue.labs.hemoglobin]\nname = { en = "hemoglobin", "zh-hans" = "血红蛋白" }\nloinc = "718-7"\n'
    'canonical_unit = "g/L"\nunits = { "g/L" = 1.0, "g/dL" = 10.0 }\nplausible = { min = 20, max = 250 }\n\n'
    '[inclusion.I10]\nname = { en = "Hemoglobin >= 90 g/L", "zh-hans" = "血红蛋白 >= 90 g/L" }\nkind = "value"\n'
    'item = "hemoglobin"\nmin = 90\n\n[catalogue.qualitative.ana]\n',
)


def with_hemoglobin(settings) -> str:
    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    for old, new in (('version = "1"', 'version = "2"'), HEMOGLOBIN):
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(("value", "unit", "status"), [("8.5", "g/dL", "not_met"), ("9.5", "g/dL", "met"),
                                                       ("120", "g/L", "met")])
def test_a_lab_test_the_protocol_adds_is_entered_with_its_units_and_decides(
        protocol_version, settings, patient_a, coordinator_a, investigator_a, client_of, value, unit, status):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    protocol_version_load(text=with_hemoglobin(settings))
    client = client_of(coordinator_a)
    day = evaluate_eligibility(patient_a)[0].evaluated_on.isoformat()
    page = client.get(reverse("screening_record_new", args=[patient_a.pk, "labs"])).content.decode()
    assert '<option value="hemoglobin">hemoglobin</option>' in page and '<option value="g/dL">' in page
    response = client.post(reverse("screening_record_new", args=[patient_a.pk, "labs"]), {
        "test": "hemoglobin", "value": value, "unit": unit, "collected_on": day,
        # the reference range is entered in the value's unit
        "reference_low": "115" if unit == "g/L" else "11.5", "reference_high": "150" if unit == "g/L" else "15"})
    body = response.content.decode()
    assert response.status_code == 302, [body[i - 300:i + 300] for i in [body.find("invalid-feedback"), body.find("alert-danger")] if i > 0]
    from screening.models import LabResult

    lab = LabResult.objects.get(test="hemoglobin")
    assert (lab.loinc, lab.unit, lab.canonical_unit) == ("718-7", unit, "g/L")
    assert evaluate_eligibility(patient_a)[0].result("I10").status.value == status


def test_a_unit_the_catalogue_does_not_accept_for_the_test_is_refused(protocol_version, settings, patient_a,
                                                                      coordinator_a, investigator_a, client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    protocol_version_load(text=with_hemoglobin(settings))
    response = client_of(coordinator_a).post(reverse("screening_record_new", args=[patient_a.pk, "labs"]), {
        "test": "hemoglobin", "value": "9", "unit": "U/L", "reference_low": "", "reference_high": "150",
        "collected_on": evaluate_eligibility(patient_a)[0].evaluated_on.isoformat()})
    assert response.status_code == 200
    assert "U/L is not accepted for hemoglobin; use g/L or g/dL." in response.content.decode()


# -- a qualitative test the protocol adds -------------------------------------------------------------------------

HBSAG = (
    "[catalogue.qualitative.ana]\n",
    '[catalogue.qualitative.hbsag]\nname = { en = "HBsAg", "zh-hans" = "乙肝表面抗原" }\nloinc = "5196-1"\n\n'
    '[exclusion.E02]\nname = { en = "Excluded if HBsAg positive", "zh-hans" = "排除：HBsAg 阳性" }\n'
    'kind = "qualitative"\nitem = "hbsag"\nresult = "positive"\n\n[catalogue.qualitative.ana]\n',
)


def with_hbsag(settings) -> str:
    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    for old, new in (('version = "1"', 'version = "2"'),
                     ('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "provided"'),
                     HBSAG):
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(("result", "status", "overall"), [("negative", "met", "eligible"),
                                                          ("positive", "not_met", "not_eligible")])
def test_a_qualitative_test_the_protocol_adds_is_entered_and_decides_the_exclusion(
        protocol_version, settings, patient_a, coordinator_a, investigator_a, client_of, result, status, overall):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    protocol_version_load(text=with_hbsag(settings))
    assert evaluate_eligibility(patient_a)[0].result("E02").status.value == "missing"
    client = client_of(coordinator_a)
    response = client.post(reverse("screening_record_new", args=[patient_a.pk, "serology"]), {
        "test": "hbsag", "result": result, "collected_on": evaluate_eligibility(patient_a)[0].evaluated_on.isoformat()})
    assert response.status_code == 302
    from screening.models import SerologyResult

    assert SerologyResult.objects.get(test="hbsag").loinc == "5196-1"
    evaluation = evaluate_eligibility(patient_a)[0]
    assert (evaluation.result("E02").status.value, evaluation.overall.value) == (status, overall)


def test_a_titer_for_a_test_without_one_is_refused(protocol_version, settings, patient_a, coordinator_a,
                                                   investigator_a, client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    protocol_version_load(text=with_hbsag(settings))
    response = client_of(coordinator_a).post(reverse("screening_record_new", args=[patient_a.pk, "serology"]), {
        "test": "hbsag", "result": "negative", "titer": "80",
        "collected_on": evaluate_eligibility(patient_a)[0].evaluated_on.isoformat()})
    assert response.status_code == 200 and "No titer is recorded for HBsAg." in response.content.decode()


# -- a drug class the protocol adds ---------------------------------------------------------------------------

PRIOR_CAR_T = (
    "# How the evidence names the drug classes.",
    '"CAR-T cell therapy" = { classes = ["car_t"], synonyms = ["tisagenlecleucel", "relma-cel"] }\n\n'
    '[exclusion.E03]\nname = { en = "Excluded if any prior CAR-T", "zh-hans" = "排除：既往 CAR-T" }\n'
    'kind = "medication"\nmeasure = "ever"\nclasses = ["car_t"]\n\n# How the evidence names the drug classes.',
)


def test_a_drug_of_a_class_the_protocol_adds_is_entered_and_excludes(protocol_version, settings, patient_a,
                                                                    coordinator_a, investigator_a, client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    for old, new in (('version = "1"', 'version = "2"'),
                     ('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "provided"'),
                     PRIOR_CAR_T):
        assert old in text
        text = text.replace(old, new, 1)
    protocol_version_load(text=text)
    assert evaluate_eligibility(patient_a)[0].overall.value == "eligible"
    client = client_of(coordinator_a)
    form = client.get(reverse("screening_record_new", args=[patient_a.pk, "treatments"])).content.decode()
    # The type-ahead offers the new drug and its synonyms.
    assert '<option value="CAR-T cell therapy">car t</option>' in form
    assert '<option value="relma-cel">CAR-T cell therapy (car t)</option>' in form
    response = client.post(reverse("screening_record_new", args=[patient_a.pk, "treatments"]), {
        "drug": "CAR-T cell therapy", "started_on": "2024-06-01", "stopped_on": "2024-06-01"})
    assert response.status_code == 302
    from screening.models import Treatment

    assert Treatment.objects.get(drug="CAR-T cell therapy").drug_class == "car_t"
    evaluation = evaluate_eligibility(patient_a)[0]
    assert (evaluation.result("E03").status.value, evaluation.overall.value) == ("not_met", "not_eligible")


# -- a measurement the protocol adds ----------------------------------------------------------------------------

QTC = (
    "[catalogue.measurements.lvef]\n",
    '[catalogue.measurements.qtc]\nname = { en = "QTc", "zh-hans" = "QTc 间期" }\nloinc = "8636-3"\nunit = "ms"\n'
    'plausible = { min = 250, max = 700 }\n\n[inclusion.I11]\nname = { en = "QTc <= 470 ms", "zh-hans" = "QTc <= 470 ms" }\n'
    'kind = "value"\nitem = "qtc"\nmax = 470\n\n[catalogue.measurements.lvef]\n',
)


def test_mc_1_50_shows_no_generic_measurement_panel(protocol_version, patient_a, coordinator_a, investigator_a,
                                                    client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    page = client_of(coordinator_a).get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    assert 'data-testid="panel-measurements"' not in page and 'data-testid="panel-echo"' in page


@pytest.mark.parametrize(("value", "status"), [("430", "met"), ("480", "not_met")])
def test_a_measurement_the_protocol_adds_is_entered_and_decides(protocol_version, settings, patient_a, coordinator_a,
                                                                investigator_a, client_of, value, status):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    for old, new in (('version = "1"', 'version = "2"'), QTC):
        text = text.replace(old, new, 1)
    protocol_version_load(text=text)
    client = client_of(coordinator_a)
    page = client.get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    assert 'data-testid="panel-measurements"' in page
    day = evaluate_eligibility(patient_a)[0].evaluated_on.isoformat()
    response = client.post(reverse("screening_record_new", args=[patient_a.pk, "measurements"]),
                           {"item": "qtc", "value": value, "flag": "unknown", "measured_on": day})
    assert response.status_code == 302
    from screening.models import Measurement

    assert (Measurement.objects.get().unit, Measurement.objects.get().loinc) == ("ms", "8636-3")
    assert evaluate_eligibility(patient_a)[0].result("I11").status.value == status
    implausible = client.post(reverse("screening_record_new", args=[patient_a.pk, "measurements"]),
                              {"item": "qtc", "value": "43", "flag": "unknown", "measured_on": day})
    assert implausible.status_code == 200 and "outside the plausible range 250-700 ms" in implausible.content.decode()


# -- a result from the medical history ----------------------------------------------------------------------------


def test_a_result_from_the_medical_history_may_predate_consent_but_is_not_a_screening_value(
        protocol_version, patient_a, coordinator_a, investigator_a, client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    client = client_of(coordinator_a)
    before_consent = "2020-01-15"
    screening = client.post(reverse("screening_record_new", args=[patient_a.pk, "serology"]), {
        "test": "anti_dsdna", "result": "negative", "collected_on": before_consent, "source": "screening"})
    assert screening.status_code == 200 and "before" in screening.content.decode()
    history = client.post(reverse("screening_record_new", args=[patient_a.pk, "serology"]), {
        "test": "anti_dsdna", "result": "negative", "collected_on": before_consent, "source": "history"})
    assert history.status_code == 302
    evaluation, built = evaluate_eligibility(patient_a)
    assert built.document["serology"][0] == {"test": "anti_dsdna", "result": "negative", "titer": None,
                                             "collected_on": before_consent, "source": "history"}
    assert evaluation.result("I01").status.value == "met"  # the consent-first rule does not refuse it
    assert "serology[0]" not in evaluation.result("I05").uses  # anti-dsDNA reads the screening result
