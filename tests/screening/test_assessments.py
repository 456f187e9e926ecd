"""SLEDAI-2K and 2019 EULAR/ACR forms (live scores), treatment history, and investigator attestations by role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from patients.clock import site_today
from screening.evaluation import evaluate_eligibility
from screening.models import (
    Attestation,
    EularAcrAssessment,
    SledaiAssessment,
    Treatment,
)
from tests.screening.records_setup import consent

pytestmark = pytest.mark.django_db


def days_ago(site, days):
    return site_today(site) - dt.timedelta(days=days)


@pytest.fixture
def consented(protocol_version, patient_a, coordinator_a):
    consent(patient_a, coordinator_a, days_ago(patient_a.site, 10))
    return patient_a


def url(name, patient, slug):
    return reverse(name, args=[patient.pk, slug])


# SLEDAI-2K


def test_sledai_form_groups_the_24_descriptors_by_weight(client_of, coordinator_a, consented):
    html = client_of(coordinator_a).get(url("screening_record_new", consented, "sledai")).content.decode()
    assert html.count('name="descriptors"') == 24
    assert html.index("8 points") < html.index("4 points") < html.index("2 points") < html.index("1 point<")


def test_sledai_score_is_live_while_boxes_are_ticked(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(
        url("screening_record_preview", consented, "sledai"),
        {"descriptors": ["arthritis", "proteinuria", "low_complement"]}, HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "SLEDAI-2K score: 10" in html
    assert "Arthritis 4 + Proteinuria 4 + Low complement 2" in html


def test_sledai_saved_and_scored_by_the_calculator(client_of, coordinator_a, consented):
    client = client_of(coordinator_a)
    response = client.post(url("screening_record_new", consented, "sledai"), {
        "assessed_on": days_ago(consented.site, 1).isoformat(), "descriptors": ["seizure", "fever"],
    })
    assert response.status_code == 302
    assessment = SledaiAssessment.objects.get()
    assert (assessment.descriptors, assessment.score) == (["seizure", "fever"], 9)
    evaluation, _ = evaluate_eligibility(consented)
    assert evaluation.result("I04").status == "met"
    assert "= 9" in evaluation.result("I04").evidence


def test_sledai_unknown_descriptor_is_refused(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(url("screening_record_new", consented, "sledai"), {
        "assessed_on": days_ago(consented.site, 1).isoformat(), "descriptors": ["headache"],
    })
    assert "Select a valid choice" in response.context["form"].errors["descriptors"][0]
    assert SledaiAssessment.objects.count() == 0


# 2019 EULAR/ACR


def test_eular_live_score_counts_only_the_highest_criterion_per_domain(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(url("screening_record_preview", consented, "eular"), {
        "ana_ever_1_80_hep2": "yes",
        "criteria": ["low_c3_or_low_c4", "low_c3_and_low_c4", "joint_involvement", "oral_ulcers"],
    }, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "2019 EULAR/ACR score: 12" in html  # 4 (not 3 + 4) + 6 + 2
    assert "classified as SLE" in html
    complement = html[html.index("Complement proteins"):]
    assert "Low C3 and low C4" in complement[:200] and "not counted" in complement[:300]


def test_eular_without_the_entry_criterion_is_not_classified(client_of, coordinator_a, consented):
    html = client_of(coordinator_a).post(url("screening_record_preview", consented, "eular"), {
        "ana_ever_1_80_hep2": "no", "criteria": ["lupus_nephritis_class_iii_or_iv", "anti_dsdna_or_anti_smith"],
    }).content.decode()
    assert "2019 EULAR/ACR score: 16" in html
    assert "not classified" in html and "entry criterion ANA &gt;= 1:80 on HEp-2 not met" in html


def test_eular_saved_feeds_i03a(client_of, coordinator_a, consented):
    client_of(coordinator_a).post(url("screening_record_new", consented, "eular"), {
        "assessed_on": days_ago(consented.site, 1).isoformat(), "ana_ever_1_80_hep2": "yes",
        "criteria": ["joint_involvement", "low_c3_and_low_c4"],
    })
    assert EularAcrAssessment.objects.get().score == 10
    evaluation, _ = evaluate_eligibility(consented)
    assert evaluation.result("I03a").status == "met"


def test_eular_needs_an_answer_to_the_entry_criterion(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(url("screening_record_new", consented, "eular"), {
        "assessed_on": days_ago(consented.site, 1).isoformat(), "criteria": ["joint_involvement"],
    })
    assert response.context["form"].errors["ana_ever_1_80_hep2"] == ["This field is required."]


# Treatment history


def treatment(**changes):
    return {"drug": "prednisone", "started_on": "2025-01-10", "stopped_on": "", "dose_mg_per_day": "60", **changes}


def test_class_is_derived_from_the_protocols_list(client_of, coordinator_a, consented):
    client = client_of(coordinator_a)
    assert client.post(url("screening_record_new", consented, "treatments"),
                       treatment(drug="tacrolimus", dose_mg_per_day="")).status_code == 302
    assert Treatment.objects.get().drug_class == "immunosuppressant"


@pytest.mark.parametrize("typed", ["HCQ", "hydroxychloroquine sulphate", "Hydroxy-chloroquine"])
def test_a_synonym_typed_is_stored_as_the_dictionarys_drug(client_of, coordinator_a, consented, typed):
    response = client_of(coordinator_a).post(url("screening_record_new", consented, "treatments"),
                                             treatment(drug=typed, dose_mg_per_day="400"))
    assert response.status_code == 302
    assert (Treatment.objects.get().drug, Treatment.objects.get().drug_class) == ("hydroxychloroquine", "antimalarial")


def test_the_drug_field_offers_the_names_and_synonyms_as_type_ahead(client_of, coordinator_a, consented):
    html = client_of(coordinator_a).get(url("screening_record_new", consented, "treatments")).content.decode()
    assert 'list="id_treatments_drug_spellings"' in html
    assert '<option value="HCQ">hydroxychloroquine (antimalarial)</option>' in html


def test_live_prednisone_equivalent_per_kg(client_of, coordinator_a, consented):
    html = client_of(coordinator_a).post(url("screening_record_preview", consented, "treatments"),
                                         treatment(drug="methylprednisolone", dose_mg_per_day="48")).content.decode()
    # 48 mg x 1.25 = 60 mg prednisone / 58 kg = 1.03 mg/kg/day
    assert "60.0 mg prednisone/day = 1.03 mg/kg/day" in html
    assert "glucocorticoid" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"stopped_on": "2025-01-01"}, "stopped_on", "is before the start date 2025-01-10"),
        ({"dose_mg_per_day": "0"}, "dose_mg_per_day", "must be greater than 0"),
        ({"dose_mg_per_day": "5000"}, "dose_mg_per_day", "outside the plausible range 0.5-1250 mg/day"),
        ({"drug": "tacrolimus", "dose_mg_per_day": "90000"}, "dose_mg_per_day", "above the plausible maximum"),
        ({"dose_mg_per_day": ""}, "dose_mg_per_day", "needed for a glucocorticoid"),
        ({"dose_mg_per_day": "sixty"}, "dose_mg_per_day", "Enter a number."),
        ({"drug": "aspirin"}, "drug", "not in the protocol's medication dictionary"),
        ({"started_on": "2099-01-01"}, "started_on", "in the future"),
        ({"started_on": "2999-01-01"}, "started_on", "between 1900-01-01 and 2100-12-31"),
    ],
)
def test_bad_treatment_input_gets_a_clear_error(client_of, coordinator_a, consented, changes, field, message):
    response = client_of(coordinator_a).post(url("screening_record_new", consented, "treatments"), treatment(**changes))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert Treatment.objects.count() == 0


# Attestations


def attest(**changes):
    return {"question": "apheresis_suitable", "answer": "yes", "contraception_method": "", "comment": "", **changes}


def test_coordinator_cannot_record_an_attestation(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(reverse("attestation_new", args=[consented.pk]), attest())
    assert response.status_code == 403
    assert Attestation.objects.count() == 0


def test_investigator_of_another_site_cannot_reach_the_candidate(client_of, site_b, consented):
    from tests import factories

    other = factories.create_staff("inv_b", "investigator", site_b)
    response = client_of(other).post(reverse("attestation_new", args=[consented.pk]), attest())
    assert response.status_code == 404


def test_investigator_attests_and_the_latest_answer_counts(client_of, investigator_a, consented):
    client = client_of(investigator_a)
    assert client.post(reverse("attestation_new", args=[consented.pk]), attest(answer="no")).status_code == 302
    assert client.post(reverse("attestation_new", args=[consented.pk]), attest(answer="yes")).status_code == 302
    history = list(Attestation.objects.order_by("pk"))
    assert [(a.answer, a.recorded_by) for a in history] == [(False, investigator_a), (True, investigator_a)]
    assert all(a.recorded_at for a in history)
    evaluation, built = evaluate_eligibility(consented)
    assert evaluation.result("I08").status == "met"
    assert built.source_of("attestations.apheresis_suitable").pk == history[-1].pk


def test_attestations_are_never_changed(investigator_a, consented):
    from django.db import ProgrammingError, transaction

    from screening.records.services import attestation_record

    attestation = attestation_record(acting_user=investigator_a, patient=consented, question="apheresis_suitable",
                                     answer=True)
    # The runtime role may only add attestations; the owner would meet the append-only trigger.
    with pytest.raises(ProgrammingError, match="permission denied for table screening_attestation"), \
            transaction.atomic():
        Attestation.objects.filter(pk=attestation.pk).update(answer=False)


def test_contraception_needs_an_accepted_method_and_never_the_safe_period(client_of, investigator_a, consented):
    client = client_of(investigator_a)
    target = reverse("attestation_new", args=[consented.pk])
    response = client.post(target, attest(question="contraception_agreed"))
    assert response.context["att"]["form"].errors["contraception_method"] == ["Choose the contraception method agreed."]
    response = client.post(target, attest(question="contraception_agreed", contraception_method="safe_period"))
    assert "Select a valid choice" in response.context["att"]["form"].errors["contraception_method"][0]
    assert Attestation.objects.count() == 0
    assert client.post(target, attest(question="contraception_agreed", contraception_method="implant")).status_code == 302
    evaluation, built = evaluate_eligibility(consented)
    assert built.document["attestations"]["contraception_method"] == "implant"
    assert "contraception method: Progestogen implant" in evaluation.result("I09").evidence


def test_the_safe_period_is_refused_by_the_service_too(investigator_a, consented):
    from django.core.exceptions import ValidationError

    from screening.records.services import attestation_record

    with pytest.raises(ValidationError, match="never accepted"):
        attestation_record(acting_user=investigator_a, patient=consented, question="contraception_agreed",
                           answer=True, contraception_method="safe_period")


def test_liver_involvement_and_intolerance_reach_the_engine(investigator_a, consented):
    from screening.records.services import attestation_record

    attestation_record(acting_user=investigator_a, patient=consented, question="liver_involvement", answer=True)
    attestation_record(acting_user=investigator_a, patient=consented,
                       question="intolerant_to_conventional_therapy", answer=True)
    _, built = evaluate_eligibility(consented)
    assert built.document["patient"]["liver_involvement"] is True
    assert built.document["intolerant_to_conventional_therapy"] is True
    assert built.source_of("patient.liver_involvement").label == "screening.attestation"


def test_coordinator_sees_attestations_but_no_form(client_of, coordinator_a, investigator_a, consented):
    from screening.records.services import attestation_record

    attestation_record(acting_user=investigator_a, patient=consented, question="apheresis_suitable", answer=True)
    html = client_of(coordinator_a).get(reverse("patient_detail", args=[consented.pk])).content.decode()
    panel = html[html.index('id="attestations"'):]
    assert "Inv_A Tester" in panel
    assert 'data-testid="form-attestation"' not in panel


# The open yes/no questions answered together


def test_the_open_questions_are_answered_together_and_the_blank_ones_stay_open(client_of, investigator_a, consented):
    client = client_of(investigator_a)
    page = client.get(reverse("patient_detail", args=[consented.pk])).content.decode()
    together = page.split('data-testid="form-attestations-together"')[1].split("</form>")[0]
    assert 'data-testid="together-apheresis_suitable"' in together and 'name="contraception_method"' in together
    response = client.post(reverse("attestations_new", args=[consented.pk]), {
        "apheresis_suitable": "yes", "no_serious_mental_disorder": "yes", "contraception_agreed": "yes",
        "contraception_method": "implant", "liver_involvement": "no"})
    assert response.status_code == 302
    answered = {a.question: a.answer for a in Attestation.objects.all()}
    assert answered == {"apheresis_suitable": True, "no_serious_mental_disorder": True, "contraception_agreed": True,
                        "liver_involvement": False}
    assert Attestation.objects.get(question="contraception_agreed").contraception_method == "implant"
    evaluation, _built = evaluate_eligibility(consented)
    assert evaluation.result("I08").status == "met"
    # Only the questions still open are offered together next time.
    page = client.get(reverse("patient_detail", args=[consented.pk])).content.decode()
    together = page.split('data-testid="form-attestations-together"')[1].split("</form>")[0]
    assert 'together-no_gamete_donation_agreed' in together and "together-apheresis_suitable" not in together


def test_one_wrong_answer_of_several_saves_none_and_says_which(client_of, investigator_a, consented):
    response = client_of(investigator_a).post(reverse("attestations_new", args=[consented.pk]), {
        "apheresis_suitable": "yes", "contraception_agreed": "yes", "contraception_method": ""})
    assert response.status_code == 200
    form = response.context["att"]["together"]
    assert form.errors["contraception_method"] == ["Choose the contraception method agreed."]
    assert Attestation.objects.count() == 0
    response = client_of(investigator_a).post(reverse("attestations_new", args=[consented.pk]), {})
    assert response.context["att"]["together"].non_field_errors() == ["Answer at least one question."]


def test_only_the_sites_investigator_answers_together(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(reverse("attestations_new", args=[consented.pk]),
                                             {"apheresis_suitable": "yes"})
    assert response.status_code == 403 and Attestation.objects.count() == 0
