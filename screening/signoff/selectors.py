"""Reads of the eligibility sign-off: a candidate's evaluation with decisions applied, their signatures, and
what an investigator's dashboard must show about void ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, QuerySet

from patients.clock import site_today
from patients.models import Patient, PatientStatus
from screening.eligibility import Protocol
from screening.evaluation import evaluate_eligibility
from screening.facts_builder import BuiltFacts
from screening.models import (
    ENDED_STATUSES,
    EligibilityDecision,
    EligibilitySignature,
    EvaluationSummary,
    SignatureOutcome,
    SignatureStatus,
    WorkState,
)
from screening.signoff import rules
from trial.models import ProtocolVersion, Role
from trial.protocol_versions import current_protocol_version, protocol_of
from trial.selectors import sites_of


def decision_of(row: EligibilityDecision) -> rules.Decision:
    user = row.decided_by
    return rules.Decision(
        code=row.criterion_code, verdict=row.verdict, comment=row.comment,
        decided_by=user.get_full_name() or user.get_username(),
        decided_at=row.decided_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
    )


def decisions_of(patient: Patient) -> dict[str, rules.Decision]:
    rows = EligibilityDecision.objects.filter(patient=patient).select_related("decided_by")
    return {row.criterion_code: decision_of(row) for row in rows}


@dataclass(frozen=True)
class Assessment:
    """Everything a signature would cover, computed from the database as of one date."""

    protocol_version: ProtocolVersion
    protocol: Protocol
    built: BuiltFacts
    decided: rules.DecidedEvaluation
    document: dict
    sha256: str


def assess(patient: Patient, evaluated_on: date | None = None,
           protocol_version: ProtocolVersion | None = None) -> Assessment | None:
    """The candidate's evaluation with decisions applied and the document a signature would cover; None
    when no protocol is in force. ``protocol_version``: the signed one, when re-checking a signature."""
    evaluated_on = evaluated_on or site_today(patient.site)
    protocol_version = protocol_version or current_protocol_version(patient.site.trial, evaluated_on)
    if protocol_version is None:
        return None
    protocol = protocol_of(protocol_version)
    evaluation, built = evaluate_eligibility(patient, evaluated_on, protocol=protocol)
    decided = rules.apply_decisions(evaluation, decisions_of(patient))
    records = {ref: f"{source.label}:{source.pk}" for ref, source in built.sources.items()}
    document = rules.signed_document(built.document, decided, records)
    return Assessment(protocol_version, protocol, built, decided, document, rules.sha256_of(document))


def valid_signature(patient: Patient) -> EligibilitySignature | None:
    return (EligibilitySignature.objects.filter(patient=patient, status=SignatureStatus.VALID)
            .select_related("signer", "protocol_version").first())


def signatures_of(patient: Patient) -> list[EligibilitySignature]:
    """Every signature of the candidate, newest first (void ones are the history)."""
    return list(EligibilitySignature.objects.filter(patient=patient)
                .select_related("signer", "voided_by", "protocol_version", "superseded_by")
                .order_by("-signed_at", "-pk"))


def worklist_of(user, trial=None) -> QuerySet[EvaluationSummary]:
    """The candidates in screening at the user's investigator sites that wait for an investigator: ready to
    sign first, then those with criteria to decide, the longest waiting first."""
    rows = EvaluationSummary.objects.filter(
        patient__site__in=sites_of(user, roles=[Role.INVESTIGATOR]), patient__status=PatientStatus.SCREENING,
        state__in=(WorkState.READY, WorkState.REVIEW),
    )
    if trial is not None:
        rows = rows.filter(patient__site__trial=trial)
    # "ready" sorts before "review"; a summary is rewritten on every write, so computed_at is the last change.
    return rows.select_related("patient__site__trial", "patient__site__hospital").order_by("state", "computed_at")


def has_valid_eligible_signature(patient: Patient) -> bool:
    return EligibilitySignature.objects.filter(
        patient=patient, status=SignatureStatus.VALID, outcome=SignatureOutcome.ELIGIBLE
    ).exists()


def void_signatures_to_review(user) -> QuerySet[EligibilitySignature]:
    """Void or superseded signatures of the user's investigator sites whose candidate has not been signed again: the
    dashboard alert stays until an investigator signs anew (or the candidate is withdrawn)."""
    valid_since = EligibilitySignature.objects.filter(patient=OuterRef("patient"), status=SignatureStatus.VALID)
    later_void = EligibilitySignature.objects.filter(
        patient=OuterRef("patient"), status__in=ENDED_STATUSES, signed_at__gt=OuterRef("signed_at")
    )
    return (
        EligibilitySignature.objects.filter(
            patient__site__in=sites_of(user, roles=[Role.INVESTIGATOR]), status__in=ENDED_STATUSES,
        )
        .exclude(patient__status="withdrawn")
        .exclude(Exists(valid_since))
        .exclude(Exists(later_void))
        .select_related("patient__site__trial", "patient__site__hospital")
        .order_by("-voided_at")
    )


@dataclass(frozen=True)
class Manifestation:
    """What a signature shows wherever it is displayed (page, PDF): name, time in the site's zone, meaning."""

    printed_name: str
    signed_at: str  # e.g. "2026-11-25 23:31 CST (Asia/Shanghai)"
    meaning: str


def manifestation_of(signature: EligibilitySignature) -> Manifestation:
    zone = signature.patient.site.time_zone
    local = signature.signed_at.astimezone(ZoneInfo(zone))
    return Manifestation(signature.printed_name, f"{local:%Y-%m-%d %H:%M} {local:%Z} ({zone})", signature.meaning)
