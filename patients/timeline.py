"""The candidate's timeline: everything entered, by date, from every app that records something.

A source is a function ``(patient) -> iterable of TimelineEntry``. To add a record type (labs,
assessments, sign-off ...), write such a function next to its models and add its dotted path to
``SOURCES``; the candidate page shows it without further changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.clock import site_date_of
from patients.models import Patient

# The kinds are codes a source sets; people read them by these names.
KIND_LABELS = {
    "registration": gettext_lazy("registration"),
    "consent": gettext_lazy("consent"),
    "withdrawal": gettext_lazy("withdrawal"),
}


class TimelineEntry(NamedTuple):
    on: date
    kind: str
    description: str
    url: str | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def registration_entries(patient: Patient) -> Iterable[TimelineEntry]:
    yield TimelineEntry(
        site_date_of(patient.site, patient.registered_at),
        "registration",
        _("Registered as %(number)s by %(name)s") % {
            "number": patient.screening_number,
            "name": patient.registered_by.get_full_name() or patient.registered_by,
        },
        reverse("patient_detail", args=[patient.pk]),
    )


SOURCES = [
    "patients.timeline.registration_entries",
    "screening.consent.selectors.timeline_entries",
]


def timeline(patient: Patient) -> list[TimelineEntry]:
    """All entries, oldest first (entries of one day in source order)."""
    entries = [entry for source in SOURCES for entry in import_string(source)(patient)]
    return sorted(entries, key=lambda entry: entry.on)
