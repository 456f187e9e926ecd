"""The worklists' summaries of each candidate's evaluation (``screening.models.worklist``): written after the
commit of every write the evaluation reads, and by the hourly sweep for a new day or a protocol version
that has taken effect; read by the dashboards without evaluating anything."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from patients.clock import site_today
from patients.models import Patient, PatientStatus
from screening.models import EvaluationSummary
from screening.signoff.selectors import assess
from screening.signoff.work_state import work_state
from trial.protocol_versions import current_protocol_version

logger = logging.getLogger(__name__)


def summary_refresh(patient: Patient, today: dt.date | None = None) -> EvaluationSummary | None:
    """Evaluate the candidate as the sign-off page would (decisions applied) and keep its summary; None
    (and no summary) when no protocol is in force."""
    assessment = assess(patient, today)
    if assessment is None:
        EvaluationSummary.objects.filter(patient=patient).delete()
        return None
    work = work_state(assessment.decided)
    summary, _created = EvaluationSummary.objects.update_or_create(patient=patient, defaults={
        "protocol_version": assessment.protocol_version, "evaluated_on": assessment.decided.evaluation.evaluated_on,
        "overall": work.overall, "state": work.state, "missing_items": work.missing_items,
        "missing_codes": list(work.missing_codes), "review_codes": list(work.review_codes),
        "failed_codes": list(work.failed_codes), "facts_sha256": assessment.sha256,
    })
    return summary


def summary_forget(patient: Patient) -> None:
    """Inside a write's transaction: the summary goes with it, and is written again once the write commits
    (rolled back together if the write is). A failure then is logged, never the user's error: the data is
    saved, and the hourly sweep writes the summary."""
    EvaluationSummary.objects.filter(patient=patient).delete()
    transaction.on_commit(lambda: _refresh_once(patient.pk), robust=True)


def _refresh_once(patient_id: int) -> None:
    # Several writes in one transaction queue several callbacks: the first one writes the summary.
    if EvaluationSummary.objects.filter(patient_id=patient_id).exists():
        return
    patient = Patient.objects.select_related("site__trial", "site__hospital").filter(pk=patient_id).first()
    if patient is not None:
        summary_refresh(patient)


def summaries_refresh_stale(now: dt.datetime | None = None) -> int:
    """Every candidate in screening whose summary is missing, of an earlier day at its site, or of a protocol
    version no longer in force; returns how many were written."""
    versions: dict[tuple[int, dt.date], int | None] = {}
    refreshed = 0
    candidates = (Patient.objects.filter(status=PatientStatus.SCREENING)
                  .select_related("site__trial", "site__hospital", "evaluation_summary").order_by("pk"))
    for patient in candidates.iterator(chunk_size=200):
        today = site_today(patient.site, now)
        key = (patient.site.trial_id, today)
        if key not in versions:
            version = current_protocol_version(patient.site.trial, today)
            versions[key] = version.pk if version else None
        summary = getattr(patient, "evaluation_summary", None)
        if versions[key] is None or (summary is not None and summary.is_current(today, versions[key])):
            continue
        try:
            summary_refresh(patient, today)
            refreshed += 1
        except Exception:  # one candidate's failure must not stop the others; logged with its traceback
            logger.exception("evaluation summary of candidate %s not written", patient.pk)
    return refreshed
