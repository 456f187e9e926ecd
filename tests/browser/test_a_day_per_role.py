"""Each role's day, walked in the browser: the coordinator from registration to complete entry, the
investigator from the worklist to the signature, the monitor from verifying to closing a query. Every step
is looked at on a phone (390 px) and a desktop (1280 px): screenshots to read, and no page wider than the
screen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from patients.clock import site_today
from patients.models import Patient
from tests import factories
from tests.browser.steps import fill_registration, fill_signature
from tests.screening.records_setup import reference_ranges
from tests.screening.signoff_setup import correct_lab, enter_eligible
from trial.audit.review import query_answer
from trial.language import preference_set
from trial.models import DataQuery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.requirement("USE-01")]

SHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots" / "day"
WIDTHS = (390, 1280)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class Looker:
    """Looks at the page as it stands at each width: a full-page screenshot, and whether it runs off."""

    def __init__(self, page, role: str) -> None:
        self.page, self.role, self.steps, self.too_wide = page, role, 0, []
        SHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, step: str) -> None:
        self.steps += 1
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(SHOTS / f"{self.role}-{self.steps:02d}-{step}-{width}.png"), full_page=True)
            scroll, inner = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                self.too_wide.append(f"{self.role}, {step}, at {width} px: {scroll} px wide")
        self.page.set_viewport_size({"width": WIDTHS[-1], "height": 900})


def _open(panel, summary: str):
    """Open a panel's add form (fetched when first opened; a save may leave it open) and return the panel."""
    opener = panel.get_by_text(summary, exact=True)
    if not opener.locator("xpath=..").evaluate("details => details.open"):
        opener.click()
    return panel


