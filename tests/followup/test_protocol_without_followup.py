"""Enrollment by protocol: a trial whose protocol declares no dose levels and no reminder schedules enrolls
without a dose level and schedules no reminders; one that declares them still requires the dose level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from followup import services
from followup.forms import EnrollmentForm
from followup.models import Enrollment, Reminder
from patients.clock import site_today
from tests.followup.conftest import PROTOCOL_FILE
from trial.protocol_versions import current_protocol, protocol_version_load

pytestmark = pytest.mark.django_db


def without_follow_up() -> str:
    """MC-1-50's file, version 2, without [dose_levels] and [reminders]."""
    text = PROTOCOL_FILE.read_text(encoding="utf-8").replace('version = "1"', 'version = "2"')
    start = text.index("[dose_levels]")
    return text[:start]


def test_a_trial_without_dose_levels_or_reminders_enrolls_without_them(signed_today, coordinator, client_of):
    protocol_version_load(text=without_follow_up())
    protocol = current_protocol(signed_today.site.trial)
    assert (protocol.dose_levels, protocol.reminders) == (None, None)
    assert "dose_level" not in EnrollmentForm(protocol=protocol).fields
    today = site_today(signed_today.site)
    enrollment = services.enrollment_record(
        acting_user=coordinator, patient=signed_today, planned_lymphodepletion_on=today + dt.timedelta(days=2),
        planned_infusion_on=today + dt.timedelta(days=4), infused_on=None)
    assert (enrollment.dose_level, enrollment.dose_unit) == (None, "")
    assert not Reminder.objects.filter(patient=signed_today).exists()
    assert services.reminders_sweep().overdue == 0
    page = client_of(coordinator).get(reverse("followup_patient", args=[signed_today.pk]))
    assert page.status_code == 200 and "Dose level" not in page.content.decode()


def test_a_dose_level_is_refused_where_the_protocol_declares_none(signed_today, coordinator):
    protocol_version_load(text=without_follow_up())
    today = site_today(signed_today.site)
    with pytest.raises(ValidationError, match="declares no dose levels"):
        services.enrollment_record(
            acting_user=coordinator, patient=signed_today, dose_level=Decimal("1.0"),
            planned_lymphodepletion_on=today + dt.timedelta(days=2), planned_infusion_on=today + dt.timedelta(days=4),
            infused_on=None)
    assert not Enrollment.objects.exists()


def test_a_trial_with_dose_levels_still_requires_one(signed_today, coordinator):
    today = site_today(signed_today.site)
    with pytest.raises(ValidationError, match="Choose the dose level"):
        services.enrollment_record(
            acting_user=coordinator, patient=signed_today, planned_lymphodepletion_on=today + dt.timedelta(days=2),
            planned_infusion_on=today + dt.timedelta(days=4), infused_on=None)
