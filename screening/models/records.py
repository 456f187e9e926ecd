"""What every screening record entered by hand shares: who entered it, a version for concurrent edits, and
removal as "entered in error" (with a reason) instead of deletion, so the audit trail and any signature that
used the record keep pointing at a row that still exists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from patients.versioning import version_bump


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENTERED_IN_ERROR = "entered_in_error", _("Entered in error")


class RecordSource(models.TextChoices):
    # A screening procedure must follow consent; a result from the medical history may predate it, and then
    # counts only for what the protocol reads "ever" (it is never a current screening value).
    SCREENING = "screening", _("Screening procedure")
    HISTORY = "history", _("Medical history (before consent)")


class ActiveRecords(models.QuerySet):
    def active(self) -> ActiveRecords:
        """Records that count as facts: everything not marked entered in error."""
        return self.filter(status=RecordStatus.ACTIVE)


class ScreeningRecord(models.Model):
    """Abstract base of the records coordinators enter for a candidate (labs, assessments, treatments)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=RecordStatus.choices, default=RecordStatus.ACTIVE)
    error_reason = models.TextField(_("why entered in error"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    # Bumped by a database trigger on every real change: a correction based on an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ActiveRecords.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(status=RecordStatus.ACTIVE, error_reason="")
                | (Q(status=RecordStatus.ENTERED_IN_ERROR) & ~Q(error_reason="")),
                name="%(class)s_error_reason_only_when_in_error",
            ),
        ]
        triggers = [version_bump()]

    @property
    def in_error(self) -> bool:
        return self.status == RecordStatus.ENTERED_IN_ERROR
