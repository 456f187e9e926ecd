"""Consent pages: each role and the other site's coordinator; bad input gets form messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from patients.clock import site_today
from patients.models import PatientStatus
from screening.consent import services
from screening.models import Consent, ICFVersion, Withdrawal
from tests import factories

PDF = b"%PDF-1.4\nthe form\n%%EOF\n"


@pytest.fixture
def icf(site_a, coordinator_a):
    return services.icf_version_add(
        acting_user=coordinator_a, site=site_a, language="en", label="1.0",
        ethics_approved_on=site_today(site_a) - dt.timedelta(days=120),
        effective_on=site_today(site_a) - dt.timedelta(days=100),
        pdf=SimpleUploadedFile("icf.pdf", PDF),
    )


def consent_form(icf, user, on, **changes):
    return {"icf_version": icf.pk, "signer": "patient", "guardian_name": "", "guardian_relationship": "",
            "signed_on": on.isoformat(), "signed_time": "00:00", "obtained_by": user.pk,
            "subject_can_read": "yes", "witness_name": "", "copy_given": "yes", **changes}


def days_ago(site, days):
    return site_today(site) - dt.timedelta(days=days)


# Consent

def test_coordinator_records_consent(client_of, coordinator_a, patient_a, icf):
    client = client_of(coordinator_a)
    url = reverse("consent_record", args=[patient_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, consent_form(icf, coordinator_a, days_ago(patient_a.site, 2)))
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.patient, consent.signed_on, consent.copy_given) == (patient_a, days_ago(patient_a.site, 2), True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"signed_on": "2099-01-01"}, "in the future"),
        ({"signed_on": "2999-01-01"}, "between 1900-01-01 and 2100-12-31"),
        ({"signed_on": "2000-01-01"}, "approved by the ethics committee on"),
        ({"signer": "guardian"}, "Give the guardian&#x27;s name."),
        ({"subject_can_read": "no"}, "An impartial witness is required"),
        ({"signed_time": "25:99"}, "Enter a valid time"),
        ({"copy_given": ""}, "This field is required"),
    ],
)
def test_bad_consent_input_gets_a_form_message(client_of, coordinator_a, patient_a, icf, changes, message):
    response = client_of(coordinator_a).post(
        reverse("consent_record", args=[patient_a.pk]), consent_form(icf, coordinator_a, days_ago(icf.site, 1),
                                                                      **changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Consent.objects.exists()


def test_version_of_another_site_cannot_be_chosen(client_of, coordinator_a, coordinator_b, patient_a, site_b):
    other = factories.create_icf_version(site_b, coordinator_b)
    response = client_of(coordinator_a).post(reverse("consent_record", args=[patient_a.pk]),
                                             consent_form(other, coordinator_a, days_ago(site_b, 1)))
    assert "Select a valid choice" in response.content.decode()
    assert not Consent.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("monitor_a", 403), ("investigator_a", 403), ("coordinator_b", 404)])
def test_consent_entry_scoping(request, client_of, coordinator_a, patient_a, icf, who, status):
    client = client_of(request.getfixturevalue(who))
    url = reverse("consent_record", args=[patient_a.pk])
    assert client.get(url).status_code == status
    assert client.post(url, consent_form(icf, coordinator_a, days_ago(icf.site, 1))).status_code == status
    assert not Consent.objects.exists()


def test_consent_correction_asks_for_a_reason(client_of, coordinator_a, patient_a, icf):
    consent = factories.create_consent(patient_a, icf, coordinator_a, signed_on=days_ago(icf.site, 5))
    client = client_of(coordinator_a)
    url = reverse("consent_edit", args=[consent.pk])
    assert client.get(url).status_code == 200
    form = consent_form(icf, coordinator_a, days_ago(icf.site, 5), copy_given="no", version=consent.version)
    response = client.post(url, form)
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(url, {**form, "reason": "copy not handed over"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.copy_given is False
    event = consent.pgh_event_models["insert"].objects.filter(pgh_obj_id=consent.pk).last()
    assert event.pgh_context.metadata["reason"] == "copy not handed over"


@pytest.mark.parametrize(("who", "status"), [("monitor_a", 403), ("coordinator_b", 404)])
def test_consent_correction_scoping(request, client_of, coordinator_a, patient_a, icf, who, status):
    consent = factories.create_consent(patient_a, icf, coordinator_a, signed_on=days_ago(icf.site, 5))
    form = consent_form(icf, coordinator_a, days_ago(icf.site, 5), copy_given="no", version=1, reason="x")
    assert client_of(request.getfixturevalue(who)).post(reverse("consent_edit", args=[consent.pk]),
                                                        form).status_code == status
    consent.refresh_from_db()
    assert consent.copy_given is True


# Withdrawal

def test_withdrawal_stops_consent_entry(client_of, coordinator_a, patient_a, icf):
    client = client_of(coordinator_a)
    response = client.post(reverse("withdrawal_record", args=[patient_a.pk]),
                           {"withdrawn_on": site_today(patient_a.site).isoformat(), "reason": "moved away"})
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.status == PatientStatus.WITHDRAWN
    response = client.post(reverse("consent_record", args=[patient_a.pk]),
                           consent_form(icf, coordinator_a, days_ago(icf.site, 0)))
    assert response.status_code == 200
    assert "no further data entry" in response.content.decode()
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("form", "message"),
    [({"withdrawn_on": "2099-01-01", "reason": "x"}, "in the future"),
     ({"withdrawn_on": "2999-01-01", "reason": "x"}, "between 1900-01-01 and 2100-12-31"),
     ({"withdrawn_on": "2024-01-01", "reason": ""}, "This field is required")],
)
def test_bad_withdrawal_gets_a_form_message(client_of, coordinator_a, patient_a, form, message):
    response = client_of(coordinator_a).post(reverse("withdrawal_record", args=[patient_a.pk]), form)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Withdrawal.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("monitor_a", 403), ("investigator_a", 403), ("coordinator_b", 404)])
def test_withdrawal_scoping(request, client_of, patient_a, who, status):
    response = client_of(request.getfixturevalue(who)).post(
        reverse("withdrawal_record", args=[patient_a.pk]),
        {"withdrawn_on": site_today(patient_a.site).isoformat(), "reason": "x"},
    )
    assert response.status_code == status
    assert not Withdrawal.objects.exists()


# ICF versions

def icf_form(site, label="2.0", content=PDF, **changes):
    return {"site": site.pk, "language": "en", "label": label,
            "ethics_approved_on": days_ago(site, 3).isoformat(), "effective_on": days_ago(site, 0).isoformat(),
            "pdf": SimpleUploadedFile("form.pdf", content, content_type="application/pdf"), **changes}


def test_coordinator_adds_a_version_which_supersedes_the_current(client_of, coordinator_a, site_a, icf):
    response = client_of(coordinator_a).post(reverse("icf_version_add"), icf_form(site_a))
    assert response.status_code == 302
    icf.refresh_from_db()
    assert icf.superseded_on == site_today(site_a)
    assert ICFVersion.objects.get(label="2.0").superseded_on is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"content": b"MZ\x90\x00 an executable"}, "not a PDF"),
        ({"effective_on": "2000-01-01", "ethics_approved_on": "1999-01-01"}, "a second current version is not possible"),
        ({"ethics_approved_on": "2099-01-01"}, "in the future"),
        ({"ethics_approved_on": "2999-01-01"}, "between 1900-01-01 and 2100-12-31"),
        ({"label": "1.0"}, "already exists"),
    ],
)
def test_bad_icf_version_gets_a_form_message(client_of, coordinator_a, site_a, icf, changes, message):
    content = changes.pop("content", PDF)
    response = client_of(coordinator_a).post(reverse("icf_version_add"), icf_form(site_a, content=content,
                                                                                   **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ICFVersion.objects.count() == 1


def test_oversized_icf_gets_a_form_message(client_of, coordinator_a, site_a):
    big = PDF + b"0" * (20 * 1024 * 1024)
    response = client_of(coordinator_a).post(reverse("icf_version_add"), icf_form(site_a, content=big))
    assert "at most 20 MB" in response.content.decode()
    assert not ICFVersion.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("monitor_a", 403), ("investigator_a", 403)])
def test_icf_add_is_for_coordinators(request, client_of, site_a, who, status):
    assert client_of(request.getfixturevalue(who)).post(reverse("icf_version_add"),
                                                        icf_form(site_a)).status_code == status
    assert not ICFVersion.objects.exists()


def test_other_site_coordinator_cannot_add_for_site_a(client_of, coordinator_b, site_a):
    response = client_of(coordinator_b).post(reverse("icf_version_add"), icf_form(site_a))
    assert "Select a valid choice" in response.content.decode()
    assert not ICFVersion.objects.exists()


@pytest.mark.parametrize(("who", "status"), [
    ("coordinator_a", 200), ("investigator_a", 200), ("monitor_a", 200), ("coordinator_b", 404),
])
def test_icf_pdf_download_scoping(request, client_of, icf, who, status):
    response = client_of(request.getfixturevalue(who)).get(reverse("icf_version_pdf", args=[icf.pk]))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF


def test_icf_list_shows_own_sites_only(client_of, coordinator_b, icf, site_b):
    other = factories.create_icf_version(site_b, coordinator_b, label="B-7")
    page = client_of(coordinator_b).get(reverse("icf_versions")).content.decode()
    assert "B-7" in page and reverse("icf_version_pdf", args=[icf.pk]) not in page
    assert reverse("icf_version_pdf", args=[other.pk]) in page


def test_sponsor_admin_adds_a_version_in_the_admin(client_of, sponsor_admin, site_a, settings):
    response = client_of(sponsor_admin).post(reverse("admin:screening_icfversion_add"), icf_form(site_a))
    assert response.status_code == 302
    version = ICFVersion.objects.get()
    assert (version.site, version.label, version.added_by) == (site_a, "2.0", sponsor_admin)


def test_admin_refuses_a_non_pdf(client_of, sponsor_admin, site_a):
    response = client_of(sponsor_admin).post(reverse("admin:screening_icfversion_add"),
                                             icf_form(site_a, content=b"plain text"))
    assert response.status_code == 200 and "not a PDF" in response.content.decode()
    assert not ICFVersion.objects.exists()


# Re-consent worklist

@pytest.fixture
def superseded_consent(coordinator_a, patient_a, icf):
    consent = factories.create_consent(patient_a, icf, coordinator_a, signed_on=days_ago(icf.site, 50))
    services.icf_version_add(acting_user=coordinator_a, site=icf.site, language="en", label="2.0",
                             ethics_approved_on=days_ago(icf.site, 5), effective_on=days_ago(icf.site, 0),
                             pdf=SimpleUploadedFile("v2.pdf", PDF))
    return consent


@pytest.mark.parametrize(("who", "listed", "can_record"), [
    ("coordinator_a", True, True), ("investigator_a", True, False), ("monitor_a", True, False),
    ("coordinator_b", False, False),
])
def test_reconsent_worklist_scoping(request, client_of, patient_a, superseded_consent, who, listed, can_record):
    page = client_of(request.getfixturevalue(who)).get(reverse("reconsent")).content.decode()
    assert (patient_a.screening_number in page) is listed
    assert (reverse("consent_record", args=[patient_a.pk]) in page) is can_record


def test_reconsent_worklist_query_count(client_of, coordinator_a, site_a, icf, django_assert_max_num_queries):
    for _ in range(8):
        factories.create_consent(factories.create_patient(site_a, registered_by=coordinator_a), icf, coordinator_a,
                                 signed_on=days_ago(site_a, 50))
    services.icf_version_add(acting_user=coordinator_a, site=site_a, language="en", label="2.0",
                             ethics_approved_on=days_ago(site_a, 5), effective_on=days_ago(site_a, 0),
                             pdf=SimpleUploadedFile("v2.pdf", PDF))
    client = client_of(coordinator_a)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("reconsent")).content.decode()
    assert page.count("ICF 1.0 was superseded") == 8


def test_anonymous_is_sent_to_login_everywhere(client, patient_a, icf):
    for url in (reverse("consent_record", args=[patient_a.pk]), reverse("withdrawal_record", args=[patient_a.pk]),
                reverse("icf_versions"), reverse("icf_version_add"), reverse("reconsent"),
                reverse("icf_version_pdf", args=[icf.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
