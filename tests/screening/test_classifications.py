"""The classification instruments without a panel of their own (ACR 1997, SLICC 2012) are entered through one
generated panel, with a live conclusion, and reach the facts: BLISS-LN's INC2 (SLE by the ACR criteria)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from patients.clock import site_today
from screening.evaluation import evaluate_eligibility
from screening.models import Classification
from tests import factories
from tests.screening.records_setup import consent
from trial.protocol_versions import protocol_version_load

pytestmark = pytest.mark.django_db

BLISS = (Path(__file__).resolve().parents[2] / "trial" / "protocols" / "nct01639339-bliss-ln.toml").read_text(
    encoding="utf-8")
WITH_SLICC = BLISS.replace('instruments = ["acr_1997", "ckd_epi_2021"]',
                           'instruments = ["acr_1997", "slicc_2012", "ckd_epi_2021"]', 1)
FOUR = ["acr_1997:malar_rash", "acr_1997:arthritis", "acr_1997:renal_disorder", "acr_1997:antinuclear_antibody"]


@pytest.fixture
def bliss_candidate(db):
    trial = factories.create_trial(code="BLISS-LN", title="BLISS-LN")
    protocol_version_load(text=WITH_SLICC)
    site = factories.create_site(trial, number=1, name="Anhui Provincial Hospital", city="Hefei")
    coordinator = factories.create_staff("coord_ln", "coordinator", site)
    patient = factories.create_patient(site, coordinator)
    consent(patient, coordinator, site_today(site) - dt.timedelta(days=10))
    return patient, coordinator


def post(client, patient, **data):
    return client.post(reverse("screening_record_new", args=[patient.pk, "classifications"]), {
        "instrument": "acr_1997", "assessed_on": (site_today(patient.site) - dt.timedelta(days=1)).isoformat(),
        **data})


def inc2(patient) -> str:
    evaluation, _facts = evaluate_eligibility(patient)
    return next(c.status for c in evaluation.criteria if c.code == "INC2")


def test_the_panel_is_shown_for_a_protocol_with_such_instruments_only(client_of, bliss_candidate, coordinator_a,
                                                                     consented):
    patient, coordinator = bliss_candidate
    page = client_of(coordinator).get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert 'data-testid="panel-classifications"' in page and 'data-testid="panel-eular"' not in page
    mc_1_50 = client_of(coordinator_a).get(reverse("patient_detail", args=[consented.pk])).content.decode()
    assert 'data-testid="panel-classifications"' not in mc_1_50


def test_four_acr_criteria_classify_and_meet_inc2_three_do_not(client_of, bliss_candidate):
    patient, coordinator = bliss_candidate
    client = client_of(coordinator)
    assert inc2(patient) == "missing"
    assert post(client, patient, criteria=FOUR[:3]).status_code == 302
    assert inc2(patient) == "not_met"
    assert post(client, patient, criteria=FOUR).status_code == 302  # a newer assessment counts
    assert inc2(patient) == "met"
    newest = Classification.objects.order_by("pk").last()
    assert (newest.instrument, newest.criteria) == ("acr_1997", [c.split(":")[1] for c in FOUR])


def test_the_live_preview_concludes_while_ticking(client_of, bliss_candidate):
    patient, coordinator = bliss_candidate
    html = client_of(coordinator).post(reverse("screening_record_preview", args=[patient.pk, "classifications"]),
                                       {"instrument": "acr_1997", "criteria": FOUR}).content.decode()
    assert "ACR 1997: 4 criteria" in html and "classified" in html and "not classified" not in html


def test_criteria_of_another_instrument_are_refused(client_of, bliss_candidate):
    patient, coordinator = bliss_candidate
    response = post(client_of(coordinator), patient, criteria=[*FOUR[:2], "slicc_2012:synovitis"])
    assert response.status_code == 200
    assert any("Only criteria of ACR 1997" in e for e in response.context["form"].errors["criteria"])
    assert Classification.objects.count() == 0


def test_slicc_keeps_its_biopsy_flag(client_of, bliss_candidate):
    patient, coordinator = bliss_candidate
    response = post(client_of(coordinator), patient, instrument="slicc_2012",
                    criteria=["slicc_2012:anti_dsdna"], flag_biopsy_proven_lupus_nephritis="yes")
    assert response.status_code == 302
    record = Classification.objects.get()
    assert record.flags == {"biopsy_proven_lupus_nephritis": True} and record.outcome.classified


def test_a_classification_is_not_dated_before_consent(client_of, bliss_candidate):
    patient, coordinator = bliss_candidate
    response = post(client_of(coordinator), patient, criteria=FOUR,
                    assessed_on=(site_today(patient.site) - dt.timedelta(days=30)).isoformat())
    assert response.status_code == 200 and Classification.objects.count() == 0
