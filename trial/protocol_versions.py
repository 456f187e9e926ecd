"""Loaded protocol versions: storing a validated protocol file, and finding the one in force.

A stored version is never changed (the table is append-only in the database): loading the same
content again is a no-op, a changed file becomes the next version. Signatures name the version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from screening.eligibility import Protocol, load_protocol_text
from trial.audit import with_reason
from trial.models import ProtocolVersion, Trial
from trial.signals import protocol_version_in_effect


@dataclass(frozen=True)
class LoadResult:
    version: ProtocolVersion
    created: bool


def protocol_version_load(*, text: str, source: str = "protocol", acting_user=None, reason: str = "") -> LoadResult:
    """Validate protocol TOML and store it as a new version unless identical content is stored.

    Raises ``screening.eligibility.ProtocolError`` (naming the key) on an invalid file; nothing is stored.
    The trial is created from the file's id and title the first time its protocol is loaded. A new version
    already in effect re-checks every valid signature of the trial (an amendment may change a verdict: the
    ``protocol_version_in_effect`` signal, received by ``screening.signoff.services.signatures_recheck_for_amendment``); one effective later is re-checked by
    the daily ``recheck_signatures`` on the day it takes effect. ``acting_user`` and ``reason``: who activated
    it and why (the admin's upload asks for both); the version and its audit event keep them.
    """
    protocol = load_protocol_text(text, source=source)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    why = f"protocol {protocol.id} v{protocol.version} loaded from {source}" + (f": {reason}" if reason else "")
    with (transaction.atomic(), with_reason(why),
          pghistory.context(user=acting_user.pk) if acting_user is not None else nullcontext()):
        trial, _ = Trial.objects.get_or_create(code=protocol.id, defaults={"title": protocol.title})
        # Serialise concurrent loads of the same trial so version numbers stay consecutive.
        Trial.objects.select_for_update().filter(pk=trial.pk).first()
        existing = ProtocolVersion.objects.filter(trial=trial, sha256=digest).first()
        if existing is not None:
            return LoadResult(existing, created=False)
        latest = ProtocolVersion.objects.filter(trial=trial).order_by("-number").first()
        version = ProtocolVersion.objects.create(
            trial=trial,
            number=(latest.number + 1) if latest else 1,
            label=protocol.version,
            effective_on=protocol.effective_date,
            content=text,
            sha256=digest,
            loaded_by=acting_user,
            source=source[:300],
            reason=reason,
        )
    if version.effective_on <= dt.date.today():
        # The sign-off re-checks the trial's signatures (screening's receiver; screening builds on trial).
        protocol_version_in_effect.send(sender=ProtocolVersion, version=version)
    return LoadResult(version, created=True)


def current_protocol_version(trial: Trial, on: dt.date | None = None) -> ProtocolVersion | None:
    """The newest loaded version already effective on ``on`` (today by default)."""
    on = on or dt.date.today()
    return (
        ProtocolVersion.objects.filter(trial=trial, effective_on__lte=on).order_by("-number").first()
    )


@lru_cache(maxsize=32)
def _parse(sha256: str, content: str) -> Protocol:
    # Keyed by content hash: a stored version never changes, so its parse can be reused.
    return load_protocol_text(content)


def protocol_of(version: ProtocolVersion) -> Protocol:
    return _parse(version.sha256, version.content)


class NoProtocolLoaded(ValidationError):
    """The trial has no protocol version in force: nothing can be validated, evaluated, scheduled or enrolled."""

    def __init__(self, trial: Trial) -> None:
        super().__init__(_(
            "No protocol is loaded for %(trial)s: the sponsor admin uploads it (Trial set-up, Protocol versions)."
        ) % {"trial": trial.code}, code="no_protocol")


def protocol_for(trial: Trial, on: dt.date | None = None) -> Protocol:
    """The protocol in force for ``trial`` on ``on`` (today); ``NoProtocolLoaded`` when there is none."""
    protocol = current_protocol(trial, on)
    if protocol is None:
        raise NoProtocolLoaded(trial)
    return protocol


def current_protocol(trial: Trial, on: dt.date | None = None) -> Protocol | None:
    """The parsed protocol in force for a trial, or None when none has been loaded."""
    version = current_protocol_version(trial, on)
    return protocol_of(version) if version else None
