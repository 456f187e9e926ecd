"""Receivers of the signals of the areas screening builds on (connected in ``screening.apps``)."""

from __future__ import annotations

from screening.signoff.services import (
    signature_void_if_changed,
    signatures_recheck_for_amendment,
)


def void_signature_on_facts_change(sender, *, patient, acting_user, **kwargs) -> None:
    signature_void_if_changed(patient=patient, acting_user=acting_user)


def recheck_signatures_on_amendment(sender, *, version, **kwargs) -> None:
    signatures_recheck_for_amendment(version=version)
