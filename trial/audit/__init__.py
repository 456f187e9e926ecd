"""The audit trail: which models are tracked, with what context, and how the events stay append-only.

Row-level history is written by django-pghistory's database triggers, so ``QuerySet.update``, bulk
operations, deletes and raw SQL are captured as well as ``save()``. Each event carries the context of the
request or service that caused it: user, path, client IP and, when a service knows it, the reason.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pghistory
import pgtrigger
from django.db import models
from pghistory.middleware import HistoryMiddleware

ModelT = TypeVar("ModelT", bound=type[models.Model])


def no_truncate() -> pgtrigger.Trigger:
    """Statement-level guard: pghistory's append_only refuses UPDATE/DELETE per row, but TRUNCATE
    fires no row trigger and would wipe the history silently."""
    return pgtrigger.Trigger(
        name="append_only_truncate",
        operation=pgtrigger.Truncate,
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        func="RAISE EXCEPTION 'audit: cannot truncate % (append-only table)', TG_TABLE_NAME; RETURN NULL;",
    )


def append_only(name: str = "append_only") -> list[pgtrigger.Trigger]:
    """Triggers that make a table append-only: no UPDATE, no DELETE, no TRUNCATE."""
    return [
        pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete),
        no_truncate(),
    ]


def event_meta() -> dict[str, Any]:
    """Meta of every event model: no TRUNCATE, and the index the ledger's look-up of an object's previous
    event walks (``pgh_obj_id = x AND pgh_id < y ORDER BY pgh_id DESC LIMIT 1``, trial.audit.ledger). With only
    the index on pgh_obj_id, that look-up could read a large event table backwards along its primary key
    for every event (the 100,000-reminder sweep: 86 s instead of 29 s)."""
    return {"triggers": [no_truncate()], "indexes": [models.Index(fields=["pgh_obj", "pgh_id"])]}


def audited(model: ModelT | None = None, *, per_statement: bool = False, exclude: tuple[str, ...] = ()):
    """Track inserts, updates and deletes of a model holding trial data in an append-only event table.

    ``per_statement``: the events of one SQL statement are written by one statement-level trigger instead of
    one trigger call per row, and reach the ledger as one batch. For tables written in bulk (the reminder
    sweep marks a hundred rows with one UPDATE); the events are the same either way. ``exclude``: columns
    kept out of the events (a stored protocol file's text, which its hash names)."""

    def track(model: ModelT) -> ModelT:
        return pghistory.track(
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(),
            pghistory.DeleteEvent(),
            append_only=True,
            meta=event_meta(),
            level=pgtrigger.Statement if per_statement else None,
            exclude=list(exclude) or None,
        )(model)

    return track(model) if model is not None else track


def client_ip(request) -> str | None:
    """The client address as the web server saw it (REMOTE_ADDR; a proxy must set it, not a header)."""
    return request.META.get("REMOTE_ADDR")


class AuditContextMiddleware(HistoryMiddleware):
    """Adds the client IP to pghistory's user and path context for every write request."""

    def get_context(self, request) -> dict[str, Any]:
        return {**super().get_context(request), "ip": client_ip(request)}


def with_reason(reason: str):
    """Context manager for services: every event written inside carries the reason for the change."""
    return pghistory.context(reason=reason)
