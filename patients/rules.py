"""Plausibility rules for what is typed at registration: pure functions, today passed in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
        return f"The date of birth {born.isoformat()} is in the future."
    if age_in_years(born, today) > MAX_AGE_YEARS:
        return f"The date of birth {born.isoformat()} means an age over {MAX_AGE_YEARS} years."
    return None


def weight_problem(weight_kg: Decimal) -> str | None:
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:
        return f"A weight of {weight_kg} kg is outside {MIN_WEIGHT_KG}-{MAX_WEIGHT_KG} kg; check the entry."
    return None


def childbearing_problem(sex: str, potential: bool, reason: str) -> dict[str, str]:
    """Errors by field: the reason is required for women without childbearing potential, absent otherwise;
    men are recorded as without childbearing potential (the pregnancy criteria do not apply to them)."""
    if sex == "male":
        if potential:
            return {"childbearing_potential": "Childbearing potential is recorded for women; choose No for men."}
        if reason:
            return {"non_childbearing_reason": "No reason is recorded for men."}
        return {}
    if not potential and not reason:
        return {"non_childbearing_reason": "Say why she is not of childbearing potential."}
    if potential and reason:
        return {"non_childbearing_reason": "A reason is only recorded without childbearing potential."}
    return {}
