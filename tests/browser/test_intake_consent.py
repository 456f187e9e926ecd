"""A coordinator registers a candidate, records consent and sees the candidate page; when a new ICF
version takes effect, the candidate appears on the re-consent worklist."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from patients.clock import site_today
from screening.consent.services import icf_version_add
from tests.browser.steps import fill_registration
from trial.language import preference_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n% informed consent form\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_register_consent_and_reconsent_after_new_icf(page, log_in, coordinator_a, site_a):
    today = site_today(site_a)
    icf_version_add(
        acting_user=coordinator_a, site=site_a, language="en", label="1.0",
        ethics_approved_on=today - dt.timedelta(days=120), effective_on=today - dt.timedelta(days=100),
        pdf=SimpleUploadedFile("icf.pdf", PDF),
    )
    preference_set(acting_user=coordinator_a, language="en")  # the test reads the English interface
    log_in(coordinator_a)

    page.get_by_role("link", name="Register candidate").click()
    fill_registration(page, initials="wmy", born="1988-07-02", full_name="Wang Meiying", weight_kg="61.5")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_test_id("patient-title")).to_contain_text("01-0001")
    expect(page.get_by_test_id("full-name")).to_have_text("Wang Meiying")
    expect(page.get_by_test_id("no-consent")).to_be_visible()

    page.get_by_role("link", name="Record consent").click()
    page.locator('[name="icf_version"]').select_option(index=1)  # the only version after the blank choice
    page.locator('[name="signed_on"]').fill((today - dt.timedelta(days=1)).isoformat())
    page.locator('[name="signed_time"]').fill("09:30")
    page.locator('[name="copy_given"][value="yes"]').check()
    page.get_by_role("button", name="Save consent").click()

    history = page.get_by_test_id("consent-history")
    expect(history).to_contain_text((today - dt.timedelta(days=1)).isoformat())
    expect(history).to_contain_text("The candidate")
    expect(page.get_by_test_id("timeline")).to_contain_text("Consent on ICF 1.0")
    expect(page.get_by_test_id("reconsent-needed")).to_have_count(0)

    # The site's new ICF version takes effect today.
    page.get_by_role("link", name="Coordinator").first.click()
    page.get_by_role("link", name="ICF versions").click()
    page.get_by_role("link", name="Add a new version").click()
    page.locator("#id_language").select_option("en")  # not the navigation's language switcher
    page.locator('[name="label"]').fill("2.0")
    page.locator('[name="ethics_approved_on"]').fill((today - dt.timedelta(days=3)).isoformat())
    page.locator('[name="effective_on"]').fill(today.isoformat())
    page.locator('[name="pdf"]').set_input_files({"name": "icf-2.0.pdf", "mimeType": "application/pdf",
                                                  "buffer": PDF + b"% v2\n"})
    page.get_by_role("button", name="Add version").click()
    expect(page.get_by_test_id("icf-versions")).to_contain_text("2.0")

    page.get_by_role("link", name="Coordinator").first.click()
    expect(page.get_by_test_id("reconsent-count")).to_have_text("1")
    page.get_by_role("link", name=re.compile("Re-consent worklist")).click()
    worklist = page.get_by_test_id("reconsent-worklist")
    expect(worklist).to_contain_text("01-0001")
    expect(worklist).to_contain_text("ICF 1.0 was superseded on " + today.isoformat())
