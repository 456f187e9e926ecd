"""Dates a person types must lie between 1900-01-01 and 2100-12-31, in every form of the portal and the admin.

Outside that range a date is a typo (0001 for 2001, 9999 for "no end"), and arithmetic on it overflows
(``9999-12-31 + 1 day``): the review found three pages that answered such dates with a 500. The check is
the default validator of every ``forms.DateField`` (installed by ``TrialConfig.ready``), so a form added
later is covered without remembering to add it.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def validate_calendar_range(value: dt.date) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


def install() -> None:
    if validate_calendar_range not in forms.DateField.default_validators:
        forms.DateField.default_validators = [*forms.DateField.default_validators, validate_calendar_range]
