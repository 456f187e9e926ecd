"""Optimistic concurrency for records people correct by hand: a ``version`` column the database bumps on
every real change, and a readable account of what someone else changed since a form was opened.

The database trigger (not ``save()``) bumps the version, so every write — a service, the admin, a queryset
``update`` of another app — counts as a change a stale form must not overwrite.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def version_bump() -> pgtrigger.Trigger:
    """BEFORE UPDATE: ``version`` = old version + 1 whenever the row really changes."""
    return pgtrigger.Trigger(
        name="version_bump",
        operation=pgtrigger.Update,
        when=pgtrigger.Before,
        condition=pgtrigger.Condition("OLD.* IS DISTINCT FROM NEW.*"),
        func="NEW.version := OLD.version + 1; RETURN NEW;",
    )


class StaleVersion(ValidationError):
    """The record changed after the form was opened; ``current_version`` lets the form offer a re-save."""

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message, code="stale")
        self.current_version = current_version


def show_conflict(form, error: StaleVersion) -> None:
    """Show the other user's change on the form and take the current version into it: the message says
    what changed, so saving again is a decision made knowing it, never a silent overwrite."""
    form.add_error(None, error)
    form.data = form.data.copy()
    form.data["version"] = error.current_version


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def changes_since(obj: models.Model, version: int, fields: list[str]) -> str:
    """What changed in ``obj`` between ``version`` and now, from the audit trail: "field: old → new, ..."
    and who made the latest change. Falls back to the version numbers if the trail lacks the old state."""
    events = obj.pgh_event_models["insert"].objects.filter(pgh_obj_id=obj.pk).select_related("pgh_context")
    seen = events.filter(version=version).order_by("-pgh_id").first()
    latest = events.order_by("-pgh_id").first()
    if seen is None or latest is None:
        return _("version %(seen)s is now version %(now)s") % {"seen": version, "now": obj.version}
    changed = []
    for name in fields:
        attname = obj._meta.get_field(name).attname  # the event table copies the row, FKs as ids
        before, after = getattr(seen, attname), getattr(latest, attname)
        if before != after:
            label = obj._meta.get_field(name).verbose_name
            changed.append(f"{label}: {_shown(before)} → {_shown(after)}")
    by = ""
    user_id = latest.pgh_context.metadata.get("user") if latest.pgh_context else None
    if user_id is not None:
        user = get_user_model().objects.filter(pk=user_id).first()
        if user is not None:
            by = " " + _("(by %(name)s, %(when)s UTC)") % {
                "name": user.get_full_name() or user.get_username(), "when": f"{latest.pgh_created_at:%Y-%m-%d %H:%M}",
            }
    unchanged = _("version %(seen)s is now version %(now)s") % {"seen": version, "now": latest.version}
    return ("; ".join(changed) or unchanged) + by


def ensure_version(obj: models.Model, version: int, fields: list[str]) -> None:
    """Refuse a save based on an outdated form: ``obj`` must be freshly loaded with ``select_for_update``."""
    if obj.version != version:
        raise StaleVersion(
            _("changed by someone else meanwhile: %(changes)s. Check the values below and save again to keep yours.")
            % {"changes": changes_since(obj, version, fields)},
            current_version=obj.version,
        )
