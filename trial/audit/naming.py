"""How the audit pages name a record type and a field, in the page's language: "Laboratory result", not
``screening.LabResult``; "entered by", not ``entered_by``. The ledger, the monitor's records and the pages
that show them all name things here."""

from __future__ import annotations

from functools import lru_cache

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy


def model_of(record_type: str) -> type[models.Model] | None:
    """The model a ledger record type names (``screening.LabResult``), or None for one no longer known."""
    try:
        return apps.get_model(record_type)
    except (LookupError, ValueError):
        return None


@lru_cache(maxsize=256)
def fields_of(model: type[models.Model]) -> dict[str, models.Field]:
    """The model's fields by database column, as the ledger's changes name them."""
    return {field.column: field for field in model._meta.concrete_fields}


def record_name_of(record_type: str) -> str:
    """A record type as people call it ("laboratory result"), not its label (``screening.LabResult``)."""
    model = model_of(record_type)
    return str(model._meta.verbose_name) if model else record_type


def record_type_label(record_type: str) -> str:
    name = record_name_of(record_type)
    return name[:1].upper() + name[1:]  # "ICF version", not capitalize()'s "Icf version"


# Fields many audited models share, named here once instead of a verbose_name on each (the default, the
# field's name with spaces, is English in every language).
COMMON_FIELD_NAMES = {
    "patient": gettext_lazy("candidate"), "site": gettext_lazy("site"), "hospital": gettext_lazy("hospital"),
    "trial": gettext_lazy("trial"), "user": gettext_lazy("user"), "version": gettext_lazy("version"),
    "status": gettext_lazy("status"), "entered_by": gettext_lazy("entered by"),
    "entered_at": gettext_lazy("entered at"), "recorded_by": gettext_lazy("recorded by"),
    "recorded_at": gettext_lazy("recorded at"), "added_by": gettext_lazy("added by"),
    "added_at": gettext_lazy("added at"), "language": gettext_lazy("language"), "reason": gettext_lazy("reason"),
    "comment": gettext_lazy("comment"), "record_type": gettext_lazy("record type"),
    "object_id": gettext_lazy("record number"), "field": gettext_lazy("field"), "text": gettext_lazy("question"),
    "answer": gettext_lazy("answer"), "raised_by": gettext_lazy("raised by"), "raised_at": gettext_lazy("raised at"),
    "answered_by": gettext_lazy("answered by"), "answered_at": gettext_lazy("answered at"),
    "closed_by": gettext_lazy("closed by"), "closed_at": gettext_lazy("closed at"),
    "verified_by": gettext_lazy("verified by"), "verified_at": gettext_lazy("verified at"),
    "signer": gettext_lazy("signer"), "printed_name": gettext_lazy("printed name"),
    "signed_at": gettext_lazy("signed at"), "outcome": gettext_lazy("outcome"), "meaning": gettext_lazy("meaning"),
    "protocol_version": gettext_lazy("protocol version"), "evaluated_on": gettext_lazy("evaluated on"),
    "document": gettext_lazy("signed document"), "sha256": "SHA-256",
    "screen_failure_reasons": gettext_lazy("screen-failure reasons"), "void_reason": gettext_lazy("void reason"),
    "void_changes": gettext_lazy("what changed"), "voided_at": gettext_lazy("voided at"),
    "voided_by": gettext_lazy("voided by"), "superseded_by": gettext_lazy("superseded by"),
    "criterion_code": gettext_lazy("criterion"), "verdict": gettext_lazy("verdict"),
    "decided_by": gettext_lazy("decided by"), "decided_at": gettext_lazy("decided at"),
}


def field_label(field) -> str:
    """A field as the audit pages name it, in the page's language."""
    label = str(field.verbose_name)
    if label == field.name.replace("_", " ") and field.name in COMMON_FIELD_NAMES:
        return str(COMMON_FIELD_NAMES[field.name])
    return label


@lru_cache(maxsize=256)
def field_labels(record_type: str, language: str | None) -> dict[str, str]:
    """Labels in ``language``: cached per language, as the verbose names are translated when turned to text."""
    model = model_of(record_type)
    return {column: field_label(field) for column, field in fields_of(model).items()} if model else {}
