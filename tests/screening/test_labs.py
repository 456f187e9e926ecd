"""Entering laboratory results: units kept as entered, reference ranges copied from the site, H/L flags,
plausibility and date refusals, corrections with a reason and a version check, "entered in error"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from patients.clock import site_today
from screening.consent.services import patient_withdraw
from screening.models import LabResult, RecordStatus, ReferenceRange
from screening.records import services
from tests.screening.records_setup import reference_ranges

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("DAT-01")]


def days_ago(site, days):
    return site_today(site) - dt.timedelta(days=days)



def new_url(patient):
    return reverse("screening_record_new", args=[patient.pk, "labs"])


def lab_form(patient, **changes):
    return {"test": "creatinine", "value": "70", "unit": "umol/L", "reference_low": "", "reference_high": "",
            "collected_on": days_ago(patient.site, 2).isoformat(), **changes}


def test_value_and_unit_are_kept_as_entered_and_converted_with_the_protocol_factor(client_of, coordinator_a,
                                                                                   consented):
    response = client_of(coordinator_a).post(new_url(consented), lab_form(consented, value="1.5", unit="mg/dL"))
    assert response.status_code == 302
    lab = LabResult.objects.get()
    assert (lab.value, lab.unit) == (Decimal("1.500"), "mg/dL")
    assert (lab.value_canonical, lab.canonical_unit) == (Decimal("132.6000"), "umol/L")
    # The site's default range (45-84 umol/L) is copied in the entered unit.
    assert (lab.reference_low, lab.reference_high) == (Decimal("0.509"), Decimal("0.950"))
    assert lab.flag == "H"
    assert lab.entered_by == coordinator_a


def test_reference_range_entered_on_the_result_wins_over_the_site_default(client_of, coordinator_a, consented):
    client_of(coordinator_a).post(new_url(consented),
                                  lab_form(consented, reference_low="50", reference_high="100"))
    lab = LabResult.objects.get()
    assert (lab.reference_low, lab.reference_high) == (Decimal("50"), Decimal("100"))


def test_flags_show_on_the_candidate_page(client_of, coordinator_a, consented):
    client = client_of(coordinator_a)
    client.post(new_url(consented), lab_form(consented, value="130"))
    client.post(new_url(consented), lab_form(consented, test="alt", value="3", unit="U/L"))
    html = client.get(reverse("patient_detail", args=[consented.pk])).content.decode()
    panel = html[html.index('id="panel-labs"'):html.index('id="panel-serology"')]
    assert panel.count('data-testid="flag">H<') == 1
    assert panel.count('data-testid="flag">L<') == 1


def test_the_add_form_is_fetched_when_opened_not_with_the_candidate_page(client_of, coordinator_a, consented):
    client = client_of(coordinator_a)
    html = client.get(reverse("patient_detail", args=[consented.pk])).content.decode()
    panel = html[html.index('id="panel-labs"'):html.index('id="panel-serology"')]
    assert 'data-testid="form-labs"' not in panel
    assert f'hx-get="{new_url(consented)}"' in panel and 'hx-trigger="toggle once from:closest details"' in panel
    fetched = client.get(new_url(consented), headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="form-labs"' in fetched and 'name="value"' in fetched


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"value": "abc"}, "value", "Enter a number."),
        ({"value": ""}, "value", "This field is required."),
        ({"value": "2500"}, "value", "outside the plausible range 10-2000 umol/L"),
        ({"value": "30", "unit": "mg/dL"}, "value", "(0.113-22.624 mg/dL)"),
        ({"value": "-3"}, "value", "greater than 0"),
        ({"test": "alt", "unit": "mg/dL"}, "unit", "mg/dL is not accepted for ALT; use U/L."),
        ({"unit": "mmol/L"}, "unit", "Select a valid choice."),
        ({"collected_on": "2099-01-01"}, "collected_on", "is in the future"),
        ({"collected_on": "2999-01-01"}, "collected_on", "between 1900-01-01 and 2100-12-31"),
        ({"collected_on": "yesterday"}, "collected_on", "Enter a valid date."),
        ({"reference_low": "90", "reference_high": "84"}, "reference_low", "must be below the high"),
    ],
)
def test_bad_input_gets_a_clear_form_error_and_nothing_is_saved(client_of, coordinator_a, consented, changes,
                                                                 field, message):
    response = client_of(coordinator_a).post(new_url(consented), lab_form(consented, **changes))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert LabResult.objects.count() == 0


def test_a_lab_dated_before_consent_is_refused_naming_the_consent_date(client_of, coordinator_a, consented):
    consent_date = days_ago(consented.site, 10)
    early = days_ago(consented.site, 11)
    response = client_of(coordinator_a).post(new_url(consented), lab_form(consented, collected_on=early.isoformat()))
    assert response.context["form"].errors["collected_on"] == [
        f"{early.isoformat()} is before consent signed on {consent_date.isoformat()}."
    ]
    assert LabResult.objects.count() == 0


def test_without_a_default_range_the_form_asks_for_one(client_of, coordinator_a, consented):
    ReferenceRange.objects.filter(test="ast").delete()
    response = client_of(coordinator_a).post(new_url(consented), lab_form(consented, test="ast", unit="U/L"))
    assert "no default reference range for AST (female)" in response.context["form"].errors["reference_high"][0]


def test_no_entry_for_a_withdrawn_candidate(client_of, coordinator_a, consented):
    patient_withdraw(acting_user=coordinator_a, patient=consented, withdrawn_on=days_ago(consented.site, 1),
                     reason="moved away")
    response = client_of(coordinator_a).post(new_url(consented), lab_form(consented))
    assert "no further data entry" in response.content.decode()
    assert LabResult.objects.count() == 0


def test_no_entry_before_consent(client_of, coordinator_a, protocol_version, patient_a):
    reference_ranges(patient_a.site)
    response = client_of(coordinator_a).post(new_url(patient_a), lab_form(patient_a))
    assert "No consent recorded" in response.content.decode()
    assert LabResult.objects.count() == 0


def test_only_coordinators_of_the_site_enter_labs(client_of, coordinator_b, monitor_a, investigator_a, consented):
    assert client_of(coordinator_b).post(new_url(consented), lab_form(consented)).status_code == 404
    assert client_of(monitor_a).post(new_url(consented), lab_form(consented)).status_code == 403
    assert client_of(investigator_a).post(new_url(consented), lab_form(consented)).status_code == 403
    assert LabResult.objects.count() == 0


# Corrections


def saved_lab(patient, user, **values):
    return services.screening_record_create(acting_user=user, kind="labs", patient=patient, values={
        "test": "creatinine", "value": Decimal("70"), "unit": "umol/L", "reference_low": None,
        "reference_high": None, "collected_on": days_ago(patient.site, 2), **values,
    })


def edit_url(lab):
    return reverse("screening_record_edit", args=["labs", lab.pk])


def test_a_correction_needs_a_reason(client_of, coordinator_a, consented):
    lab = saved_lab(consented, coordinator_a)
    data = {**lab_form(consented, value="75", reference_low="45", reference_high="84"), "version": lab.version,
            "reason": ""}
    response = client_of(coordinator_a).post(edit_url(lab), data)
    assert response.context["form"].errors["reason"] == ["This field is required."]
    lab.refresh_from_db()
    assert lab.value == Decimal("70")


def test_a_correction_is_saved_with_its_reason_in_the_audit_trail(client_of, coordinator_a, consented):
    lab = saved_lab(consented, coordinator_a)
    data = {**lab_form(consented, value="75", reference_low="45", reference_high="84"), "version": lab.version,
            "reason": "transcription error"}
    assert client_of(coordinator_a).post(edit_url(lab), data).status_code == 302
    lab.refresh_from_db()
    assert (lab.value, lab.value_canonical, lab.version) == (Decimal("75"), Decimal("75"), 2)
    event = lab.events.order_by("-pgh_id").first()
    assert event.pgh_context.metadata["reason"] == "transcription error"


def test_a_stale_correction_shows_the_other_change_and_loses_nothing(client_of, coordinator_a, consented):
    lab = saved_lab(consented, coordinator_a)
    opened_at = lab.version
    services.screening_record_update(acting_user=coordinator_a, record=lab, version=opened_at, reason="recheck",
                                     values={**{f: getattr(lab, f) for f in ("test", "unit", "reference_low",
                                                                             "reference_high", "collected_on")},
                                             "value": Decimal("80")})
    data = {**lab_form(consented, value="75", reference_low="45", reference_high="84"), "version": opened_at,
            "reason": "my fix"}
    response = client_of(coordinator_a).post(edit_url(lab), data)
    assert response.status_code == 200
    message = " ".join(response.context["form"].non_field_errors())
    assert "changed by someone else meanwhile" in message and "80" in message
    lab.refresh_from_db()
    assert lab.value == Decimal("80")  # the other change is not overwritten


def test_entered_in_error_keeps_the_row_and_leaves_the_facts(client_of, coordinator_a, consented):
    lab = saved_lab(consented, coordinator_a)
    url = reverse("screening_record_mark_in_error", args=["labs", lab.pk])
    client = client_of(coordinator_a)
    response = client.post(url, {"version": lab.version, "reason": ""})
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert client.post(url, {"version": lab.version, "reason": "other patient's sample"}).status_code == 302
    lab.refresh_from_db()
    assert (lab.status, lab.error_reason) == (RecordStatus.ENTERED_IN_ERROR, "other patient's sample")
    html = client.get(reverse("eligibility_checklist", args=[consented.pk])).content.decode()
    assert 'data-testid="status-I06b" data-status="missing"' in html


def test_coordinator_edits_site_reference_ranges_with_a_reason(client_of, coordinator_a, consented):
    reference = ReferenceRange.objects.get(test="creatinine", sex="female")
    client = client_of(coordinator_a)
    url = reverse("reference_range_edit", args=[reference.pk])
    data = {"low": "44", "high": "90", "unit": "umol/L", "version": reference.version, "reason": ""}
    assert client.post(url, data).context["form"].errors["reason"] == ["This field is required."]
    assert client.post(url, {**data, "reason": "new analyser"}).status_code == 302
    reference.refresh_from_db()
    assert (reference.low, reference.high) == (Decimal("44"), Decimal("90"))
    # Results entered before keep the range they were judged with; new ones get the new default.
    assert "90" in client.get(reverse("reference_ranges")).content.decode()


def test_reference_range_with_an_implausible_uln_is_refused(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(reverse("reference_ranges"), {
        "site": consented.site.pk, "test": "creatinine", "sex": "male", "low": "", "high": "8400",
        "unit": "umol/L",
    })
    assert "outside the plausible range" in response.context["form"].errors["high"][0]


def test_sponsor_admin_sets_a_reference_range_in_the_admin(client_of, sponsor_admin, consented):
    client = client_of(sponsor_admin)
    response = client.post(reverse("admin:screening_referencerange_add"), {
        "site": consented.site.pk, "test": "creatinine", "sex": "male", "low": "59", "high": "104", "unit": "umol/L",
    })
    assert response.status_code == 302
    reference = ReferenceRange.objects.get(sex="male", test="creatinine")
    change = reverse("admin:screening_referencerange_change", args=[reference.pk])
    response = client.post(change, {"low": "59", "high": "9999", "unit": "umol/L", "reason": "typo"})
    assert "outside the plausible range" in response.content.decode()
    response = client.post(change, {"low": "60", "high": "110", "unit": "umol/L", "reason": ""})
    assert "Give the reason for the change." in response.content.decode()
    assert client.post(change, {"low": "60", "high": "110", "unit": "umol/L", "reason": "new analyser"}).status_code == 302
    reference.refresh_from_db()
    assert (reference.low, reference.high) == (Decimal("60"), Decimal("110"))
