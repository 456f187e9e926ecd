"""Fixtures of the security tests: one site-A "world" holding an object of every kind a URL can name,
and test clients of the five viewers the access matrix checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from tests import factories
from trial.two_factor import requires_two_factor

# The direct identifiers of the world's candidate: the minimum-necessary tests look for them everywhere.
FULL_NAME = "Zhangsan Qiuyue-Identifiable"
RECORD_NUMBER = "HRN-7730041-X"
VIEWERS = ("anonymous", "coordinator_a", "investigator_a", "monitor_a", "coordinator_b")


@dataclass
class World:
    """Site-A objects of every kind a URL names, plus the viewers. Attributes are looked up by name from
    the access matrix (``Access.objects``)."""

    users: dict[str, Any]
    patient: Any
    icf_version: Any
    consent: Any
    lab: Any
    reference_range: Any
    reminder: Any
    alert: Any
    data_query: Any
    audit_entry: Any
    calendar_token: str
    validation_report: Any


def client_as(user) -> Client:
    """A fresh test client logged in as ``user`` (past the second factor when the role needs one);
    ``None``: anonymous."""
    client = Client()
    if user is None:
        return client
    client.force_login(user)
    if requires_two_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = factories.create_totp_device(user).persistent_id
        session.save()
    return client


def enrolled_with_a_pregnancy_test(patient, coordinator):
    """An enrollment and its pre-lymphodepletion pregnancy-test reminder, written directly: the way there
    (eligibility sign-off, then the enrollment service) is tested where it is built."""
    from followup.models import Enrollment, Reminder, ReminderKind
    from patients.clock import site_today

    today = site_today(patient.site)
    Enrollment.objects.create(
        patient=patient, dose_level=Decimal("1.0"), dose_unit="x10^6 CAR+ T cells/kg",
        planned_lymphodepletion_on=today + dt.timedelta(days=5), planned_infusion_on=today + dt.timedelta(days=7),
        eligibility_signed_on=today, consented_on=today, recorded_by=coordinator,
    )
    return Reminder.objects.create(patient=patient, site=patient.site, kind=ReminderKind.PREGNANCY_TEST_PRE_LD,
                                   sequence=0, due_date=today + dt.timedelta(days=2))


def stored_validation_report():
    """A stored report with its English PDF, written directly: ``make validate`` builds real ones (tested
    in tests/validation)."""
    from django.utils import timezone

    from trial.validation.records import ValidationDocument, ValidationReport

    now = timezone.now()
    report = ValidationReport.objects.create(
        started_at=now, finished_at=now, ran_by="qa", host="test", portal_version="0.1.0", commit="abc",
        outcome="passed", requirements_total=1, requirements_verified=1, checks_failed=0, tests_passed=1,
        tests_failed=0)
    ValidationDocument.objects.create(report=report, language="en", format="pdf", content=b"%PDF-1.4\n",
                                      sha256="0" * 64)
    return report


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(site_a, site_b, coordinator_a, investigator_a, monitor_a, coordinator_b, protocol_version,
          media_in_tmp) -> World:
    """A consented, enrolled site-A candidate with direct identifiers set, and one of everything."""
    from followup import services as followup_services
    from followup.models import AlertKind, UrgentAlert
    from screening.models import LabResult, ReferenceRange
    from trial.audit import review as services_review
    from trial.audit.ledger import AuditEntry

    (media_in_tmp / "icf").mkdir(parents=True)
    (media_in_tmp / "icf" / "test.pdf").write_bytes(b"%PDF-1.4\n%test\n")
    patient = factories.create_patient(
        site_a, registered_by=coordinator_a, full_name=FULL_NAME, hospital_record_number=RECORD_NUMBER,
        status="enrolled",
    )
    icf_version = factories.create_icf_version(site_a, coordinator_a)
    consent = factories.create_consent(patient, icf_version, coordinator_a)
    lab = LabResult.objects.create(
        patient=patient, entered_by=coordinator_a, test="creatinine", value=Decimal("70"), unit="umol/L",
        value_canonical=Decimal("70"), canonical_unit="umol/L", reference_low=Decimal("45"),
        reference_high=Decimal("84"), collected_on=dt.date(2024, 3, 5),
    )
    reference_range = ReferenceRange.objects.create(
        hospital=site_a.hospital, site=site_a, test="creatinine", sex="female", low=Decimal("45"), high=Decimal("84"), unit="umol/L"
    )
    reminder = enrolled_with_a_pregnancy_test(patient, coordinator_a)
    alert = UrgentAlert.objects.create(patient=patient, reminder=reminder, kind=AlertKind.choices[0][0])
    data_query = services_review.query_raise(
        acting_user=monitor_a, patient=patient, record_type="patients.Patient", object_id=str(patient.pk),
        field="weight_kg", text="Please confirm the weight.",
    )
    audit_entry = AuditEntry.objects.filter(patient=patient).order_by("pk").first()
    calendar_token = followup_services.calendar_token_issue(acting_user=coordinator_a)
    validation_report = stored_validation_report()
    return World(
        users={"anonymous": None, "coordinator_a": coordinator_a, "investigator_a": investigator_a,
               "monitor_a": monitor_a, "coordinator_b": coordinator_b},
        patient=patient, icf_version=icf_version, consent=consent, lab=lab, reference_range=reference_range,
        reminder=reminder, alert=alert, data_query=data_query, audit_entry=audit_entry,
        calendar_token=calendar_token, validation_report=validation_report,
    )
