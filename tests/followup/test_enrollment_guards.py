"""No lymphodepletion without a valid sign-off: each refusal of enrollment through the service, the database's
own constraint on treatment dates, and the same rule on a later change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from followup import services
from followup.models import Enrollment
from patients.clock import site_today
from screening.consent import services as consent_services
from tests import factories
from tests.screening.signoff_setup import correct_lab, enter_eligible, sign

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("OPS-01")]


@pytest.fixture
def signed(protocol_version, patient_a, coordinator_a, investigator_a):
    patient_a.records = enter_eligible(patient_a, coordinator_a, investigator_a)
    sign(patient_a, investigator_a)
    patient_a.refresh_from_db()
    return patient_a


def record(patient, user, ld: dt.date, **dates):
    return services.enrollment_record(acting_user=user, patient=patient, dose_level=Decimal("1.0"),
                                      planned_lymphodepletion_on=ld, planned_infusion_on=ld + dt.timedelta(days=2),
                                      **dates)


def test_a_signed_candidate_is_enrolled_with_the_dates_it_rests_on(signed, coordinator_a):
    today = site_today(signed.site)
    enrollment = record(signed, coordinator_a, today, apheresis_on=today)
    assert enrollment.eligibility_signed_on == today
    assert enrollment.consented_on == today - dt.timedelta(days=20)  # enter_eligible's consent


def test_a_void_signature_refuses_enrollment(signed, coordinator_a):
    correct_lab(signed.records["creatinine"], coordinator_a, "75")  # the signed value changed: void
    with pytest.raises(ValidationError, match="Only a patient signed eligible can be enrolled"):
        record(signed, coordinator_a, site_today(signed.site) + dt.timedelta(days=3))
    assert not Enrollment.objects.exists()


def test_the_re_consent_worklist_refuses_enrollment(signed, coordinator_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = site_today(signed.site)
    consent_services.icf_version_add(  # a new ICF in effect today supersedes the one the candidate signed
        acting_user=coordinator_a, site=signed.site, language="en", label="2.0",
        ethics_approved_on=today - dt.timedelta(days=3), effective_on=today,
        pdf=SimpleUploadedFile("icf-2.pdf", b"%PDF-1.4 v2", content_type="application/pdf"),
    )
    with pytest.raises(ValidationError, match="is on the re-consent worklist .*ICF 1.0 was superseded"):
        record(signed, coordinator_a, today + dt.timedelta(days=3))
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("field", ["planned_lymphodepletion_on", "apheresis_on"])
def test_a_treatment_date_before_the_signature_is_refused_by_the_service(signed, coordinator_a, field):
    today = site_today(signed.site)
    dates = {"ld": today, field: today - dt.timedelta(days=1)} if field != "planned_lymphodepletion_on" else {
        "ld": today - dt.timedelta(days=1)}
    with pytest.raises(ValidationError) as refused:
        record(signed, coordinator_a, dates.pop("ld"), **dates)
    message = refused.value.message_dict[field][0]
    assert f"would be before the eligibility signature of {today.isoformat()}" in message
    assert "or the consent of" in message
    assert not Enrollment.objects.exists()


def test_the_database_refuses_treatment_dates_before_the_signature_or_consent(signed, coordinator_a):
    today = site_today(signed.site)
    enrollment = record(signed, coordinator_a, today)
    for change in ({"planned_lymphodepletion_on": today - dt.timedelta(days=1)},
                   {"apheresis_on": today - dt.timedelta(days=1)},
                   {"eligibility_signed_on": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Enrollment.objects.filter(pk=enrollment.pk).update(**change)


def test_a_change_cannot_move_lymphodepletion_before_the_signature(signed, coordinator_a):
    today = site_today(signed.site)
    enrollment = record(signed, coordinator_a, today + dt.timedelta(days=2))
    with pytest.raises(ValidationError, match="would be before the eligibility signature"):
        services.enrollment_update(
            acting_user=coordinator_a, enrollment=enrollment, version=factories.current_version(enrollment),
            reason="typo", dose_level=Decimal("1.0"), planned_lymphodepletion_on=today - dt.timedelta(days=1),
            planned_infusion_on=today, infused_on=None,
        )
    enrollment.refresh_from_db()
    assert enrollment.planned_lymphodepletion_on == today + dt.timedelta(days=2)
