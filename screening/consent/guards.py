"""Checks every service that writes a screening record runs inside its transaction, before saving.

    from screening.consent.guards import ensure_dated_on_or_after_consent, ensure_open_for_entry

    ensure_open_for_entry(patient)                       # withdrawn -> ValidationError
    ensure_dated_on_or_after_consent(patient, lab.collected_on, "collected_on")

Both raise ``django.core.exceptions.ValidationError``; the dated check raises it keyed by ``field_name`` so a
form shows it on the right field (``form.add_error(None, error)`` spreads a dict onto the fields).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from patients.models import Patient
from screening.consent import rules
from screening.consent.selectors import first_consent, withdrawal_of


def ensure_open_for_entry(patient: Patient) -> None:
    """A withdrawn candidate takes no further data entry (what was entered before stays)."""
    withdrawal = withdrawal_of(patient)
    if withdrawal is not None:
        raise ValidationError(
            _("%(number)s withdrawn on %(date)s; no further data entry.") % {
                "number": patient.screening_number, "date": withdrawal.withdrawn_on.isoformat(),
            },
            code="withdrawn",
        )


def ensure_dated_on_or_after_consent(patient: Patient, on_date: date, field_name: str) -> None:
    """Refuse a screening record dated before the candidate's first consent (or with no consent at all).

    The first, not the latest: a record made under ICF 1.0 stays valid after re-consent on ICF 2.0."""
    ensure_open_for_entry(patient)
    consent = first_consent(patient)
    if consent is None:
        raise ValidationError(
            {field_name: _("No consent recorded: record the signed consent before any screening data.")},
            code="no_consent",
        )
    problem = rules.dated_before_consent_problem(on_date, consent.signed_on)
    if problem:
        raise ValidationError({field_name: problem}, code="before_consent")
