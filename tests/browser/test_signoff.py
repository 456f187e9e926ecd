"""The investigator signs an eligible candidate; a coordinator then corrects a lab the evaluation used, and
the candidate page shows the signature void with what changed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import fill_signature
from tests.screening.signoff_setup import correct_lab, enter_eligible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_investigator_signs_and_a_correction_of_a_used_lab_voids_the_signature(
    page, log_in, protocol_version, coordinator_a, investigator_a, patient_a
):
    records = enter_eligible(patient_a, coordinator_a, investigator_a)

    log_in(investigator_a)
    page.goto(f"/patients/{patient_a.pk}/")
    expect(page.get_by_test_id("signature-status")).to_have_attribute("data-status", "none")
    page.get_by_test_id("review-and-sign").click()
    expect(page.get_by_test_id("signoff-overall")).to_have_attribute("data-status", "eligible")
    expect(page.get_by_test_id("meaning")).to_have_text("I confirm that this subject meets all eligibility criteria")

    fill_signature(page, investigator_a, "Inv_A Tester")
    page.get_by_test_id("sign-button").click()

    expect(page.get_by_test_id("signature-status")).to_have_attribute("data-status", "valid")
    expect(page.get_by_test_id("signature-manifestation")).to_contain_text("Inv_A Tester")
    expect(page.get_by_test_id("patient-status")).to_have_text("Signed eligible")

    # The coordinator corrects the creatinine the evaluation used (I06b).
    correct_lab(records["creatinine"], coordinator_a, "400", reason="value of another sample")

    page.reload()
    status = page.get_by_test_id("signature-status")
    expect(status).to_have_attribute("data-status", "void")
    expect(status).to_contain_text("signature void: data changed after signing")
    expect(page.get_by_test_id("void-changes")).to_contain_text(re.compile(r"creatinine of \d{4}-\d\d-\d\d: 70 → 400 umol/L"))
    expect(page.get_by_test_id("patient-status")).to_have_text("Screening")
