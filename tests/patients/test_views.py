"""Candidate pages: registration, the candidate page, corrections; each role and the other site."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from patients import services
from patients.clock import site_today
from patients.models import Patient
from screening.consent.services import patient_withdraw
from tests import factories

FORM = {
    "initials": "wmy", "date_of_birth": "1988-07-02", "sex": "female", "weight_kg": "61.5",
    "childbearing_potential": "yes", "non_childbearing_reason": "", "gilbert_syndrome": "no",
    "full_name": "Wang Meiying", "hospital_record_number": "H-2231",
}


def post_registration(client, site, **changes):
    return client.post(reverse("patient_register"), {**FORM, "site": site.pk, **changes})


def test_coordinator_registers_a_candidate(client_of, coordinator_a, site_a):
    response = post_registration(client_of(coordinator_a), site_a)
    patient = Patient.objects.get()
    assert response.status_code == 302 and response.url == reverse("patient_detail", args=[patient.pk])
    assert (patient.screening_number, patient.initials, patient.weight_kg) == ("01-0001", "WMY", Decimal("61.5"))
    assert patient.registered_by == coordinator_a


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_of_birth": "2099-01-01"}, "is in the future"),
        ({"date_of_birth": "2999-01-01"}, "between 1900-01-01 and 2100-12-31"),
        ({"date_of_birth": "1901-01-01"}, "age over 120 years"),
        ({"date_of_birth": "1890-01-01"}, "between 1900-01-01 and 2100-12-31"),
        ({"weight_kg": "12"}, "outside 20-350 kg"),
        ({"weight_kg": "351"}, "outside 20-350 kg"),
        ({"weight_kg": "heavy"}, "Enter a number"),
        ({"childbearing_potential": "no"}, "Say why she is not of childbearing potential"),
        ({"sex": "male"}, "choose No for men"),
        ({"initials": "W1"}, "2 to 4 letters"),
    ],
)
def test_bad_registration_input_gets_a_form_message(client_of, coordinator_a, site_a, changes, message):
    response = post_registration(client_of(coordinator_a), site_a, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Patient.objects.exists()


def test_possible_duplicate_is_shown_and_needs_the_confirm_box(client_of, coordinator_a, site_a):
    existing = factories.create_patient(site_a, registered_by=coordinator_a, initials="WMY",
                                        date_of_birth=dt.date(1988, 7, 2))
    client = client_of(coordinator_a)
    response = post_registration(client, site_a)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Possible duplicate" in page and existing.screening_number in page
    assert 'name="confirm_duplicate"' in page
    assert Patient.objects.count() == 1
    response = post_registration(client, site_a, confirm_duplicate="on")
    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_coordinator_cannot_register_at_another_site(client_of, coordinator_b, site_a):
    response = post_registration(client_of(coordinator_b), site_a)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Patient.objects.exists()


@pytest.mark.parametrize("who", ["monitor_a", "investigator_a"])
def test_registration_is_for_coordinators(request, client_of, site_a, who):
    client = client_of(request.getfixturevalue(who))
    assert client.get(reverse("patient_register")).status_code == 403
    assert post_registration(client, site_a).status_code == 403
    assert not Patient.objects.exists()


def test_anonymous_registration_goes_to_login(client, site_a):
    response = post_registration(client, site_a)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# The candidate page

@pytest.mark.parametrize(("who", "sees_identifiers"), [
    ("coordinator_a", True), ("investigator_a", True), ("monitor_a", False),
])
def test_identifiers_only_for_clinical_staff_of_the_site(request, client_of, site_a, coordinator_a, who,
                                                         sees_identifiers):
    patient = factories.create_patient(site_a, registered_by=coordinator_a, full_name="Wang Meiying",
                                       hospital_record_number="H-2231")
    page = client_of(request.getfixturevalue(who)).get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert patient.screening_number in page
    assert ("Wang Meiying" in page) is sees_identifiers
    assert ("H-2231" in page) is sees_identifiers


def test_other_site_coordinator_gets_404(client_of, coordinator_b, patient_a):
    assert client_of(coordinator_b).get(reverse("patient_detail", args=[patient_a.pk])).status_code == 404


def test_candidate_page_shows_consents_timeline_and_history_link(
    client_of, coordinator_a, patient_a, site_a, django_assert_max_num_queries
):
    version = factories.create_icf_version(site_a, coordinator_a, label="1.0")
    factories.create_consent(patient_a, version, coordinator_a, signer="guardian", guardian_name="Li Hua",
                             guardian_relationship="mother", signed_on=dt.date(2024, 3, 1))
    client = client_of(coordinator_a)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("patient_detail", args=[patient_a.pk]))
    page = response.content.decode()
    assert "Guardian: Li Hua (mother)" in page
    assert "Consent on ICF 1.0 (en) signed by a guardian (mother)" in page  # the timeline
    assert f"Registered as {patient_a.screening_number}" in page
    assert reverse("patient_history", args=[patient_a.pk]) in page
    assert reverse("consent_record", args=[patient_a.pk]) in page


def test_candidate_page_flags_re_consent(client_of, coordinator_a, patient_a, site_a):
    old = factories.create_icf_version(site_a, coordinator_a, label="1.0", superseded_on=dt.date(2024, 6, 1))
    factories.create_icf_version(site_a, coordinator_a, label="2.0", effective_on=dt.date(2024, 6, 1))
    factories.create_consent(patient_a, old, coordinator_a)
    page = client_of(coordinator_a).get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    assert "Re-consent needed" in page and "ICF 1.0 was superseded on 2024-06-01" in page


def test_withdrawn_candidate_page_offers_no_data_entry(client_of, coordinator_a, patient_a):
    patient_withdraw(acting_user=coordinator_a, patient=patient_a, withdrawn_on=site_today(patient_a.site),
                     reason="moved away")
    page = client_of(coordinator_a).get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    assert "no further data entry" in page
    assert reverse("consent_record", args=[patient_a.pk]) not in page
    assert "Withdrawn: moved away" in page


def test_monitor_sees_no_data_entry_buttons_and_no_names(client_of, monitor_a, coordinator_a, patient_a, site_a):
    version = factories.create_icf_version(site_a, coordinator_a)
    factories.create_consent(patient_a, version, coordinator_a, signer="guardian", guardian_name="Li Hua",
                             guardian_relationship="mother", subject_can_read=False, witness_name="Zhao Min")
    page = client_of(monitor_a).get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    assert reverse("patient_edit", args=[patient_a.pk]) not in page
    assert "Guardian: (mother)" in page
    assert "Li Hua" not in page and "Zhao Min" not in page


# Corrections

def correction(patient, **changes):
    return {**FORM, "initials": patient.initials, "date_of_birth": patient.date_of_birth.isoformat(),
            "weight_kg": str(patient.weight_kg), "version": patient.version, "reason": "re-weighed", **changes}


def test_correction_asks_for_a_reason(client_of, coordinator_a, patient_a):
    client = client_of(coordinator_a)
    url = reverse("patient_edit", args=[patient_a.pk])
    assert 'name="reason"' in client.get(url).content.decode()
    response = client.post(url, correction(patient_a, reason="", weight_kg="70"))
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(url, correction(patient_a, weight_kg="70"))
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.weight_kg == Decimal("70.0") and patient_a.version == 2
    event = patient_a.pgh_event_models["insert"].objects.filter(pgh_obj_id=patient_a.pk).last()
    assert event.pgh_context.metadata["reason"] == "re-weighed"


def test_stale_correction_shows_the_other_change(client_of, coordinator_a, patient_a, site_a):
    colleague = factories.create_staff("coord_a2", "coordinator", site_a)
    form = correction(patient_a, initials="XYZ")
    services.patient_update(acting_user=colleague, patient=patient_a, version=1, reason="typo",
                            weight_kg=Decimal("62.0"))
    response = client_of(coordinator_a).post(reverse("patient_edit", args=[patient_a.pk]), form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "changed by someone else meanwhile" in page and "58.0 → 62.0" in page
    assert 'name="version" value="2"' in page  # saving again is a decision made knowing the other change
    patient_a.refresh_from_db()
    assert patient_a.initials == "ABC"


@pytest.mark.parametrize(("who", "status"), [("monitor_a", 403), ("investigator_a", 403), ("coordinator_b", 404)])
def test_correction_scoping(request, client_of, patient_a, who, status):
    client = client_of(request.getfixturevalue(who))
    url = reverse("patient_edit", args=[patient_a.pk])
    assert client.get(url).status_code == status
    assert client.post(url, correction(patient_a, weight_kg="70")).status_code == status
    patient_a.refresh_from_db()
    assert patient_a.weight_kg == Decimal("58.0")


# Dashboard

def test_coordinator_dashboard_links_registration_and_candidates(client_of, coordinator_a, patient_a, site_a):
    old = factories.create_icf_version(site_a, coordinator_a, label="1.0", superseded_on=dt.date(2024, 6, 1))
    factories.create_icf_version(site_a, coordinator_a, label="2.0", effective_on=dt.date(2024, 6, 1))
    factories.create_consent(patient_a, old, coordinator_a)
    page = client_of(coordinator_a).get(reverse("dashboard_coordinator")).content.decode()
    assert reverse("patient_register") in page
    assert reverse("patient_detail", args=[patient_a.pk]) in page
    assert 'data-testid="reconsent-count">1<' in page
