"""Reads of the audit ledger and of the monitor's records, always scoped to what the viewer may see.

Listing is keyset-paginated on the ledger id (``id < before``, newest first): ids are handed out in commit
order under the ledger lock, so a page boundary neither skips nor repeats entries while others write, and
page 1,000 costs what page 1 costs. There is no OFFSET anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from trial.audit.ledger import (
    HIDDEN,
    IDENTIFIER_FIELDS,
    AuditEntry,
    VerificationRun,
    event_models,
)
from trial.audit.monitoring import DataQuery, QueryStatus, Verification
from trial.audit.naming import field_label, field_labels, model_of, record_type_label
from trial.models import Role, Site, Trial
from trial.selectors import sites_of

PAGE_SIZE = 50


def is_sponsor_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def audit_sites_of(user) -> list[int] | None:
    """Site ids whose entries the user may read in the audit log; None means every entry, including those
    that belong to no site (staff accounts, the trial itself): sponsor admins only."""
    if is_sponsor_admin(user):
        return None
    return list(sites_of(user, roles=[Role.MONITOR]).values_list("pk", flat=True))


def entries_visible_to(user) -> QuerySet[AuditEntry]:
    sites = audit_sites_of(user)
    entries = AuditEntry.objects.all()
    # A literal id list (not a subquery) lets the planner pick the (site_id, id DESC) index.
    return entries if sites is None else entries.filter(site_id__in=sites)


@dataclass(frozen=True)
class AuditFilters:
    site_id: int | None = None
    trial_site_ids: tuple[int, ...] | None = None  # a trial chosen: its sites' ids (literals, as for scoping)
    patient_id: int | None = None
    user_id: int | None = None
    record_type: str = ""
    action: str = ""
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive
    reason: str = ""

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        conditions = Q()
        if self.site_id is not None:
            conditions &= Q(site_id=self.site_id)
        if self.trial_site_ids is not None:
            conditions &= Q(site_id__in=self.trial_site_ids)
        if self.patient_id is not None:
            conditions &= Q(patient_id=self.patient_id)
        if self.user_id is not None:
            conditions &= Q(user_id=self.user_id)
        if self.record_type:
            conditions &= Q(record_type=self.record_type)
        if self.action:
            conditions &= Q(action=self.action)
        if self.since is not None:
            conditions &= Q(occurred_at__gte=self.since)
        if self.until is not None:
            conditions &= Q(occurred_at__lt=self.until)
        if self.reason:
            conditions &= Q(reason__icontains=self.reason)
        if len(self.reason) >= 2:
            # Served by ledger_reason_bigrams_idx (migration 0006); ILIKE above checks the exact text.
            entries = entries.filter(
                RawSQL("trial_bigrams(reason) @> trial_bigrams(%s)", [self.reason], output_field=BooleanField())
            )
        return entries.filter(conditions)


def _for_display(entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    return entries.select_related("site__hospital", "patient", "user").only(
        "id", "occurred_at", "action", "record_type", "object_id", "url", "reason", "changes", "event_table",
        "site__number", "site__hospital__name", "site__hospital__time_zone", "patient__screening_number", "patient__site_id",
        "user__username", "user__first_name", "user__last_name",
    )


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    next_before: int | None  # the ``before`` of the next (older) page; None on the last page


def search_entries(user, filters: AuditFilters, before: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of the viewer's entries matching ``filters``, newest first, older than ``before``."""
    entries = filters.apply(entries_visible_to(user))
    if before is not None:
        entries = entries.filter(id__lt=before)
    rows = list(_for_display(entries).order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].pk if more and rows else None)


