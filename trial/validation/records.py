"""Stored validation reports: one run and its four files (HTML and PDF, English and Chinese). Append-only: a
report is evidence for the trial master file, so a new run is a new report, never an edit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from trial.audit import append_only


class ValidationReport(models.Model):
    class Outcome(models.TextChoices):
        PASSED = "passed", _("passed")
        PASSED_WITH_WARNINGS = "passed_with_warnings", _("passed with warnings")
        FAILED = "failed", _("failed")

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ran_by = models.CharField(max_length=150)
    host = models.CharField(max_length=200)
    portal_version = models.CharField(max_length=64)
    commit = models.CharField(max_length=64)
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    requirements_total = models.PositiveIntegerField()
    requirements_verified = models.PositiveIntegerField()
    checks_failed = models.PositiveIntegerField()
    tests_passed = models.PositiveIntegerField()
    tests_failed = models.PositiveIntegerField()

    class Meta:
        triggers = append_only("validation_report_append_only")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"validation {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


class ValidationDocument(models.Model):
    class Format(models.TextChoices):
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"

    report = models.ForeignKey(ValidationReport, on_delete=models.PROTECT, related_name="documents")
    language = models.CharField(max_length=8)  # en, zh-hans
    format = models.CharField(max_length=4, choices=Format.choices)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        triggers = append_only("validation_document_append_only")
        constraints = [models.UniqueConstraint(fields=["report", "language", "format"],
                                               name="validation_document_unique")]
        ordering = ["language", "format"]

    @property
    def filename(self) -> str:
        return f"validation-{self.report.started_at:%Y%m%dT%H%M%SZ}-{self.language}.{self.format}"
