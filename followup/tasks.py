"""Celery tasks of the follow-up: one periodic sweep (beat), and the best-effort nudge a web request may give.

The database rows are the source of truth; a task carries no data, so a lost, doubled or late message costs
at most a few minutes (the next beat) and never a missed or repeated reminder.
"""

from __future__ import annotations

import logging

import pghistory
from celery import shared_task

from followup import services
from followup.queue import SWEEP_TASK

logger = logging.getLogger(__name__)



@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_reminders() -> None:
    with pghistory.context(task=SWEEP_TASK):
        result = services.reminders_sweep()
    logger.info(
        "followup sweep: %d sent, %d overdue, %d urgent alerts emailed",
        result.sent, result.overdue, result.alerts_emailed,
    )
