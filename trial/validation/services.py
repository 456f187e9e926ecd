"""The one write of the validation pack: a finished run's report, its files written to disk and stored."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db import transaction

from trial.validation.records import ValidationDocument, ValidationReport
from trial.validation.report import LANGUAGES, Run, report_html, report_pdf
from trial.validation.trace import FAILED, PASSED


def documents_of(run: Run) -> dict[tuple[str, str], bytes]:
    """{(language, format): content} of the four files of a run's report."""
    found = {}
    for language in LANGUAGES:
        found[(language, "html")] = report_html(run, language)
        found[(language, "pdf")] = report_pdf(run, language)
    return found


@transaction.atomic
def store_report(run: Run, folder: Path | None = None) -> ValidationReport:
    """Store the run and its four files; when ``folder`` is given, write them there too with a SHA256SUMS
    file (the copy a quality manager files without opening the portal)."""
    report = ValidationReport.objects.create(
        started_at=run.started_at, finished_at=run.finished_at, ran_by=run.ran_by[:150], host=run.host[:200],
        portal_version=run.portal_version, commit=run.commit[:64], outcome=run.outcome,
        requirements_total=len(run.rows), requirements_verified=run.verified, checks_failed=run.checks_failed,
        tests_passed=run.tests.get(PASSED, 0), tests_failed=run.tests.get(FAILED, 0),
    )
    sums = []
    for (language, kind), content in documents_of(run).items():
        document = ValidationDocument.objects.create(report=report, language=language, format=kind,
                                                     content=content, sha256=hashlib.sha256(content).hexdigest())
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / document.filename).write_bytes(content)
            sums.append(f"{document.sha256}  {document.filename}\n")
    if folder is not None:
        (folder / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")
    return report
