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
