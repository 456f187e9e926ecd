"""Applying the protocol version in force to the signatures signed under an earlier one: the daily task, the
``manage.py recheck_signatures`` command and the loader share this."""

from __future__ import annotations

import datetime as dt

from screening.models import EligibilitySignature
from screening.signoff.services import signatures_recheck_for_amendment
from trial.models import Trial
from trial.protocol_versions import current_protocol_version


def recheck_all(on: dt.date | None = None) -> list[EligibilitySignature]:
    """Every trial's version in force on ``on`` (today) applied to its signatures under earlier versions."""
    superseded = []
    for trial in Trial.objects.all():
        version = current_protocol_version(trial, on)
        if version is not None:
            superseded += signatures_recheck_for_amendment(version=version)
    return superseded
