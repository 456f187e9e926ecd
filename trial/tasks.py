"""Celery tasks of the audit trail: a signed checkpoint of the chain's head, and the nightly verification."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.management import call_command
from django.core.management.base import CommandError

from trial.audit import checkpoints

logger = logging.getLogger(__name__)


@shared_task(name="trial.write_audit_checkpoint", ignore_result=True)
def write_audit_checkpoint() -> None:
    written = checkpoints.write_checkpoint()
    logger.info("audit checkpoint: %s", written.path if written else "ledger empty, none written")


@shared_task(name="trial.verify_audit", ignore_result=True)
def verify_audit() -> None:
    """From the newest checkpoint (the full run is ``manage.py verify_audit``); the result is recorded and
    shown on the audit log and the monitor dashboard, and a failure is mailed to the sponsor."""
    try:
        call_command("verify_audit", "--incremental")
    except CommandError as error:
        logger.error("%s", error)
