"""Queueing a reminder sweep now: the best-effort nudge a service gives after a commit.

Apart from ``followup.tasks`` (which calls the services) so that the services can queue a sweep without
importing the tasks: the message names the task, whose worker runs it.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

SWEEP_TASK = "followup.sweep_reminders"


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
            current_app.send_task(SWEEP_TASK, connection=connection, retry=False,
                                  expires=settings.FOLLOWUP_SWEEP_SECONDS)
    except Exception:  # noqa: BLE001 - a broker error must never reach the user who just saved data
        logger.warning("followup: could not queue a sweep (broker unavailable?); the beat sweep will catch up",
                       exc_info=True)
