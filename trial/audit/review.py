"""Writes of the monitor review: source data verification and the life of a data query.

Who may do what: a monitor *of the candidate's site* verifies records, raises and closes queries; the site's
coordinator or investigator answers them. A monitor never enters data: answering is refused to monitors
even when they hold another role elsewhere.

Answering is an answer text for now; correcting the record itself happens on the record's own page (with
its reason, through that page's service), and the monitor then closes the query.
"""

from __future__ import annotations

import pghistory
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trial.audit.monitoring import DataQuery, QueryStatus, Verification
from trial.audit.search import latest_entry_of_record, queryable_fields
from trial.models import Role
from trial.selectors import has_role


def _audit(acting_user, reason: str):
    """The reason and the acting user, also when the service runs outside a request (tasks, shell)."""
    return pghistory.context(user=acting_user.pk, reason=reason)


def _require_monitor(user, patient) -> None:
    if not has_role(user, Role.MONITOR, patient.site):
        raise PermissionDenied("Only a monitor of the candidate's site may do this.")


def _require_record_of(patient, record_type: str, object_id: str) -> int:
    """The record must have audit history under this candidate; returns its newest ledger entry."""
    latest = latest_entry_of_record(patient, record_type, object_id)
    if latest is None:
        raise ValidationError(_("This record has no history under this candidate."))
    return latest


def _current_version(record_type: str, object_id: str) -> int | None:
    """The record's ``version`` now, locked against a change until the verification is written; None for a
    model that keeps no version (it is verified by its ledger entry alone)."""
    model = apps.get_model(record_type)
    if not any(field.name == "version" for field in model._meta.concrete_fields):
        return None
    return model._default_manager.select_for_update().filter(pk=object_id).values_list("version", flat=True).first()


def _verify(acting_user, patient, record_type: str, object_id: str, seen_version: int | None) -> Verification:
    latest = _require_record_of(patient, record_type, object_id)
    version = _current_version(record_type, object_id)
    # What the monitor compared is what the page showed: a record changed since is not verified unseen.
    if seen_version is not None and version is not None and seen_version != version:
        raise ValidationError(_("The record changed after the page was shown: look at it again, then verify."))
    return Verification.objects.create(
        patient=patient, record_type=record_type, object_id=object_id, ledger_entry_id=latest,
        record_version=version, verified_by=acting_user, verified_at=timezone.now(),
    )


def verification_create(*, acting_user, patient, record_type: str, object_id: str,
                        seen_version: int | None = None) -> Verification:
    """Mark one record of the candidate as verified against the source, as it stands now (as the monitor saw
    it, ``seen_version``, when the page sent it)."""
    with transaction.atomic():
        _require_monitor(acting_user, patient)
        with _audit(acting_user, "source data verified"):
            return _verify(acting_user, patient, record_type, object_id, seen_version)


def verifications_create(*, acting_user, patient, record_type: str,
                         seen: list[tuple[str, int]]) -> list[Verification]:
    """Verify every record a panel showed (object id, version shown) at once: all are verified, or none when
    one of them changed meanwhile."""
    if not seen:
        raise ValidationError(_("There is nothing to verify in this panel."))
    with transaction.atomic():
        _require_monitor(acting_user, patient)
        with _audit(acting_user, "source data verified"):
            return [_verify(acting_user, patient, record_type, object_id, version) for object_id, version in seen]


def query_raise(*, acting_user, patient, record_type: str, object_id: str, field: str, text: str) -> DataQuery:
    """Ask the site about one field of one record of the candidate."""
    text = text.strip()
    with transaction.atomic():
        _require_monitor(acting_user, patient)
        _require_record_of(patient, record_type, object_id)
        if field not in {column for column, _label in queryable_fields(record_type)}:
            raise ValidationError({"field": _("Choose a field of this record.")})
        if not text:
            raise ValidationError({"text": _("Write the question.")})
        with _audit(acting_user, "data query raised"):
            return DataQuery.objects.create(
                patient=patient, record_type=record_type, object_id=object_id, field=field, text=text,
                raised_by=acting_user, raised_at=timezone.now(),
            )


def query_answer(*, acting_user, query: DataQuery, answer: str) -> DataQuery:
    """The site's answer to an open query (coordinator or investigator of the candidate's site)."""
    answer = answer.strip()
    with transaction.atomic():
        query = DataQuery.objects.select_for_update().select_related("patient__site").get(pk=query.pk)
        site = query.patient.site
        if has_role(acting_user, Role.MONITOR, site) or not (
            has_role(acting_user, Role.COORDINATOR, site) or has_role(acting_user, Role.INVESTIGATOR, site)
        ):
            raise PermissionDenied("Only the site's coordinator or investigator answers queries.")
        if query.status not in (QueryStatus.OPEN, QueryStatus.REOPENED):
            raise ValidationError(_("This query is not open any more."))
        if not answer:
            raise ValidationError({"answer": _("Write the answer.")})
        query.answer = answer
        query.answered_by = acting_user
        query.answered_at = timezone.now()
        query.status = QueryStatus.ANSWERED
        with _audit(acting_user, "data query answered"):
            query.save(update_fields=["answer", "answered_by", "answered_at", "status"])
        return query


def query_close(*, acting_user, query: DataQuery, note: str = "") -> DataQuery:
    """The monitor resolves a query: answered, or, with a note saying why, open (the site corrected the record
    instead, or the question is withdrawn). A closed query stays listed with the candidate."""
    note = note.strip()
    with transaction.atomic():
        query = DataQuery.objects.select_for_update().select_related("patient__site").get(pk=query.pk)
        _require_monitor(acting_user, query.patient)
        if query.status == QueryStatus.CLOSED:
            raise ValidationError(_("This query is already closed."))
        if not query.answer and not note:
            raise ValidationError({"note": _(
                "The site has not answered this query: write why it is closed (for example, the record was "
                "corrected).")})
        query.status = QueryStatus.CLOSED
        query.closed_by = acting_user
        query.closed_at = timezone.now()
        query.close_note = note
        with _audit(acting_user, "data query closed"):
            query.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
        return query


def query_reopen(*, acting_user, query: DataQuery, note: str) -> DataQuery:
    """The monitor takes an answered or closed query back to the site, saying why; it is unresolved again
    (the sign-off waits for it) and the site answers it anew. The earlier answer and close stay in the audit."""
    note = note.strip()
    with transaction.atomic():
        query = DataQuery.objects.select_for_update().select_related("patient__site").get(pk=query.pk)
        _require_monitor(acting_user, query.patient)
        if query.status not in (QueryStatus.ANSWERED, QueryStatus.CLOSED):
            raise ValidationError(_("Only an answered or closed query can be reopened."))
        if not note:
            raise ValidationError({"note": _("Write why the query is reopened: the site reads it.")})
        query.status = QueryStatus.REOPENED
        query.reopen_note = note
        query.closed_by, query.closed_at = None, None
        with _audit(acting_user, "data query reopened"):
            query.save(update_fields=["status", "reopen_note", "closed_by", "closed_at"])
        return query
