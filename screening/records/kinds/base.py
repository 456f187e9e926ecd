"""What a kind of screening record is: the one description each kind's module (``labs``, ``sledai``, ...)
gives of itself, and the small helpers those modules share.

A kind's module holds everything about it: the model and its fields, the entry form, the validation the
service runs inside its transaction, the live preview, the facts it contributes to the engine's document,
and whether a protocol needs its panel. Its template (``templates/screening/records/kinds/<slug>.html``)
holds its three partials: ``fields`` (the form's body), ``summary`` (a record in the panel's list) and,
for a kind with one, ``preview``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from screening.models import ScreeningRecord

# The facts a kind adds to the engine's document: top-level entries, and the record behind each engine
# reference (``labs[0]``, ``sledai_2k``, ``instruments.acr_1997``).
Facts = tuple[dict[str, Any], dict[str, ScreeningRecord]]


def _no_names(protocol) -> dict[str, str]:
    return {}


def _as_listed(records: list, patient, protocol) -> None:
    """Nothing to add to the records a panel lists."""


@dataclass(frozen=True)
class RecordKind:
    slug: str
    model: type[ScreeningRecord]
    title: str
    fields: tuple[str, ...]  # what a form enters and a correction may change
    date_field: str  # the date the record is "on" (newest first; consent guard unless ``history``)
    form: type  # a ``screening.records.forms.RecordForm``
    # (patient, protocol, values) -> the complete field values to save, or ValidationError by field.
    prepare: Callable[..., dict[str, Any]]
    needed: Callable[[Any], bool]  # whether a protocol's catalogue declares what the panel enters
    # (records active, oldest first by ``facts_order``; protocol or None; evaluation date) -> Facts
    facts: Callable[..., Facts]
    facts_order: tuple[str, ...]
    # (submitted data, protocol, patient) -> what the form shows live; None: the kind has no preview.
    preview: Callable[..., dict[str, Any]] | None = None
    # Catalogue code -> name in the page's language, for the records the panel lists.
    item_names: Callable[[Any], dict[str, str]] = _no_names
    # (records, patient, protocol): what the panel shows beside each record, computed on the records.
    as_listed: Callable[[list, Any, Any], None] = _as_listed
    # Treatment history predates the screening on purpose: its dates are not screening procedures.
    history: bool = False
    # False: read into the facts only when the protocol needs the kind (no other trial pays its query).
    always_in_facts: bool = True

    @property
    def template(self) -> str:
        return f"screening/records/kinds/{self.slug}.html"

    @property
    def record_type(self) -> str:
        """The record type as the audit ledger names it (``screening.LabResult``): for verification."""
        return self.model._meta.label


# -- for the kinds' ``prepare`` -----------------------------------------------------------------------------


def raise_problems(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError(problems)


# -- for the kinds' ``facts`` -------------------------------------------------------------------------------


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def num(value: Any) -> float | None:
    return None if value is None else float(value)


def single(records: list[Any], date_field: str, evaluated_on: date) -> Any | None:
    """The newest record on or before the evaluation date (else the newest), later entry on equal dates."""
    if not records:
        return None
    ordered = sorted(records, key=lambda r: (getattr(r, date_field), r.pk))
    usable = [r for r in ordered if getattr(r, date_field) <= evaluated_on]
    return (usable or ordered)[-1]


def listed(key: str, records: Iterable[Any], fact: Callable[[Any], dict[str, Any]], *,
           when_empty: bool = False) -> Facts:
    """Every record as the list ``doc[key]`` (``echo[0]``, ``echo[1]``, ...); absent when there is none,
    unless ``when_empty`` (the document always has ``labs`` and ``serology``)."""
    records = list(records)
    if not records and not when_empty:
        return {}, {}
    return {key: [fact(record) for record in records]}, {f"{key}[{i}]": record for i, record in enumerate(records)}


def one(key: str, record: Any | None, fact: Callable[[Any], dict[str, Any]]) -> Facts:
    """One record as ``doc[key]``; absent without one."""
    if record is None:
        return {}, {}
    return {key: fact(record)}, {key: record}
