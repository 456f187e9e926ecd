"""Celery tasks of the sign-off: the daily re-check of signatures against the protocol version in force, and
the hourly sweep of the worklists' summaries."""

from __future__ import annotations

import logging

import pghistory
from celery import shared_task

from screening.signoff.recheck import recheck_all
from screening.signoff.summaries import summaries_refresh_stale

logger = logging.getLogger(__name__)

RECHECK_TASK = "screening.recheck_signatures"
SUMMARIES_TASK = "screening.refresh_evaluation_summaries"


@shared_task(name=RECHECK_TASK, ignore_result=True)
def recheck_signatures() -> None:
    with pghistory.context(task=RECHECK_TASK):
        superseded = recheck_all()
    logger.info("signature re-check: %d superseded by the protocol version in force", len(superseded))


@shared_task(name=SUMMARIES_TASK, ignore_result=True)
def refresh_evaluation_summaries() -> None:
    """A new day at a site, or a protocol version taking effect, changes evaluations without any write."""
    refreshed = summaries_refresh_stale()
    logger.info("evaluation summaries: %d written", refreshed)
