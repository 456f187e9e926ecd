"""Audit entries as a monitor reads them: what the record is ("laboratory result: creatinine 92 umol/L on
2026-11-20"), and each changed field's old and new value as the portal shows it elsewhere: yes/no, a
choice by its label, a linked record by its name, a time in the site's zone with the zone shown.

The ledger keeps the values as stored (booleans, ids, ISO times with microseconds), and the CSV export
gives them so; only the pages use this. One page of entries costs one query per kind of record shown and
per kind of record their fields point to, whatever the number of entries.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trial.audit.ledger import AuditEntry
from trial.audit.monitoring import DataQuery
from trial.audit.naming import field_labels, fields_of, model_of, record_type_label
from trial.audit.search import FieldChange, visible_changes


@dataclass(frozen=True)
class ShownEntry:
    entry: AuditEntry
    record: str  # the record type and, where it still exists, what it is
    changes: list[FieldChange]  # old and new as people read them


def shown_entries(entries: Iterable[AuditEntry]) -> list[ShownEntry]:
    entries = list(entries)
    changes = {entry.pk: visible_changes(entry) for entry in entries}
    objects = _objects({(entry.record_type, entry.object_id) for entry in entries})
    targets = _linked(entries, changes)
    shown = []
    for entry in entries:
        model = model_of(entry.record_type)
        fields = fields_of(model) if model else {}
        zone = entry.site.time_zone if entry.site_id else "UTC"
        shown.append(ShownEntry(
            entry,
            _record_text(entry.record_type, entry.object_id, objects.get((entry.record_type, entry.object_id))),
            [FieldChange(c.field, c.label, shown_value(fields.get(c.field), c.old, zone, targets),
                         shown_value(fields.get(c.field), c.new, zone, targets)) for c in changes[entry.pk]],
        ))
    return shown


def _objects(keys: set[tuple[str, str]]) -> dict[tuple[str, str], models.Model]:
    """The records the entries are about, one query per record type (a deleted one is simply absent)."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for record_type, object_id in keys:
        by_type[record_type].add(object_id)
    found = {}
    for record_type, ids in by_type.items():
        model = model_of(record_type)
        if model is None:
            continue
        pks = [pk for pk in ids if str(pk).isdigit()]
        for pk, obj in model._base_manager.select_related(*_joins(model)).in_bulk(pks).items():
            found[(record_type, str(pk))] = obj
    return found


def _joins(model: type[models.Model]) -> list[str]:
    """The records a record's name may read (its foreign keys, and theirs): joined, not a query per row."""
    joins = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey):
            joins.append(field.name)
            joins += [f"{field.name}__{inner.name}" for inner in field.related_model._meta.concrete_fields
                      if isinstance(inner, models.ForeignKey)]
    return joins


def _linked(entries: list[AuditEntry], changes: dict[int, list[FieldChange]]) -> dict[tuple[type, str], str]:
    """Every record a changed foreign key points to, by (model, id): its name, one query per model."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        model = model_of(entry.record_type)
        if model is None:
            continue
        for change in changes[entry.pk]:
            field = fields_of(model).get(change.field)
            if isinstance(field, models.ForeignKey):
                wanted[field.related_model].update(str(v) for v in (change.old, change.new) if v not in (None, ""))
    names = {}
    for model, ids in wanted.items():
        for pk, obj in model._base_manager.select_related(*_joins(model)).in_bulk(
                [pk for pk in ids if pk.isdigit()]).items():
            names[(model, str(pk))] = _name(obj)
    return names


def _name(obj: models.Model) -> str:
    full_name = getattr(obj, "get_full_name", None)
    if callable(full_name):
        return full_name() or obj.get_username()
    return str(obj)


def _record_text(record_type: str, object_id: str, obj: models.Model | None) -> str:
    label = record_type_label(record_type)
    if obj is None:
        return f"{label} {object_id}"
    return f"{label}: {_name(obj)}"


@dataclass(frozen=True)
class ShownQuery:
    query: DataQuery
    record: str  # what the record is, as for an audit entry
    field: str  # the field's label


def shown_queries(queries: Iterable[DataQuery]) -> list[ShownQuery]:
    """Data queries with their record and field as people name them (one query per record type)."""
    queries = list(queries)
    objects = _objects({(query.record_type, query.object_id) for query in queries})
    language = get_language()
    return [ShownQuery(query, _record_text(query.record_type, query.object_id,
                                           objects.get((query.record_type, query.object_id))),
                       field_labels(query.record_type, language).get(query.field, query.field))
            for query in queries]


def shown_value(field: models.Field | None, value: Any, zone: str, linked: dict[tuple[type, str], str]) -> Any:
    """One stored value as a person reads it (None stays None: the page shows a dash)."""
    if value is None or field is None:
        return value
    if field.name == "record_type" and isinstance(value, str):  # a data query's or verification's record
        return record_type_label(value)
    if isinstance(field, models.BooleanField):
        return _("yes") if value in (True, "true", "True") else _("no") if value in (False, "false", "False") else value
    if isinstance(field, models.ForeignKey):
        return linked.get((field.related_model, str(value)), value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is None:
            return value
        local = moment.astimezone(zoneinfo.ZoneInfo(zone)) if moment.tzinfo else moment
        return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()
    if isinstance(field, models.DecimalField):
        try:
            return _plain_decimal(Decimal(str(value)))
        except InvalidOperation:
            return value
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        if any(isinstance(v, (dict, list)) for v in value.values()):
            # A whole structured document (a signature's signed facts and result): its own page shows it.
            return _("structured content, shown on the record's own page")
        return ", ".join(f"{key}: {_plain(v)}" for key, v in value.items()) or "—"
    return value


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _plain_decimal(value: Decimal) -> str:
    """70.000 as 70, 1.250 as 1.25, never 7E+1."""
    return format(value.normalize(), "f")

