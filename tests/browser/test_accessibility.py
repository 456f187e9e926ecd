"""axe-core (shipped inside axe-playwright-python) on the demo's pages, for each role and in both languages:
no critical or serious violation (contrast, names of form controls, table headers, ...)."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from patients.models import Patient
from tests.demo_setup import load_demo
from tests.factories import PASSWORD, create_totp_device, current_totp_code

SERIOUS = {"critical", "serious"}
# The screenshots the width test takes, to look at (a test artefact, not an assertion).
SHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots"

PAGES = {
    "coord.hefei": lambda: ["/dashboard/coordinator/", "/screening/log/",
                            *(f"/patients/{pk}/" for pk in _candidates(1)), "/patients/new/"],
    "inv.hangzhou": lambda: ["/dashboard/investigator/", *(f"/screening/patients/{pk}/signoff/" for pk in _candidates(2)[:3])],
    "monitor": lambda: ["/dashboard/monitor/", "/screening/records/to-verify/", "/audit/", "/validation/",
                        f"/patients/{_candidates(1)[0]}/",
                        *(f"/patients/{pk}/history/" for pk in _candidates(1)[:3])],
}


def _candidates(site_number: int) -> list[int]:
    return list(Patient.objects.filter(site__number=site_number).order_by("pk").values_list("pk", flat=True))


@pytest.fixture
def demo(settings, tmp_path, transactional_db):
    load_demo(settings, tmp_path)
    for user in get_user_model().objects.all():
        user.set_password(PASSWORD)
        user.save()


def sign_in(page, username: str) -> None:
    user = get_user_model().objects.get(username=username)
    device = create_totp_device(user) if username != "coord.hefei" else None
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    if device is not None:
        page.fill("input[name=token]", current_totp_code(device))
        page.click("main form button[type=submit]")


@pytest.mark.parametrize("username", list(PAGES))
def test_no_page_has_a_critical_or_serious_accessibility_violation(demo, browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    page.set_default_timeout(10_000)
    axe, found = Axe(), []
    try:
        page.goto("/login/")
        found += _serious(axe, page, "/login/")
        sign_in(page, username)
        for url in PAGES[username]():
            response = page.goto(url)
            assert response is not None and response.ok, url
            found += _serious(axe, page, url)
    finally:
        context.close()
    assert found == [], "\n".join(found)


def _serious(axe: Axe, page, url: str) -> list[str]:
    violations = axe.run(page).response["violations"]
    return [f"{url}: {v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['html'][:160]}"
            for v in violations if v["impact"] in SERIOUS]


@pytest.mark.parametrize("width", [390, 768])
def test_pages_fit_a_phone_and_a_tablet_without_sideways_scrolling(demo, browser, live_server, width):
    """A wide table scrolls inside its own box; the page itself never runs off the screen."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    too_wide = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for username in ("coord.hefei", "inv.hangzhou", "monitor"):
            page.context.clear_cookies()
            sign_in(page, username)
            for url in PAGES[username]()[:5]:
                page.goto(url)
                page.screenshot(path=str(SHOTS / f"{width}-{username}-{url.strip('/').replace('/', '-')}.png"),
                                full_page=True)
                scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                if scroll > inner:
                    too_wide.append(f"{url} at {width} px as {username}: {scroll} px wide")
    finally:
        context.close()
    assert too_wide == [], "\n".join(too_wide)
