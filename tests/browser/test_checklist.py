"""The live checklist: a creatinine above the limit turns I06b not_met without a page reload; correcting it
with a reason turns it met again."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from patients.clock import site_today
from screening.models import LabResult
from tests.screening.records_setup import consent, reference_ranges

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_creatinine_above_the_limit_turns_i06b_not_met_live_and_a_correction_turns_it_met(
    page, log_in, protocol_version, coordinator_a, patient_a
):
    consent(patient_a, coordinator_a, site_today(patient_a.site) - dt.timedelta(days=10))
    reference_ranges(patient_a.site)  # creatinine ULN 84 umol/L
    collected = (site_today(patient_a.site) - dt.timedelta(days=2)).isoformat()

    log_in(coordinator_a)
    page.goto(f"/patients/{patient_a.pk}/")
    status = page.get_by_test_id("status-I06b")
    expect(status).to_have_attribute("data-status", "missing")
    page.evaluate("window.notReloaded = true")  # gone if the page reloads

    # 200 umol/L = 2.38 x ULN (limit 2.0) and, at 58 kg and 41 years, CrCl about 30 mL/min (limit 60).
    panel = page.get_by_test_id("panel-labs")
    panel.get_by_text("Add: Laboratory results").click()
    panel.locator("#id_labs_test").select_option("creatinine")
    panel.locator("#id_labs_value").fill("200")
    panel.locator("#id_labs_unit").select_option("umol/L")
    panel.locator("#id_labs_collected_on").fill(collected)
    expect(panel.get_by_test_id("preview-labs")).to_contain_text("2.38 × ULN")
    panel.get_by_role("button", name="Save").click()

    expect(status).to_have_attribute("data-status", "not_met")
    expect(page.get_by_test_id("criterion-I06b")).to_contain_text("Cockcroft-Gault")
    expect(panel.get_by_test_id("flag")).to_have_text("H")
    assert page.evaluate("window.notReloaded") is True

    lab = LabResult.objects.get()
    panel.get_by_test_id(f"correct-labs-{lab.pk}").click()
    panel.locator("#id_labs_edit_value").fill("70")
    panel.locator("#id_labs_edit_reason").fill("value of another sample typed by mistake")
    panel.get_by_role("button", name="Save").click()

    expect(status).to_have_attribute("data-status", "met")
    expect(panel.get_by_test_id("flag")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    lab.refresh_from_db()
    assert lab.value == 70
    assert lab.events.order_by("-pgh_id").first().pgh_context.metadata["reason"] == "value of another sample typed by mistake"


def test_the_unit_list_offers_only_the_chosen_tests_units(page, log_in, protocol_version, coordinator_a, patient_a):
    consent(patient_a, coordinator_a, site_today(patient_a.site) - dt.timedelta(days=10))
    log_in(coordinator_a)
    page.goto(f"/patients/{patient_a.pk}/")
    panel = page.get_by_test_id("panel-labs")
    panel.get_by_text("Add: Laboratory results").click()
    unit = panel.locator("#id_labs_unit")

    def offered() -> list[str]:
        return unit.evaluate("select => Array.from(select.options).filter(o => !o.disabled).map(o => o.value)")

    panel.locator("#id_labs_test").select_option("creatinine")
    assert offered() == ["umol/L", "mg/dL"]
    unit.select_option("mg/dL")
    panel.locator("#id_labs_test").select_option("alt")
    assert offered() == ["U/L"]
    expect(unit).to_have_value("U/L")  # mg/dL is no unit of ALT: the test's own unit instead
