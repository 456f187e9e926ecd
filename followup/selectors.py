"""Reads of the follow-up: who may enroll, which reminders a user's dashboard and calendar show, and the
protocol data the schedules come from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from followup import rules
from followup.models import Reminder, ReminderStatus, UrgentAlert
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import EligibilitySignature, SignatureOutcome, SignatureStatus
from trial.models import Role, Site, Trial
from trial.protocol_versions import current_protocol
from trial.selectors import sites_of

UPCOMING_DAYS = 14


class NoProtocolLoaded(LookupError):
    """The trial has no protocol version in force: nothing can be scheduled or enrolled."""


def protocol_for(trial: Trial, on: dt.date | None = None) -> Protocol:
    protocol = current_protocol(trial, on)
    if protocol is None:
        raise NoProtocolLoaded(_("no protocol version of %(trial)s is loaded (manage.py load_protocol)") % {
            "trial": trial.code,
        })
    return protocol


def enrollment_allowed(patient: Patient) -> bool:
    """Precondition of recording or changing an enrollment: the patient has a current (valid, not void)
    `eligible` signature. A signature voided by a data change blocks further steps until an investigator
    signs again; what was already recorded (an infusion) stands."""
    return EligibilitySignature.objects.filter(
        patient=patient, status=SignatureStatus.VALID, outcome=SignatureOutcome.ELIGIBLE
    ).exists()


def site_today(site: Site, now: dt.datetime | None = None) -> dt.date:
    """The calendar date at the site: due dates are site-local days."""
    return timezone.localtime(now or timezone.now(), ZoneInfo(site.time_zone)).date()


def staff_emails(site: Site, roles: list[str]) -> list[str]:
    users = get_user_model().objects.filter(
        site_roles__site=site, site_roles__role__in=roles, is_active=True
    ).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def reminders_visible_to(user, roles: list[str] | None = None) -> QuerySet[Reminder]:
    return Reminder.objects.filter(patient__site__in=sites_of(user, roles=roles)).select_related(
        "patient", "patient__site__trial"
    )


@dataclass(frozen=True)
class ReminderBoard:
    """The coordinator dashboard's three lists."""

    overdue: list[Reminder]
    due_today: list[Reminder]
    upcoming: list[Reminder]  # due in the next UPCOMING_DAYS days


def reminder_board(user, now: dt.datetime | None = None) -> ReminderBoard:
    """Open reminders of the user's coordinator sites, by each site's own today.

    "Overdue" is the status the sweep sets, and also anything past the protocol's limit the sweep has not
    reached yet (it runs every few minutes; the page must not wait for it).
    """
    now = now or timezone.now()
    rows = list(
        reminders_visible_to(user, roles=[Role.COORDINATOR])
        .open()
        .filter(due_date__lte=timezone.localdate(now) + dt.timedelta(days=UPCOMING_DAYS + 1))
        .order_by("due_date", "patient__screening_number", "kind", "sequence")
    )
    overdue_after: dict[int, int | None] = {}
    overdue, due_today, upcoming = [], [], []
    for reminder in rows:
        site = reminder.patient.site
        today = site_today(site, now)
        if site.trial_id not in overdue_after:
            protocol = current_protocol(site.trial)
            overdue_after[site.trial_id] = protocol.reminders.overdue_after_days if protocol else None
        days = overdue_after[site.trial_id]
        late = days is not None and rules.is_overdue(due_date=reminder.due_date, today=today, overdue_after_days=days)
        if reminder.status == ReminderStatus.OVERDUE or late:
            overdue.append(reminder)
        elif reminder.due_date <= today:
            due_today.append(reminder)
        elif reminder.due_date <= today + dt.timedelta(days=UPCOMING_DAYS):
            upcoming.append(reminder)
    return ReminderBoard(overdue, due_today, upcoming)


def reminder_for_update(user, pk: int) -> Reminder:
    """A reminder of a coordinator's site (404 otherwise, via get_object_or_404 in the view)."""
    return reminders_visible_to(user, roles=[Role.COORDINATOR]).get(pk=pk)


def open_alerts_for(user) -> QuerySet[UrgentAlert]:
    """Unacknowledged urgent alerts of the user's investigator sites."""
    return (
        UrgentAlert.objects.filter(
            patient__site__in=sites_of(user, roles=[Role.INVESTIGATOR]), acknowledged_at__isnull=True
        )
        .select_related("patient", "reminder")
        .order_by("-raised_at")
    )


def calendar_reminders(user, today: dt.date) -> QuerySet[Reminder]:
    """Open reminders of the sites where the user coordinates or investigates, from a month back (so what
    is late stays visible) onwards."""
    return (
        reminders_visible_to(user, roles=[Role.COORDINATOR, Role.INVESTIGATOR])
        .open()
        .filter(due_date__gte=today - dt.timedelta(days=31))
        .order_by("due_date", "pk")
    )
