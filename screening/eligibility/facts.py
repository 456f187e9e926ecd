"""Reading a facts document: the error that names the key, and the readers of dates, numbers and strings.

The general format's parser (`general/facts.py`) reads every section against the protocol's catalogue
with these readers, so that every error names the key path in the document (`labs[2].collected_on`): the
person fixing it is looking at the form or the JSON, not at this code. Strict about what it recognises
(types, dates, codes), lenient about what it does not (unknown keys are ignored).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class FactsError(ValueError):
    """A malformed facts document; `key` is the path of the offending key (`labs[2].collected_on`)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class Signer(StrEnum):
    PATIENT = "patient"
    GUARDIAN = "guardian"


@dataclass(frozen=True)
class Consent:
    signed_on: date
    signer: Signer
    icf_version: str
    withdrawn_on: date | None = None


# -- value readers ----------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _show(value: Any) -> str:
    """Render a rejected value the way the author wrote it in JSON (strings quoted, `true`, `null`)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FactsError(path, f"expected an object, got {_show(value)}")
    return value


def _date(value: Any, path: str) -> date:
    # A `date` is accepted too, so the portal can build the document from model fields without formatting.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FactsError(path, f"expected a date YYYY-MM-DD, got {_show(value)}")


def _number(value: Any, path: str, *, minimum: float | None = None, positive: bool = False) -> float:
    # bool is an int in Python but `true` is never a number in a facts document; NaN/Infinity (which
    # json.loads accepts) and values too large for a float would poison every comparison downstream.
    # Decimal (Django's DecimalField) is accepted so the portal need not convert.
    number = math.nan
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ValueError, OverflowError):  # signalling NaN, integers beyond float range
            pass
    if not math.isfinite(number):
        raise FactsError(path, f"expected a number, got {_show(value)}")
    if positive and number <= 0:
        raise FactsError(path, f"expected a number greater than 0, got {_show(value)}")
    if minimum is not None and number < minimum:
        raise FactsError(path, f"expected a number >= {minimum:g}, got {_show(value)}")
    return number


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FactsError(path, f"expected a non-empty string, got {_show(value)}")
    return value


# The general format's parser reads with the same rules and words.
read_date, read_number, read_object, read_string, show = _date, _number, _object, _string, _show
