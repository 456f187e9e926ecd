"""A coordinator sees an overdue pregnancy test on the dashboard, records the result, and it leaves the list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from followup.models import Reminder
from patients.clock import site_today
from tests.followup.conftest import (
    enroll,
    load_protocol,
    signed_eligible,
    staff_with_email,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_completes_an_overdue_pregnancy_test(page, log_in, site_a, settings):
    settings.CELERY_BROKER_URL = "redis+socket:///nonexistent/redis.sock"  # no worker here; saving must not care
    load_protocol()
    coordinator = staff_with_email("coord_browser", "coordinator", site_a, "coord@site-a.test")
    investigator = staff_with_email("inv_browser", "investigator", site_a, "inv@site-a.test")
    patient = signed_eligible(site_a, coordinator, investigator, initials="MLW")
    enroll(patient, coordinator, infused_days_ago=45)  # the month-1 test is more than 7 days late
    reminder = Reminder.objects.get(patient=patient, kind="pregnancy_test_monthly", sequence=1)

    log_in(coordinator)
    page.goto("/dashboard/coordinator/")
    overdue = page.get_by_test_id("reminders-overdue")
    row = overdue.get_by_test_id(f"reminder-{reminder.pk}")
    expect(row).to_contain_text(patient.screening_number)
    expect(row).to_contain_text("Monthly serum pregnancy test")

    row.get_by_role("link", name="Complete").click()
    page.get_by_label("Negative").check()
    page.get_by_label("Blood drawn on").fill(site_today(site_a).isoformat())
    page.get_by_role("button", name="Record result").click()

    expect(page.get_by_role("alert")).to_contain_text("recorded for")
    expect(page.get_by_test_id(f"reminder-{reminder.pk}")).to_have_count(0)
    expect(page.get_by_test_id("reminders-overdue")).to_contain_text(patient.screening_number)  # month-1 check-in
    reminder.refresh_from_db()
    assert (reminder.status, reminder.pregnancy_test_result) == ("done", "negative")
