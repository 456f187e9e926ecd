"""What a browser would post back for a rendered form: its fields' current values as strings."""

from __future__ import annotations

import datetime as dt

from django.db.models import Model


def as_posted(value) -> str | list[str]:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [str(as_posted(item)) for item in value]
    return str(value)


def form_data(form) -> dict[str, str | list[str]]:
    """The values a user who changes nothing would submit (from the form in a response's context)."""
    return {bound.html_name: as_posted(bound.value()) for bound in form if not bound.field.disabled}
