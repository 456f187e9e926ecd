"""Evaluate a candidate's eligibility from the database: the facts builder, then the pure engine.

The live checklist and the eligibility signature both go through ``evaluate_eligibility``; the command
line goes through the same engine on a facts file, so all three agree.
"""

from __future__ import annotations

from datetime import date

from patients.clock import site_today
from patients.models import Patient
from screening.eligibility import Evaluation, Protocol, evaluate, parse_facts
from screening.facts_builder import BuiltFacts, Preloaded, build_facts
from trial.protocol_versions import current_protocol


class ProtocolNotLoaded(LookupError):
    """No protocol version is in force for the candidate's trial on the evaluation date."""


def evaluate_eligibility(
    patient: Patient, evaluated_on: date | None = None, *, protocol: Protocol | None = None,
    preloaded: Preloaded = None,
) -> tuple[Evaluation, BuiltFacts]:
    """The engine's evaluation of ``patient`` as of ``evaluated_on`` (the site's today by default), with the
    facts it was computed from. ``protocol``: the one in force on that date, if the caller has it already;
    ``preloaded``: the candidate's records, if the caller read them already (``build_facts``).
    Raises ``ProtocolNotLoaded`` when no protocol is in force."""
    evaluated_on = evaluated_on or site_today(patient.site)
    protocol = protocol or current_protocol(patient.site.trial, evaluated_on)
    if protocol is None:
        raise ProtocolNotLoaded(f"no protocol in force for {patient.site.trial.code} on {evaluated_on.isoformat()}")
    built = build_facts(patient, evaluated_on, protocol, preloaded=preloaded)
    return evaluate(parse_facts(built.document, protocol), protocol), built
