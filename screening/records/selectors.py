"""Reads of a candidate's screening records: the per-kind lists the entry panels show, the latest
attestations, and the records a user may open. The hospitals' reference ranges: ``ranges``."""

from __future__ import annotations

from django.db.models import QuerySet

from patients.models import Patient
from screening.models import Attestation, ScreeningRecord
from screening.records.kinds import KINDS
from screening.records.questions import asked_questions


def records_of(patient: Patient, kind: str, *, include_in_error: bool = True) -> QuerySet[ScreeningRecord]:
    """A candidate's records of one kind, newest first (one query)."""
    model = KINDS[kind].model
    records = model.objects.filter(patient=patient).select_related("entered_by")
    if not include_in_error:
        records = records.active()
    return records.order_by(f"-{KINDS[kind].date_field}", "-pk")


def records_by_kind(patient: Patient) -> dict[str, list[ScreeningRecord]]:
    """Every kind's records (``records_of``), read once for a page that both lists them and evaluates them:
    the candidate page hands them to the facts builder instead of reading them twice."""
    return {slug: list(records_of(patient, slug)) for slug in KINDS}


def visible_record(user, kind: str, pk: int) -> ScreeningRecord | None:
    """A record of a candidate the user may see (other sites: None, shown as 404)."""
    model = KINDS[kind].model
    return (
        model.objects.filter(patient__in=Patient.objects.visible_to(user))
        .select_related("patient__site__trial", "patient__site__hospital")
        .filter(pk=pk)
        .first()
    )


def attestation_history(patient: Patient) -> list[Attestation]:
    """Every answer, newest first (one query)."""
    return list(
        Attestation.objects.filter(patient=patient).select_related("recorded_by").order_by("-recorded_at", "-pk")
    )


def latest_of(history: list[Attestation]) -> dict[str, Attestation]:
    """The answer that counts for each question, from a newest-first ``attestation_history``."""
    latest: dict[str, Attestation] = {}
    for attestation in history:
        latest.setdefault(attestation.question, attestation)
    return latest


def attestation_questions(protocol, language: str, answered=()) -> list[tuple[str, str]]:
    """(code, label) of the questions the protocol asks, then any answered question a later version no longer
    asks (its answers stay visible, under their code)."""
    asked = [(q.code, q.label) for q in asked_questions(protocol, language)]
    codes = {code for code, _ in asked}
    return asked + [(code, code) for code in dict.fromkeys(answered) if code not in codes]


def last_date_of(patient: Patient, kind: str) -> dict[str, object]:
    """The date of the candidate's newest active record of ``kind``, as the initial date of a new one: results
    of one visit are entered one after another, so the date typed last is offered again (one query)."""
    record_kind = KINDS[kind]
    if record_kind.history:  # a treatment's start date says nothing about the next one's
        return {}
    on = (record_kind.model.objects.filter(patient=patient).active().order_by(f"-{record_kind.date_field}", "-pk")
          .values_list(record_kind.date_field, flat=True).first())
    return {record_kind.date_field: on} if on is not None else {}
