"""Two trials at one hospital, set up without a shell: the sponsor admin uploads a second trial's protocol
and gives the Hefei hospital a site in it; the coordinator registers a candidate there and enters that
trial's data through the forms its catalogue generates; the investigator answers its questions and signs
"eligible". MC-1-50's candidate page at the same hospital is unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from patients.clock import site_today
from screening.consent.services import icf_version_add
from tests.factories import PASSWORD, current_totp_code
from tests.screening.records_setup import reference_ranges
from trial.models import Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECOND_TRIAL = Path(__file__).resolve().parents[1] / "data" / "second-trial.toml"
PDF = b"%PDF-1.7\n% informed consent form\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_second_trial_loaded_in_the_admin_runs_beside_mc_1_50_up_to_a_signature(
    browser, live_server, log_in, page, protocol_version, sponsor_admin, coordinator_a, investigator_a, site_a,
    patient_a,
):
    reference_ranges(site_a)  # the hospital's laboratory: creatinine ULN 84 umol/L, set up for MC-1-50
    mc_1_50_page = f"/patients/{patient_a.pk}/"

    # -- the sponsor admin: the protocol file, then the hospital's site in the new trial and its staff --
    log_in(sponsor_admin)
    page.goto("/admin/trial/protocolversion/")
    page.get_by_role("link", name="Upload a protocol file").click()
    page.locator('[name="file"]').set_input_files(str(SECOND_TRIAL))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("protocol-summary")).to_contain_text("DEMO-LN-2 version 1.0")
    expect(page.get_by_test_id("protocol-diff")).to_contain_text("inclusion A3")
    page.locator('[name="reason"]').fill("second trial approved by the ethics committee")
    page.get_by_role("button", name="Activate this version").click()
    expect(page.locator(".messagelist")).to_contain_text("is stored and takes effect on 2025-06-01")

    page.goto("/admin/trial/site/add/")
    page.locator('[name="trial"]').select_option(label="DEMO-LN-2")
    page.locator('[name="hospital"]').select_option(label="Anhui Provincial Hospital, Hefei")
    page.locator('[name="number"]').fill("3")
    page.get_by_role("button", name="Save", exact=True).click()
    new_site = Site.objects.get(trial__code="DEMO-LN-2")
    page.locator(f'input[name="_selected_action"][value="{new_site.pk}"]').check()
    page.locator('[name="action"]').select_option("delegate_hospital_staff")
    page.locator('button[name="index"]').click()  # the action bar's "Go"
    expect(page.locator(".messagelist")).to_contain_text("2 role(s) added")

    today = site_today(new_site)
    icf_version_add(
        acting_user=coordinator_a, site=new_site, language="en", label="1.0",
        ethics_approved_on=today - dt.timedelta(days=60), effective_on=today - dt.timedelta(days=30),
        pdf=SimpleUploadedFile("icf.pdf", PDF),
    )

    # -- the coordinator: register, consent, and the generated panels --
    coordinator = browser.new_context(base_url=live_server.url).new_page()
    coordinator.set_default_timeout(10_000)
    _log_in(coordinator, coordinator_a)
    coordinator.goto("/patients/new/")
    coordinator.locator('[name="site"]').select_option(label="DEMO-LN-2 · 03 Anhui Provincial Hospital")
    coordinator.locator('[name="initials"]').fill("lhm")
    coordinator.locator('[name="date_of_birth"]').fill("1979-02-11")
    coordinator.locator('[name="sex"][value="female"]').check()
    coordinator.locator('[name="weight_kg"]').fill("57")
    coordinator.locator('[name="childbearing_potential"][value="no"]').check()
    coordinator.locator('[name="non_childbearing_reason"]').select_option("postmenopausal")
    coordinator.locator('[name="gilbert_syndrome"][value="no"]').check()
    coordinator.get_by_role("button", name="Register").click()
    expect(coordinator.get_by_test_id("patient-title")).to_contain_text("03-0001")
    candidate_url = coordinator.url

    coordinator.get_by_role("link", name="Record consent").click()
    coordinator.locator('[name="icf_version"]').select_option(index=1)
    coordinator.locator('[name="signed_on"]').fill((today - dt.timedelta(days=5)).isoformat())
    coordinator.locator('[name="signed_time"]').fill("10:00")
    coordinator.locator('[name="copy_given"][value="yes"]').check()
    coordinator.get_by_role("button", name="Save consent").click()
    coordinator.goto(candidate_url)

    # Only the panels this trial's catalogue needs: no echocardiography, SLEDAI-2K or treatment history.
    for absent in ("echo", "sledai", "eular", "treatments", "spo2"):
        expect(coordinator.get_by_test_id(f"panel-{absent}")).to_have_count(0)
    expect(coordinator.get_by_test_id("status-A3")).to_have_attribute("data-status", "missing")

    # The draw form: the hospital's creatinine range (set up for MC-1-50) is filled in for this trial too.
    labs = coordinator.get_by_test_id("panel-labs")
    labs.get_by_text("Add the results of one draw").click()
    expect(labs.locator("#id_draw_creatinine__reference_high")).to_have_value("84.000")
    labs.locator("#id_draw_collected_on").fill((today - dt.timedelta(days=2)).isoformat())
    labs.locator("#id_draw_creatinine__value").fill("96")
    labs.get_by_role("button", name="Save the draw").click()
    expect(coordinator.get_by_test_id("status-A3")).to_have_attribute("data-status", "met")  # 1.14 x ULN 84

    serology = coordinator.get_by_test_id("panel-serology")
    serology.locator("summary").click()
    serology.locator("#id_serology_test").select_option("hbsag")
    serology.locator('[name="result"][value="negative"]').check()
    serology.locator("#id_serology_collected_on").fill((today - dt.timedelta(days=2)).isoformat())
    serology.get_by_role("button", name="Save").click()
    # An exclusion is "met" when the candidate is not excluded: HBsAg negative.
    expect(coordinator.get_by_test_id("status-B1")).to_have_attribute("data-status", "met")

    # -- the investigator: the trial's own questions, then the signature --
    inv = browser.new_context(base_url=live_server.url).new_page()
    inv.set_default_timeout(10_000)
    _log_in(inv, investigator_a)
    inv.goto(candidate_url)
    for question, answer in (("biopsy_proven_nephritis", "yes"), ("dialysis_needed", "no")):
        panel = inv.get_by_test_id("panel-attestations")
        form = panel.locator("details", has=inv.get_by_text("Record an attestation"))
        if not form.evaluate("details => details.open"):  # the panel comes back open after a save
            panel.get_by_text("Record an attestation").click()
        panel.locator("#id_attestation_question").select_option(question)
        panel.locator(f'[name="answer"][value="{answer}"]').check()
        panel.get_by_role("button", name="Record").click()
        expect(inv.get_by_test_id(f"attestation-{question}")).to_be_visible()
        inv.wait_for_load_state("networkidle")  # the checklist's refresh after the change, before the next one
    expect(inv.get_by_test_id("status-A4")).to_have_attribute("data-status", "met")

    inv.get_by_test_id("review-and-sign").click()
    expect(inv.get_by_test_id("signoff-overall")).to_have_attribute("data-status", "eligible")
    device = TOTPDevice.objects.get(user=investigator_a)
    device.last_t = -1  # the login's code was used in this same time step
    device.save(update_fields=["last_t"])
    inv.locator("#id_printed_name").fill(investigator_a.get_full_name())
    inv.locator("#id_password").fill(PASSWORD)
    inv.locator("#id_otp_token").fill(current_totp_code(device))
    inv.get_by_test_id("sign-button").click()
    expect(inv.get_by_test_id("signature-status")).to_have_attribute("data-status", "valid")
    expect(inv.get_by_test_id("patient-status")).to_have_text("Signed eligible")

    # -- MC-1-50 at the same hospital: its own criteria and panels, as before --
    inv.goto(mc_1_50_page)
    expect(inv.get_by_test_id("criterion-I06b")).to_be_visible()
    for present in ("echo", "sledai", "eular", "treatments"):
        expect(inv.get_by_test_id(f"panel-{present}")).to_have_count(1)
    expect(inv.get_by_test_id("criterion-A3")).to_have_count(0)


def _log_in(page, user) -> None:
    """The login form (and second factor) on another page than the fixture's."""
    from tests.factories import create_totp_device
    from trial.two_factor import requires_two_factor

    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first() or create_totp_device(user)
              ) if requires_two_factor(user) else None
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if device is not None:
        device.last_t = -1
        device.save(update_fields=["last_t"])
        page.get_by_label("Authentication code").fill(current_totp_code(device))
        page.get_by_role("button", name="Verify").click()
