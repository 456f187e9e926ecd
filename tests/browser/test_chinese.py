"""A coordinator switches the interface to Simplified Chinese with the switcher in the navigation: the
dashboard and the candidate's eligibility checklist are in Chinese, and the choice stays on the account."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from patients.clock import site_today
from tests.screening.records_setup import consent, reference_ranges
from trial.language import preference_set
from trial.models import StaffPreference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_switches_to_chinese(page, log_in, coordinator_a, patient_a, protocol_version):
    consent(patient_a, coordinator_a, site_today(patient_a.site) - dt.timedelta(days=10))
    reference_ranges(patient_a.site)
    preference_set(acting_user=coordinator_a, language="en")
    log_in(coordinator_a)
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Coordinator dashboard")

    switcher = page.get_by_test_id("language-switcher")
    switcher.get_by_label("Language").select_option("zh-hans")
    switcher.get_by_role("button", name="Switch").click()

    expect(page.get_by_test_id("dashboard-title")).to_have_text("协调员工作台")
    expect(page.get_by_role("link", name="登记候选者")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.get_by_role("link", name=patient_a.screening_number).click()
    checklist = page.get_by_test_id("checklist")
    expect(checklist.get_by_role("heading", name="入选资格核查表")).to_be_visible()
    expect(page.get_by_test_id("criterion-I01")).to_contain_text("患者或其监护人签署知情同意书")
    expect(page.get_by_test_id("status-I02")).to_have_text("符合")
    expect(page.get_by_test_id("criterion-I06b")).to_contain_text("内无肌酐")
    assert StaffPreference.objects.get(user=coordinator_a).language == "zh-hans"
