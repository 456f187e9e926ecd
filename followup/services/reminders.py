"""Completing reminders (pregnancy tests, contraception check-ins, notices) and acknowledging urgent alerts.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.models import (
    AlertKind,
    PregnancyTestResult,
    Reminder,
    ReminderKind,
    ReminderStatus,
    UrgentAlert,
)
from followup.services.common import (
    queue_sweep_after_commit,
    require_role,
)
from patients.clock import site_today
from trial.audit import with_reason
from trial.models import Role
from trial.protocol_versions import protocol_for

logger = logging.getLogger(__name__)


# -- completing reminders ------------------------------------------------------------------------------------------


def _lock_open(acting_user: AbstractBaseUser, reminder: Reminder) -> Reminder:
    reminder = Reminder.objects.select_for_update(of=("self",)).select_related("patient__site__trial", "patient__site__hospital").get(pk=reminder.pk)
    require_role(acting_user, reminder.patient.site, Role.COORDINATOR)
    if reminder.status == ReminderStatus.DONE:
        completed = timezone.localtime(reminder.completed_at)
        raise ValidationError(_("This reminder was already completed on %(when)s.") % {
            "when": f"{completed:%Y-%m-%d %H:%M}",
        })
    if reminder.status == ReminderStatus.CANCELLED:
        raise ValidationError(_("This reminder was cancelled (%(reason)s).") % {"reason": reminder.cancel_reason})
    return reminder


def _finish(reminder: Reminder, acting_user: AbstractBaseUser, fields: list[str]) -> None:
    reminder.status = ReminderStatus.DONE
    reminder.completed_by = acting_user
    reminder.completed_at = timezone.now()
    reminder.save(update_fields=["status", "completed_by", "completed_at", *fields])


def _raise_alert(reminder: Reminder, kind: AlertKind) -> UrgentAlert:
    alert = UrgentAlert.objects.create(patient=reminder.patient, reminder=reminder, kind=kind)
    queue_sweep_after_commit()  # the sweep emails the investigators
    return alert


def reminder_complete_pregnancy_test(
    *, acting_user: AbstractBaseUser, reminder: Reminder, result: str, tested_on: dt.date
) -> Reminder:
    """Record the serum pregnancy test a reminder asked for; a positive result alerts the investigators."""
    result = PregnancyTestResult(result)
    with transaction.atomic(), with_reason(f"pregnancy test recorded: {result.label}"):
        reminder = _lock_open(acting_user, reminder)
        if not reminder.is_pregnancy_test:
            raise ValidationError(_("This reminder is not a pregnancy test."))
        if tested_on > site_today(reminder.patient.site):
            raise ValidationError({"tested_on": _("The test date cannot be in the future.")})
        reminder.pregnancy_test_result = result
        reminder.pregnancy_test_on = tested_on
        _finish(reminder, acting_user, ["pregnancy_test_result", "pregnancy_test_on"])
        if result == PregnancyTestResult.POSITIVE:
            _raise_alert(reminder, AlertKind.POSITIVE_PREGNANCY_TEST)
    return reminder


def reminder_complete_contraception_checkin(
    *, acting_user: AbstractBaseUser, reminder: Reminder, method_in_use: bool, method: str
) -> Reminder:
    """Record whether contraception is still in use, and the method; "no" alerts the investigators."""
    with transaction.atomic(), with_reason(f"contraception check-in: {'in use' if method_in_use else 'NOT in use'}"):
        reminder = _lock_open(acting_user, reminder)
        if reminder.kind != ReminderKind.CONTRACEPTION_CHECKIN:
            raise ValidationError(_("This reminder is not a contraception check-in."))
        protocol = protocol_for(reminder.patient.site.trial)
        if method and method not in protocol.contraception_methods:
            raise ValidationError({"method": _("Not a contraception method the protocol accepts.")})
        if method_in_use and not method:
            raise ValidationError({"method": _("Name the method in use.")})
        reminder.contraception_in_use = method_in_use
        reminder.contraception_method = method
        _finish(reminder, acting_user, ["contraception_in_use", "contraception_method"])
        if not method_in_use:
            _raise_alert(reminder, AlertKind.CONTRACEPTION_STOPPED)
    return reminder


def reminder_complete_notice(*, acting_user: AbstractBaseUser, reminder: Reminder) -> Reminder:
    """Confirm the subject was told that the one-year contraception requirement has ended."""
    with transaction.atomic(), with_reason("end of the contraception requirement told to the subject"):
        reminder = _lock_open(acting_user, reminder)
        if reminder.kind != ReminderKind.CONTRACEPTION_END_NOTICE:
            raise ValidationError(_("This reminder needs a result; use its own form."))
        _finish(reminder, acting_user, [])
    return reminder


def alert_acknowledge(*, acting_user: AbstractBaseUser, alert: UrgentAlert) -> UrgentAlert:
    with transaction.atomic(), with_reason("urgent alert acknowledged"):
        alert = UrgentAlert.objects.select_for_update(of=("self",)).select_related("patient__site__trial", "patient__site__hospital").get(pk=alert.pk)
        require_role(acting_user, alert.patient.site, Role.INVESTIGATOR)
        if alert.acknowledged_at is None:
            alert.acknowledged_by = acting_user
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert
