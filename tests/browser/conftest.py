"""Playwright driving Debian's chromium, headless, against pytest-django's live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures in that
# thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium).")
    from playwright.sync_api import expect, sync_playwright

    # An assertion waits as long as an action does (10 s, the pages' default below), not Playwright's 5 s: on
    # a two-core machine running two test workers and chromium, a save was once seen to take longer than 5 s
    # to show. How fast pages are is measured by `make bench`, not here.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def log_in(page):
    """``log_in(user)``: sign in through the real login form, and the second factor where required."""
    from tests.factories import PASSWORD, create_totp_device, current_totp_code
    from trial.two_factor import requires_two_factor

    def sign_in(user) -> None:
        device = create_totp_device(user) if requires_two_factor(user) else None
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        if device is not None:
            page.get_by_label("Authentication code").fill(current_totp_code(device))
            page.get_by_role("button", name="Verify").click()

    return sign_in
