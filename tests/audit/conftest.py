"""Fixtures of the monitor-review tests: a second monitor, and changes made with a reason."""

from __future__ import annotations

import pghistory
import pytest

from patients.models import Patient
from tests import factories


@pytest.fixture
def monitor_b(site_b):
    return factories.create_staff("monitor_b", "monitor", site_b)


@pytest.fixture
def reweigh(coordinator_a):
    """``reweigh(patient, kg, reason)``: a coordinator's change of weight, with its reason and path."""

    def change(patient, kg, reason="re-weighed at visit", user=None):
        actor = user or coordinator_a
        with pghistory.context(user=actor.pk, url=f"/patients/{patient.pk}/edit/", ip="10.1.2.3", reason=reason):
            Patient.objects.filter(pk=patient.pk).update(weight_kg=kg)
        patient.refresh_from_db()
        return patient

    return change