def test_the_coordinators_day_from_registration_to_complete_entry(page, log_in, protocol_version, coordinator_a,
                                                                  site_a):
    today = site_today(site_a)
    factories.create_icf_version(site_a, coordinator_a, label="1.0", ethics_approved_on=dt.date(2024, 1, 10),
                                 effective_on=dt.date(2024, 2, 1))
    reference_ranges(site_a)
    preference_set(acting_user=coordinator_a, language="en")
    look = Looker(page, "coordinator")
    log_in(coordinator_a)
    look("dashboard")

    page.get_by_role("link", name="Register candidate").click()
    fill_registration(page, initials="LMH", born="1990-04-12", full_name="Lu Meihua", weight_kg="58")
    look("register")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_test_id("no-consent")).to_be_visible()
    patient = Patient.objects.get(initials="LMH")

    page.get_by_role("link", name="Record consent").click()
    page.locator('[name="icf_version"]').select_option(index=1)
    page.locator('[name="signed_on"]').fill((today - dt.timedelta(days=2)).isoformat())
    page.locator('[name="signed_time"]').fill("09:30")
    page.locator('[name="copy_given"][value="yes"]').check()
    look("consent")
    page.get_by_role("button", name="Save consent").click()
    expect(page.get_by_test_id("consent-history")).to_be_visible()
    look("consented")

    day = (today - dt.timedelta(days=1)).isoformat()
    labs = _open(page.get_by_test_id("panel-labs"), "Add the results of one draw")
    labs.locator("#id_draw_collected_on").fill(day)
    for test, value in [("creatinine", "70"), ("alt", "30"), ("ast", "28"), ("total_bilirubin", "12")]:
        labs.locator(f"#id_draw_{test}__value").fill(value)
    look("lab-draw")
    labs.get_by_role("button", name="Save the draw").click()
    expect(page.get_by_test_id("records-labs").locator("tr")).to_have_count(4)

    def add(kind: str, summary: str, fill) -> None:
        rows = page.get_by_test_id(f"records-{kind}").locator("tr")
        before = rows.count()
        panel = _open(page.get_by_test_id(f"panel-{kind}"), summary)
        fill(panel)
        panel.get_by_role("button", name="Save").click()
        expect(rows).to_have_count(before + 1)  # saved, and the panel shows it

    def serology(test: str, titer: str = "", pattern: str = ""):
        def fill(panel):
            panel.locator("#id_serology_test").select_option(test)
            panel.locator("input[name=result][value=positive]").check()
            if titer:
                panel.locator("#id_serology_titer").fill(titer)
                panel.locator("#id_serology_pattern").select_option(pattern)
            panel.locator("#id_serology_collected_on").fill(day)
        return fill

    add("serology", "Add: Serology", serology("ana", "640", "homogeneous"))
    add("serology", "Add: Serology", serology("anti_dsdna"))

    def echo(panel):
        panel.locator("#id_echo_lvef_percent").fill("62")
        panel.locator("#id_echo_performed_on").fill(day)

    def spo2(panel):
        panel.locator("#id_spo2_percent").fill("97")
        panel.locator("input[name=room_air][value=yes]").check()
        panel.locator("#id_spo2_measured_on").fill(day)

    def pregnancy(panel):
        panel.locator("input[name=specimen][value=serum]").check()
        panel.locator("input[name=result][value=negative]").check()
        panel.locator("#id_pregnancy_collected_on").fill(day)

    def sledai(panel):
        panel.locator("#id_sledai_assessed_on").fill(day)
        for descriptor in ("arthritis", "proteinuria", "low_complement", "increased_dna_binding"):
            panel.locator(f"#id_sledai_descriptors_{descriptor}").check()

    def eular(panel):
        panel.locator("#id_eular_assessed_on").fill(day)
        panel.locator("input[name=ana_ever_1_80_hep2][value=yes]").check()
        for criterion in ("joint_involvement", "proteinuria", "low_c3_and_low_c4", "anti_dsdna_or_anti_smith"):
            panel.locator(f"#id_eular_criteria_{criterion}").check()

    add("echo", "Add: Echocardiography", echo)
    add("spo2", "Add: SpO2", spo2)
    add("pregnancy", "Add: Pregnancy test", pregnancy)
    add("sledai", "Add: SLEDAI-2K", sledai)
    add("eular", "Add: 2019 EULAR/ACR classification", eular)
    for drug, started, stopped, dose in [("hydroxychloroquine", "2024-02-01", "", "400"),
                                         ("prednisone", "2024-02-01", "", "60"),
                                         ("mycophenolate", "2024-03-01", "2025-01-15", ""),
                                         ("tacrolimus", "2025-01-20", "", ""), ("belimumab", "2025-04-01", "", "")]:
        def treatment(panel, drug=drug, started=started, stopped=stopped, dose=dose):
            panel.locator("#id_treatments_drug").fill(drug)
            panel.locator("#id_treatments_started_on").fill(started)
            panel.locator("#id_treatments_stopped_on").fill(stopped)
            panel.locator("#id_treatments_dose_mg_per_day").fill(dose)
        add("treatments", "Add: Treatment history", treatment)
    expect(page.get_by_test_id("records-treatments").locator("tr")).to_have_count(5)
    look("entered")

    # The coordinator's part is done: what is left are the investigator's attestations.
    page.get_by_role("link", name="Coordinator").first.click()
    expect(page.get_by_test_id(f"work-state-{patient.pk}")).to_have_text("Criteria to decide")
    look("dashboard-after")
    assert look.too_wide == [], "\n".join(look.too_wide)