def iter_entries(user, filters: AuditFilters, chunk: int = 2000) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, fetched a keyset chunk at a time (for the streamed CSV)."""
    before = None
    while True:
        page = search_entries(user, filters, before=before, limit=chunk)
        yield from page.entries
        if page.next_before is None:
            return
        before = page.next_before


def patient_history(patient, after: int | None = None, limit: int = 200) -> Page:
    """Every ledger entry about one candidate, oldest first; ``next_before`` is here the next ``after``."""
    entries = AuditEntry.objects.filter(patient_id=patient.pk)
    if after is not None:
        entries = entries.filter(id__gt=after)
    rows = list(_for_display(entries).order_by("id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].pk if more and rows else None)


def latest_entry_of_record(patient, record_type: str, object_id: str) -> int | None:
    return (
        AuditEntry.objects.filter(patient_id=patient.pk, record_type=record_type, object_id=object_id)
        .aggregate(latest=Max("id"))["latest"]
    )


def my_verifications(user, patient) -> dict[tuple[str, str], int]:
    """(record_type, object_id) → the ledger entry the user last verified that record at."""
    marks: dict[tuple[str, str], int] = {}
    rows = Verification.objects.filter(patient=patient, verified_by=user).values_list(
        "record_type", "object_id", "ledger_entry_id"
    )
    for record_type, object_id, entry_id in rows:
        key = (record_type, object_id)
        marks[key] = max(marks.get(key, 0), entry_id)
    return marks


VERIFIED, CHANGED = "verified", "changed"


def verified_versions(patient) -> dict[tuple[str, str], int]:
    """(record_type, object_id) → the newest version of the record any monitor verified (one query). A record
    whose ``version`` is higher changed since; records never verified are absent."""
    return {
        (record_type, object_id): newest for record_type, object_id, newest in
        Verification.objects.filter(patient=patient, record_version__isnull=False).order_by()
        .values("record_type", "object_id").annotate(newest=Max("record_version"))
        .values_list("record_type", "object_id", "newest")
    }


def verification_state(verified: dict[tuple[str, str], int], record_type: str, record) -> str:
    """``VERIFIED``, ``CHANGED`` or "" (never verified) of one record with a ``version``."""
    seen = verified.get((record_type, str(record.pk)))
    if seen is None:
        return ""
    return VERIFIED if seen >= record.version else CHANGED


def closed_queries(patient) -> QuerySet[DataQuery]:
    return DataQuery.objects.filter(patient=patient, status=QueryStatus.CLOSED).order_by("-closed_at")


def open_queries(patient) -> QuerySet[DataQuery]:
    """Unresolved queries (open or answered, not yet closed by the monitor) of one candidate. The
    eligibility sign-off refuses to sign while this is not empty."""
    return DataQuery.objects.filter(patient=patient).exclude(status=QueryStatus.CLOSED).order_by("raised_at")


def open_queries_for_site_staff(user, roles: list[str], trial=None) -> QuerySet[DataQuery]:
    """Unresolved queries of every candidate at the sites where the user holds one of ``roles`` (of ``trial``)."""
    return (
        DataQuery.objects.filter(patient__site__in=sites_of(user, roles=roles, trial=trial))
        .exclude(status=QueryStatus.CLOSED)
        .select_related("patient__site__trial", "raised_by")
        .order_by("raised_at")
    )


def unresolved_query_counts(patients, by: str) -> dict[int, int]:
    """``by`` ("patient__site_id" or "patient_id") → how many unresolved queries the candidates ``patients``
    (a queryset or ids) have; none: absent (one query)."""
    return dict(
        DataQuery.objects.filter(patient__in=patients).exclude(status=QueryStatus.CLOSED).order_by()
        .values(by).annotate(n=Count("pk")).values_list(by, "n")
    )


def last_verification_run() -> VerificationRun | None:
    return VerificationRun.objects.order_by("-id").first()


def sites_for_filter(user) -> QuerySet[Site]:
    return Site.objects.all() if is_sponsor_admin(user) else sites_of(user, roles=[Role.MONITOR])


def trials_for_filter(user) -> QuerySet[Trial]:
    return Trial.objects.filter(sites__in=sites_for_filter(user)).distinct().order_by("code")


# --- Presenting changes -------------------------------------------------------------------------------------


def record_type_choices() -> list[tuple[str, str]]:
    labels = {model.pgh_tracked_model._meta.label for model in event_models()}
    return sorted(((label, record_type_label(label)) for label in labels), key=lambda choice: choice[1])


@dataclass(frozen=True)
class FieldChange:
    field: str  # the column, as stored
    label: str
    old: object
    new: object


def visible_changes(entry: AuditEntry) -> list[FieldChange]:
    """The entry's field-by-field changes without direct identifiers (never shown to monitors, never
    exported), labelled with the fields' verbose names."""
    labels = field_labels(entry.record_type, get_language())
    return [
        FieldChange(field, labels.get(field, field), old, new)
        for field, (old, new) in sorted(entry.changes.items())
        if field not in IDENTIFIER_FIELDS and HIDDEN not in (old, new)
    ]


def queryable_fields(record_type: str) -> list[tuple[str, str]]:
    """Fields a query may be raised on: the record's fields other than identifiers and the primary key."""
    model = model_of(record_type)
    if model is None:
        return []
    identifiers = IDENTIFIER_FIELDS | set(getattr(model, "identifier_fields", ()))
    return [
        (field.column, field_label(field))
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in identifiers
    ]
