"""Source data verification and data queries: what a monitor records about a candidate's data.

A *record* is one row of any tracked model, named as the audit ledger names it: ``record_type`` (the
model label, e.g. ``patients.Patient``) and ``object_id``. A verification says "I compared this record, as
of ledger entry N (and, for a model that counts its versions, as of version V), with the source documents";
any later ledger entry of the record is a change since verification. A screening record is verified when a
monitor verified its current version, whoever it was: source data verification is the record's state. A query asks the site about one field of a record; it stays open until the monitor closes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from trial.audit import audited
from trial.audit.naming import field_labels, record_name_of


@audited
class Verification(models.Model):
    """A monitor's source data verification of one record, as it stood at ``ledger_entry_id``."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="verifications")
    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    # The newest ledger entry of the record when it was verified; later entries are changes since.
    ledger_entry_id = models.BigIntegerField()
    # The record's ``version`` (bumped by a trigger on every change) when verified, for models that have one:
    # compared with the record's own column, it tells verified / changed since without reading the ledger,
    # which the monitor's counts per site need (a ledger aggregate over every record is too slow).
    record_version = models.PositiveIntegerField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["patient", "record_type", "object_id"], name="verification_record_idx"),
            models.Index(fields=["record_type", "object_id", "record_version"], name="verification_version_idx"),
        ]
        ordering = ["-verified_at"]

    def __str__(self) -> str:
        return str(_("%(record)s %(id)s verified at audit entry %(entry)s") % {
            "record": record_name_of(self.record_type), "id": self.object_id, "entry": self.ledger_entry_id})


class QueryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    # The monitor found the answer wanting, or the closed question back: unresolved again, to be answered.
    REOPENED = "reopened", _("Reopened")


@audited
class DataQuery(models.Model):
    """A monitor's question about one field of one record. Open and answered queries are unresolved:
    only the monitor's close resolves them (a later sign-off issue blocks the signature meanwhile)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="data_queries")
    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    field = models.CharField(max_length=100)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=QueryStatus.choices, default=QueryStatus.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Why the monitor closed it: required when the site never answered (the record was corrected instead, or
    # the question was withdrawn), so no query is closed without an answer or a note.
    close_note = models.TextField(_("note on closing"), blank=True, default="", db_default="")
    reopen_note = models.TextField(_("why reopened"), blank=True, default="", db_default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=QueryStatus.OPEN) | models.Q(answered_at__isnull=True, closed_at__isnull=True),
                name="data_query_open_has_no_answer_or_close",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=QueryStatus.ANSWERED)
                | (models.Q(answered_at__isnull=False, answered_by__isnull=False, closed_at__isnull=True)
                   & ~models.Q(answer="")),
                name="data_query_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=QueryStatus.CLOSED)
                | models.Q(closed_at__isnull=False, closed_by__isnull=False),
                name="data_query_closed_has_closer",
            ),
            models.CheckConstraint(condition=~models.Q(text=""), name="data_query_has_text"),
            models.CheckConstraint(
                condition=~models.Q(status=QueryStatus.REOPENED)
                | (models.Q(closed_at__isnull=True) & ~models.Q(reopen_note="")),
                name="data_query_reopened_has_note_and_no_close",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=QueryStatus.CLOSED) | ~models.Q(answer="") | ~models.Q(close_note=""),
                name="data_query_closed_has_answer_or_note",
            ),
        ]
        indexes = [models.Index(fields=["patient", "status"], name="data_query_patient_status_idx")]
        ordering = ["raised_at"]
        verbose_name = _("data query")
        verbose_name_plural = _("data queries")

    def __str__(self) -> str:
        return str(_("Query on %(record)s %(id)s, %(field)s (%(status)s)") % {
            "record": record_name_of(self.record_type), "id": self.object_id,
            "field": field_labels(self.record_type, get_language()).get(self.field, self.field),
            "status": self.get_status_display()})
