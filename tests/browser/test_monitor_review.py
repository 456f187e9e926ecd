"""A monitor finds one candidate's change in the audit log, reads it, and queries it; the coordinator sees
the query on their dashboard."""

from __future__ import annotations

import pghistory
import pytest
from playwright.sync_api import expect

from patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_monitor_filters_opens_an_event_and_raises_a_query_the_coordinator_sees(
    page, log_in, monitor_a, coordinator_a, patient_a, site_a
):
    from tests.factories import create_patient

    other = create_patient(site_a, registered_by=coordinator_a)
    with pghistory.context(user=coordinator_a.pk, url=f"/patients/{patient_a.pk}/edit/", reason="scale recalibrated"):
        Patient.objects.filter(pk=patient_a.pk).update(weight_kg=61)
    with pghistory.context(user=coordinator_a.pk, reason="other candidate's change"):
        Patient.objects.filter(pk=other.pk).update(weight_kg=70)

    log_in(monitor_a)
    page.get_by_role("link", name="Audit log").first.click()
    page.get_by_label("Candidate (screening number)").fill(patient_a.screening_number)
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("audit-entry")
    expect(rows.filter(has_text="scale recalibrated")).to_have_count(1)
    expect(page.get_by_text("other candidate's change")).to_have_count(0)

    rows.filter(has_text="scale recalibrated").get_by_role("link").first.click()
    expect(page.get_by_test_id("entry-reason")).to_have_text("scale recalibrated")
    weight = page.locator("tr[data-field='weight_kg']")
    expect(weight.get_by_test_id("old-value")).to_have_text("58")
    expect(weight.get_by_test_id("new-value")).to_have_text("61")

    page.get_by_label("Field").select_option("weight_kg")
    page.get_by_label("Question").fill("Source document says 60.5 kg - please check.")
    page.get_by_role("button", name="Raise query").click()
    expect(page.get_by_text("Query raised.")).to_be_visible()
    expect(page.get_by_test_id("open-query")).to_contain_text("Source document says 60.5 kg")

    page.get_by_role("button", name="Log out").click()
    log_in(coordinator_a)
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Coordinator dashboard")
    expect(page.get_by_test_id("open-query-row")).to_contain_text("Source document says 60.5 kg - please check.")
