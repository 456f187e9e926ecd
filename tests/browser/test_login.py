"""A coordinator logs in through the browser and lands on the coordinator dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_logs_in_and_sees_the_coordinator_dashboard(page, log_in, coordinator_a, site_a):
    log_in(coordinator_a)
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Coordinator dashboard")
    expect(page.get_by_text(site_a.name)).to_be_visible()


def test_wrong_password_shows_a_message(page, coordinator_a):
    page.goto("/login/")
    page.get_by_label("Username").fill(coordinator_a.username)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