def test_the_investigators_day_from_the_worklist_to_the_signature(page, log_in, protocol_version, coordinator_a,
                                                                 investigator_a, patient_a):
    enter_eligible(patient_a, coordinator_a, investigator_a, attest=False)  # the coordinator's part is done
    preference_set(acting_user=investigator_a, language="en")
    look = Looker(page, "investigator")
    log_in(investigator_a)
    row = page.get_by_test_id(f"worklist-{patient_a.pk}")
    expect(row).to_contain_text("Criteria to decide")
    look("dashboard")

    row.get_by_role("link", name=patient_a.screening_number).click()
    expect(page.get_by_test_id("signing-problems")).to_be_visible()
    look("sign-page-open-attestations")
    page.get_by_test_id("answer-attestations").click()

    together = page.get_by_test_id("form-attestations-together")
    for question, answer in [("no_serious_mental_disorder", "yes"), ("apheresis_suitable", "yes"),
                             ("contraception_agreed", "yes"), ("no_gamete_donation_agreed", "yes"),
                             ("intolerant_to_conventional_therapy", "no"), ("liver_involvement", "no")]:
        together.locator(f"input[name={question}][value={answer}]").check()
    together.locator("#id_together_contraception_method").select_option("iud")
    look("attestations")
    together.get_by_role("button", name="Save the answers").click()
    expect(page.get_by_test_id("attestation-apheresis_suitable")).to_contain_text("yes")
    expect(page.get_by_test_id("form-attestations-together")).to_have_count(0)  # nothing left open

    page.get_by_test_id("review-and-sign").click()
    expect(page.get_by_test_id("signoff-overall")).to_have_attribute("data-status", "eligible")
    fill_signature(page, investigator_a, "Inv_A Tester")
    look("sign")
    page.get_by_test_id("sign-button").click()
    expect(page.get_by_test_id("signature-status")).to_have_attribute("data-status", "valid")
    look("signed")

    page.get_by_role("link", name="Investigator").first.click()
    expect(page.get_by_test_id("worklist-empty")).to_be_visible()
    look("dashboard-after")
    assert look.too_wide == [], "\n".join(look.too_wide)


def test_the_monitors_day_verify_query_and_close(page, log_in, protocol_version, coordinator_a, investigator_a,
                                                monitor_a, patient_a):
    records = enter_eligible(patient_a, coordinator_a, investigator_a)
    creatinine = records["creatinine"]
    preference_set(acting_user=monitor_a, language="en")
    look = Looker(page, "monitor")
    log_in(monitor_a)
    look("dashboard")
    page.get_by_role("link", name=patient_a.screening_number).first.click()
    expect(page.get_by_test_id("patient-title")).to_contain_text(patient_a.screening_number)
    look("candidate")

    # Source data verified from where the record is shown.
    page.get_by_test_id(f"verify-labs-{creatinine.pk}").click()
    expect(page.get_by_test_id(f"sdv-labs-{creatinine.pk}")).to_have_text("verified")
    look("verified")

    # A query on the value, raised from the record's row.
    row = page.get_by_test_id(f"record-labs-{creatinine.pk}")
    row.get_by_text("Raise a query").click()
    row.get_by_label("Field").select_option("value")
    row.get_by_label("Question").fill("The source shows 79 µmol/L; please check the value entered.")
    look("query-form")
    row.get_by_role("button", name="Raise query").click()
    expect(page.get_by_text("Query raised.")).to_be_visible()

    # The site answers and corrects the value; the verification no longer holds.
    query = DataQuery.objects.get(patient=patient_a)
    query_answer(acting_user=coordinator_a, query=query, answer="Corrected to 79: the 70 was a typing error.")
    correct_lab(creatinine, coordinator_a, "79", reason="typing error, see query")
    page.reload()
    expect(page.get_by_test_id(f"sdv-labs-{creatinine.pk}")).to_have_text("changed since verified")
    look("changed-since-verified")

    page.goto(f"/patients/{patient_a.pk}/history/")
    open_query = page.get_by_test_id("open-query")
    expect(open_query).to_contain_text("Corrected to 79")
    look("answered-query")
    open_query.get_by_role("button", name="Close query").click()
    expect(page.get_by_text("Query closed.")).to_be_visible()
    expect(page.get_by_test_id("closed-query")).to_contain_text("The source shows 79")
    look("closed-query")
    assert look.too_wide == [], "\n".join(look.too_wide)
