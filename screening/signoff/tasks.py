"""Celery task of the sign-off: the daily re-check of signatures against the protocol version in force."""

from __future__ import annotations

import logging

import pghistory
from celery import shared_task

from screening.signoff.recheck import recheck_all

logger = logging.getLogger(__name__)

RECHECK_TASK = "screening.recheck_signatures"


@shared_task(name=RECHECK_TASK, ignore_result=True)
def recheck_signatures() -> None:
    with pghistory.context(task=RECHECK_TASK):
        superseded = recheck_all()
    logger.info("signature re-check: %d superseded by the protocol version in force", len(superseded))
