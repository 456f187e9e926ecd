"""Plausibility rules for what is typed at registration: pure functions, today passed in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from screening.eligibility.calculators import age_in_years

# Plausibility limits of data entry (typing errors), not eligibility thresholds: those are protocol data.
MAX_AGE_YEARS = 120
MIN_WEIGHT_KG = Decimal("20")
MAX_WEIGHT_KG = Decimal("350")  # the same range as the database's check constraint on Patient


def screening_number(site_number: int, sequence: int) -> str:
    """``NN-SSSS``: the site's two-digit number and its running sequence, e.g. ``01-0007``."""
    return f"{site_number:02d}-{sequence:04d}"


def date_of_birth_problem(born: date, today: date) -> str | None:
    """Why a date of birth cannot be right, or None."""
    if born > today:
        return _("The date of birth %(date)s is in the future.") % {"date": born.isoformat()}
    if age_in_years(born, today) > MAX_AGE_YEARS:
        return _("The date of birth %(date)s means an age over %(years)s years.") % {
            "date": born.isoformat(), "years": MAX_AGE_YEARS}
    return None


def weight_problem(weight_kg: Decimal) -> str | None:
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:
        return _("A weight of %(weight)s kg is outside %(low)s-%(high)s kg; check the entry.") % {
            "weight": weight_kg, "low": MIN_WEIGHT_KG, "high": MAX_WEIGHT_KG}
    return None


def childbearing_problem(sex: str, potential: bool, reason: str) -> dict[str, str]:
    """Errors by field: the reason is required for women without childbearing potential, absent otherwise;
    men are recorded as without childbearing potential (the pregnancy criteria do not apply to them)."""
    if sex == "male":
        if potential:
            return {"childbearing_potential": _("Childbearing potential is recorded for women; choose No for men.")}
        if reason:
            return {"non_childbearing_reason": _("No reason is recorded for men.")}
        return {}
    if not potential and not reason:
        return {"non_childbearing_reason": _("Say why she is not of childbearing potential.")}
    if potential and reason:
        return {"non_childbearing_reason": _("A reason is only recorded without childbearing potential.")}
    return {}
