"""Follow-up fixtures: the MC-1-50 protocol loaded as a stored version, staff with email addresses, and
patients signed eligible or enrolled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from followup import services
from followup.selectors import site_today
from tests import factories
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


@pytest.fixture
def eligible_patient(site_a, coordinator):
    return factories.create_patient(site_a, registered_by=coordinator, status="eligible", initials="MLW")


def enroll(patient, user, *, infused_days_ago: int | None = None, ld_in_days: int = 5):
    """Enroll with dates relative to the site's today: LD in ``ld_in_days``, infusion two days after, or
    already infused ``infused_days_ago`` days ago (then LD was three days before that)."""
    today = site_today(patient.site)
    if infused_days_ago is None:
        ld = today + dt.timedelta(days=ld_in_days)
        infused = None
    else:
        infused = today - dt.timedelta(days=infused_days_ago)
        ld = infused - dt.timedelta(days=3)
    return services.enrollment_record(
        acting_user=user, patient=patient, dose_level=Decimal("1.0"), planned_lymphodepletion_on=ld,
        planned_infusion_on=ld + dt.timedelta(days=2) if infused is None else infused, infused_on=infused,
    )
