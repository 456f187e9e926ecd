"""Writes of screening records: create, correct (reason + version check), mark entered in error; investigator
attestations; site reference ranges.

Each write runs in one transaction with the candidate's row locked (so two saves for one candidate queue),
checks permission, withdrawal and consent (``screening.consent.guards``), validates with the kind's own
``prepare`` (``screening.records.kinds``) and the protocol in force, and saves with the acting user and the
reason on the audit events. A record is never deleted: "entered in error" keeps the row and its history and
drops it from the facts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients.clock import site_today
from patients.models import Patient
from patients.selectors import can_enter_data
from patients.versioning import ensure_version
from screening.consent.guards import (
    ensure_dated_on_or_after_consent,
    ensure_open_for_entry,
)
from screening.consent.selectors import first_consent
from screening.models import (
    CONTRACEPTION_AGREED,
    Attestation,
    RecordSource,
    RecordStatus,
    ReferenceRange,
    ScreeningRecord,
)
from screening.records import rules
from screening.records.kinds import KINDS, RecordKind, kind_of
from screening.records.kinds.base import raise_problems
from screening.records.questions import YES_NO, answer_problem, asked_questions
from screening.signoff.services import signature_void_if_changed
from trial.audit import with_reason
from trial.models import Hospital, Role, Site
from trial.protocol_versions import protocol_for
from trial.selectors import has_role


def _lock_patient(patient: Patient) -> Patient:
    return Patient.objects.select_for_update().select_related("site__trial").get(pk=patient.pk)


def _ensure_consented(patient: Patient) -> None:
    ensure_open_for_entry(patient)
    if first_consent(patient) is None:
        raise ValidationError(_("No consent recorded: record the signed consent before any screening data."),
                              code="no_consent")


def _checked_values(kind: RecordKind, patient: Patient, values: dict[str, Any]) -> dict[str, Any]:
    """Validate ``values`` for a record of ``patient`` (whose row the caller has locked)."""
    unknown = set(values) - set(kind.fields)
    if unknown:
        raise TypeError(f"not fields of {kind.slug}: {', '.join(sorted(unknown))}")
    on = values[kind.date_field]
    if problem := rules.future_problem(on, site_today(patient.site)):
        raise ValidationError({kind.date_field: problem})
    # Treatment history, and a result the coordinator marks as from the medical history, may predate consent.
    if kind.history or values.get("source") == RecordSource.HISTORY:
        _ensure_consented(patient)
    else:
        ensure_dated_on_or_after_consent(patient, on, kind.date_field)
    return kind.prepare(patient, protocol_for(patient.site.trial), dict(values))


def _ensure_may_enter(user, patient: Patient) -> None:
    if not can_enter_data(user, patient.site):
        raise PermissionDenied


def screening_record_create(*, acting_user, kind: str, patient: Patient, values: dict[str, Any]) -> ScreeningRecord:
    """Record a new screening record of ``kind`` (a ``KINDS`` slug) for ``patient``."""
    record_kind = KINDS[kind]
    _ensure_may_enter(acting_user, patient)
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(f"{kind} entered"):
        patient = _lock_patient(patient)
        checked = _checked_values(record_kind, patient, values)
        record = record_kind.model.objects.create(patient=patient, entered_by=acting_user, **checked)
        # In the same transaction: a change the signed evaluation used voids the signature with it.
        signature_void_if_changed(patient=patient, acting_user=acting_user)
        return record


def _locked_record(record: ScreeningRecord) -> ScreeningRecord:
    return type(record).objects.select_for_update().get(pk=record.pk)


def screening_record_update(
    *, acting_user, record: ScreeningRecord, version: int, reason: str, values: dict[str, Any]
) -> ScreeningRecord:
    """Correct a saved record. ``version`` is the one the form showed: a newer one raises ``StaleVersion``
    describing the other change; ``reason`` goes on the audit event."""
    kind = kind_of(record)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    _ensure_may_enter(acting_user, record.patient)
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(reason.strip()):
        patient = _lock_patient(record.patient)
        record = _locked_record(record)
        ensure_version(record, version, [*kind.fields, "status"])
        if record.in_error:
            raise ValidationError(_("This record was marked entered in error; enter a new record instead."))
        checked = _checked_values(kind, patient, values)
        for name, value in checked.items():
            setattr(record, name, value)
        record.save()
        record.refresh_from_db(fields=["version"])  # bumped by the database trigger
        signature_void_if_changed(patient=patient, acting_user=acting_user)
    return record


def screening_record_mark_in_error(*, acting_user, record: ScreeningRecord, version: int, reason: str) -> ScreeningRecord:
    """Withdraw a record from the facts as entered in error; the row and its history stay."""
    kind = kind_of(record)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason why this record was entered in error.")})
    _ensure_may_enter(acting_user, record.patient)
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(f"entered in error: {reason.strip()}"):
        _lock_patient(record.patient)
        record = _locked_record(record)
        ensure_version(record, version, [*kind.fields, "status"])
        ensure_open_for_entry(record.patient)
        if record.in_error:
            raise ValidationError(_("This record is already marked entered in error."))
        record.status = RecordStatus.ENTERED_IN_ERROR
        record.error_reason = reason.strip()
        record.save(update_fields=["status", "error_reason"])
        record.refresh_from_db(fields=["version"])
        signature_void_if_changed(patient=record.patient, acting_user=acting_user)
    return record


# -- investigator attestations ---------------------------------------------------------------------------


def can_attest(user, site: Site) -> bool:
    """Attestations are the investigator's decisions: investigators of the candidate's site only."""
    return has_role(user, Role.INVESTIGATOR, site)


def attestation_record(
    *, acting_user, patient: Patient, question: str, answer: bool | None, value: str = "",
    contraception_method: str = "", comment: str = "",
) -> Attestation:
    """Record an investigator's answer; it replaces the previous answer to the question (kept as history).
    ``answer`` for a yes/no question or attribute; ``value`` for the others (a choice, a number, a date)."""
    if not can_attest(acting_user, patient.site):
        raise PermissionDenied
    asked = {q.code: q for q in asked_questions(protocol_for(patient.site.trial))}.get(question)
    if asked is None:
        raise ValidationError({"question": _("The protocol asks no question %(question)s.") % {
            "question": repr(question)}})
    answer, value, problem = answer_problem(asked, answer, value, site_today(patient.site))
    if problem:
        raise ValidationError({"answer" if asked.type == YES_NO else "value": problem})
    method = contraception_method.strip()
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(f"attestation {question}"):
        patient = _lock_patient(patient)
        _ensure_consented(patient)
        if question == CONTRACEPTION_AGREED and answer:
            if not method:
                raise ValidationError({"contraception_method": _("Choose the contraception method agreed.")})
            if problem := rules.contraception_method_problem(method, protocol_for(patient.site.trial)):
                raise ValidationError({"contraception_method": problem})
        elif method:
            raise ValidationError({
                "contraception_method": _("A method is recorded only with agreement to contraception."),
            })
        attestation = Attestation.objects.create(
            patient=patient, question=question, answer=answer, value=value, contraception_method=method,
            comment=comment.strip(), recorded_by=acting_user,
        )
        signature_void_if_changed(patient=patient, acting_user=acting_user)
        return attestation


def attestations_record(*, acting_user, patient: Patient, answers: list[dict]) -> list[Attestation]:
    """Several answers in one save (``attestation_record`` each): all of them are kept, or none."""
    with transaction.atomic():
        return [attestation_record(acting_user=acting_user, patient=patient, **answer) for answer in answers]


# -- site reference ranges -------------------------------------------------------------------------------


def can_manage_reference_ranges(user, site: Site) -> bool:
    return user.is_superuser or can_enter_data(user, site)


def reference_range_save(
    *,
    acting_user,
    site: Site,
    test: str,
    sex: str,
    low: Decimal | None,
    high: Decimal,
    unit: str,
    version: int | None = None,
    reason: str = "",
) -> ReferenceRange:
    """Set the default range of ``site``'s hospital for a test and sex (shared by the hospital's sites in every
    trial; ``site``'s catalogue judges the test and unit). Changing an existing one needs its ``version`` and
    a reason; results already entered keep the range copied onto them."""
    if not can_manage_reference_ranges(acting_user, site):
        raise PermissionDenied
    protocol = protocol_for(site.trial)
    spec = protocol.lab_tests.get(test)
    if problem := rules.unit_problem(test, unit, spec):
        raise ValidationError({"unit": problem})
    problems = rules.reference_problems(test, low, high, unit, spec)
    raise_problems({{"reference_low": "low", "reference_high": "high"}[k]: v for k, v in problems.items()})
    with transaction.atomic(), pghistory.context(user=acting_user.pk):
        # Serialises two first ranges for one test at the hospital's sites (the unique constraint would refuse
        # the second with a database error instead of this message).
        Hospital.objects.select_for_update().get(pk=site.hospital_id)
        existing = ReferenceRange.objects.select_for_update().filter(
            hospital_id=site.hospital_id, test=test, sex=sex).first()
        if existing is None:
            with with_reason("reference range added"):
                return ReferenceRange.objects.create(
                    hospital_id=site.hospital_id, site=site, test=test, sex=sex, low=low, high=high, unit=unit)
        if version is None:
            raise ValidationError(_("%(hospital)s already has a range for this test and sex: correct that one.") % {
                "hospital": site.name,
            })
        if not reason.strip():
            raise ValidationError({"reason": _("Give the reason for the change.")})
        ensure_version(existing, version, ["low", "high", "unit"])
        with with_reason(reason.strip()):
            existing.low, existing.high, existing.unit = low, high, unit
            existing.save()
        existing.refresh_from_db(fields=["version"])
        return existing
