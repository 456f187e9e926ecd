"""Celery tasks of the follow-up: one periodic sweep (beat), and the best-effort nudge a web request may give.

The database rows are the source of truth; a task carries no data, so a lost, doubled or late message costs
at most a few minutes (the next beat) and never a missed or repeated reminder.
"""

from __future__ import annotations

import logging

import pghistory
from celery import current_app, shared_task
from django.conf import settings

from followup import services

logger = logging.getLogger(__name__)

SWEEP_TASK = "followup.sweep_reminders"


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_reminders() -> None:
    with pghistory.context(task=SWEEP_TASK):
        result = services.reminders_sweep()
    logger.info(
        "followup sweep: %d sent, %d overdue, %d urgent alerts emailed",
        result.sent, result.overdue, result.alerts_emailed,
    )


def enqueue_sweep() -> None:
    """Queue a sweep now, for ``transaction.on_commit`` in services. Never raises and never waits long:
    with Redis down the data is already saved and the next beat sweep catches up."""
    try:
        # A fresh connection with one short attempt: kombu's default would retry for seconds. The URL is
        # read from settings at call time so a deployment (or a test) can point it elsewhere.
        with current_app.connection_for_write(
            settings.CELERY_BROKER_URL,
            connect_timeout=1,
            transport_options={"max_retries": 0, "socket_connect_timeout": 1, "socket_timeout": 1},
        ) as connection:
            sweep_reminders.apply_async(connection=connection, retry=False, expires=settings.FOLLOWUP_SWEEP_SECONDS)
    except Exception:  # noqa: BLE001 - a broker error must never reach the user who just saved data
        logger.warning("followup: could not queue a sweep (broker unavailable?); the beat sweep will catch up",
                       exc_info=True)
