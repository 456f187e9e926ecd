"""Follow-up fixtures: the MC-1-50 protocol loaded as a stored version, staff with email addresses, and
patients signed eligible or enrolled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest

from followup import services
from patients.clock import site_today
from tests import factories
from tests.clock import days_ago
from trial.protocol_versions import protocol_version_load

PROTOCOL_FILE = Path(__file__).resolve().parents[2] / "trial/protocols/mc-1-50.toml"


def load_protocol() -> None:
    protocol_version_load(text=PROTOCOL_FILE.read_text(encoding="utf-8"), source=str(PROTOCOL_FILE))


@pytest.fixture
def protocol(trial):
    load_protocol()


def staff_with_email(username: str, role: str, site, email: str):
    user = factories.create_staff(username, role, site)
    user.email = email
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def coordinator(site_a, protocol):
    return staff_with_email("coord_fu", "coordinator", site_a, "coord@site-a.test")


@pytest.fixture
def investigator(site_a, protocol):
    return staff_with_email("inv_fu", "investigator", site_a, "inv@site-a.test")


# How long ago the follow-up candidates were screened and signed: before any treatment date a test uses (an
# infusion up to 250 days ago), since nothing of the treatment may precede the eligibility signature.
SIGNED_DAYS_AGO = 300


def signed_eligible(site, coordinator, investigator, *, signed_days_ago: int = SIGNED_DAYS_AGO, **fields):
    """A candidate with eligible-female.json's data entered and signed eligible through the services,
    ``signed_days_ago`` days ago: enrollment checks that the evaluation is still the signed one, so a stub
    signature will not do."""
    from tests.screening.signoff_setup import enter_eligible, sign

    with days_ago(signed_days_ago):
        patient = factories.create_patient(site, registered_by=coordinator, **fields)
        enter_eligible(patient, coordinator, investigator)
        sign(patient, investigator)
    patient.refresh_from_db()
    return patient


@pytest.fixture
def eligible_patient(site_a, coordinator, investigator):
    """Signed eligible long ago: ``enroll`` records its enrollment as it happened then."""
    return signed_eligible(site_a, coordinator, investigator, initials="MLW")


@pytest.fixture
def signed_today(site_a, coordinator, investigator):
    """Signed eligible today, with data inside today's window: ready to enroll through the form."""
    return signed_eligible(site_a, coordinator, investigator, signed_days_ago=0, initials="MLW")


def enroll(patient, user, *, infused_days_ago: int | None = None, ld_in_days: int = 5):
    """Enroll with dates relative to the site's today: LD in ``ld_in_days``, infusion two days after, or
    already infused ``infused_days_ago`` days ago (then LD was three days before that).

    As it happens at a site: the enrollment is recorded right after the signature (``SIGNED_DAYS_AGO``),
    with the dates then planned, and the dates are brought to the ones asked for by a change with a reason."""
    today = site_today(patient.site)
    if infused_days_ago is None:
        ld = today + dt.timedelta(days=ld_in_days)
        infused = None
    else:
        infused = today - dt.timedelta(days=infused_days_ago)
        ld = infused - dt.timedelta(days=3)
    # No sweep for the interim dates (a worker would announce the then-due pre-LD test): the change below
    # queues the one that counts.
    with days_ago(SIGNED_DAYS_AGO), mock.patch("followup.queue.enqueue_sweep"):
        then = site_today(patient.site)
        enrollment = services.enrollment_record(
            acting_user=user, patient=patient, dose_level=Decimal("1.0"),
            planned_lymphodepletion_on=then + dt.timedelta(days=1), planned_infusion_on=then + dt.timedelta(days=3),
        )
    return services.enrollment_update(
        acting_user=user, enrollment=enrollment, version=factories.current_version(enrollment),
        reason="treatment dates as they happened", dose_level=Decimal("1.0"), planned_lymphodepletion_on=ld,
        planned_infusion_on=ld + dt.timedelta(days=2) if infused is None else infused, infused_on=infused,
    )
