"""Reads of the follow-up: who may enroll, which reminders a user's dashboard and calendar show, and the
protocol data the schedules come from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from followup import rules, treatment_dates
from followup.models import Reminder, ReminderStatus, UrgentAlert
from patients.clock import site_today
from patients.models import Patient, PatientStatus
from screening.models import (
    Consent,
    EligibilitySignature,
    SignatureOutcome,
    SignatureStatus,
)
from trial.models import Role
from trial.protocol_versions import current_protocol
from trial.selectors import ShortList, first_of, sites_of

UPCOMING_DAYS = 14


def _valid_eligible(patient: Patient) -> QuerySet[EligibilitySignature]:
    return EligibilitySignature.objects.filter(patient=patient, status=SignatureStatus.VALID,
                                               outcome=SignatureOutcome.ELIGIBLE)


def eligible_signature(patient: Patient) -> EligibilitySignature | None:
    """The candidate's valid ``eligible`` signature, locked (call inside the enrolling transaction)."""
    return _valid_eligible(patient).select_for_update().first()


def treatment_bounds(patient: Patient, signature: EligibilitySignature) -> treatment_dates.Bounds:
    """The earliest day of any treatment step: the signature's day at the site and the first consent
    (screening, and so eligibility, counts from the first consent: ``screening.facts_builder``)."""
    first = Consent.objects.filter(patient=patient).order_by("signed_at", "pk").first()
    return treatment_dates.Bounds(consented_on=first.signed_on if first else signature.evaluated_on,
                                  signed_on=signature.evaluated_on)


def enrollment_form_bounds(patient: Patient, enrollment) -> treatment_dates.Bounds | None:
    """What the enrollment form checks its dates against: the recorded copies once enrolled, else the valid
    eligible signature's (None without one; the service then refuses the enrollment itself)."""
    if enrollment is not None and enrollment.eligibility_signed_on and enrollment.consented_on:
        return treatment_dates.Bounds.recorded_with(enrollment)
    signature = _valid_eligible(patient).first()
    return treatment_bounds(patient, signature) if signature else None


def enrollment_allowed(patient: Patient) -> bool:
    """Precondition of recording or changing an enrollment: the patient has a current (valid, not void)
    `eligible` signature. A signature voided by a data change blocks further steps until an investigator
    signs again; what was already recorded (an infusion) stands."""
    return _valid_eligible(patient).exists()


def reminders_visible_to(user, roles: list[str] | None = None) -> QuerySet[Reminder]:
    return Reminder.objects.filter(patient__site__in=sites_of(user, roles=roles)).select_related(
        "patient", "patient__site__trial"
    )


# Rows shown per list, the oldest first: a site that fell behind still gets its dashboard at once (each row
# costs about half a millisecond to render; three lists of 50 were most of a 200 ms page in the benchmark).
# The rest is counted on the dashboard and listed in the calendar feed and on each subject's follow-up page.
BOARD_LIST_LIMIT = 20


@dataclass(frozen=True)
class ReminderBoard:
    """The coordinator dashboard's three lists."""

    overdue: ShortList
    due_today: ShortList
    upcoming: ShortList  # due in the next UPCOMING_DAYS days
    undelivered: int = 0  # open reminders whose announcement reached nobody (``Reminder.undelivered_reason``)


def _board_conditions(user, now: dt.datetime, trial=None) -> tuple[Q, Q, Q]:
    """Per coordinator site, by its own today: overdue (past the due date, or the sweep's status), due today,
    and due in the next UPCOMING_DAYS days."""
    overdue, due_today, upcoming = Q(pk__in=[]), Q(pk__in=[]), Q(pk__in=[])
    overdue_after: dict[int, int | None] = {}
    for site in sites_of(user, roles=[Role.COORDINATOR], trial=trial).select_related("trial"):
        today = site_today(site, now)
        if site.trial_id not in overdue_after:
            protocol = current_protocol(site.trial)
            overdue_after[site.trial_id] = (protocol.reminders.overdue_after_days
                                            if protocol and protocol.reminders else None)
        days = overdue_after[site.trial_id]
        late = Q(status=ReminderStatus.OVERDUE)
        if days is not None:
            late |= Q(due_date__lte=rules.overdue_cutoff(today, days))
        # Past its due date is overdue to the coordinator at once; the protocol's limit is when the sweep also
        # tells the investigators. "Due today" is today only (a past-due item listed there hid how late it was).
        late |= Q(due_date__lt=today)
        at_site = Q(site=site)
        overdue |= at_site & late
        due_today |= at_site & ~late & Q(due_date=today)
        upcoming |= at_site & ~late & Q(due_date__gt=today, due_date__lte=today + dt.timedelta(days=UPCOMING_DAYS))
    return overdue, due_today, upcoming


def reminder_board(user, now: dt.datetime | None = None, trial=None) -> ReminderBoard:
    """Open reminders of the user's coordinator sites, by each site's own today, the oldest first.

    Each list is read with its own LIMIT and all sizes with one aggregate, so the page costs the same
    with 5 or 5,000 open reminders (it used to load them all). (One query numbering rows in a window was
    tried: no faster, the sort of the site's open reminders is the cost either way.)
    """
    now = now or timezone.now()
    conditions = _board_conditions(user, now, trial)
    # By the reminder's own site: each list is a range of the (site, due date) index of open reminders.
    open_reminders = Reminder.objects.filter(site__in=sites_of(user, roles=[Role.COORDINATOR], trial=trial)).open()
    order = ("due_date", "patient__screening_number", "kind", "sequence")
    # Only what a row shows: a reminder, its subject's number and initials, and the trial (a number is unique
    # only within its trial).
    shown = open_reminders.select_related("patient", "site__trial").only(
        "pk", "kind", "sequence", "due_date", "status", "undelivered_reason", "patient", "patient__screening_number", "patient__initials",
        "site", "site__trial", "site__trial__code",
    )
    rows = [list(shown.filter(condition).order_by(*order)[:BOARD_LIST_LIMIT]) for condition in conditions]
    totals = open_reminders.aggregate(**{f"list{n}": Count("pk", filter=c) for n, c in enumerate(conditions)},
                                      undelivered=Count("pk", filter=~Q(undelivered_reason="")))
    return ReminderBoard(*(ShortList(listed, totals[f"list{n}"]) for n, listed in enumerate(rows)),
                         undelivered=totals["undelivered"])


def ready_to_enroll(user, trial=None) -> ShortList:
    """Candidates of the user's coordinator sites signed eligible and not yet enrolled, by screening number."""
    ready = Patient.objects.filter(
        site__in=sites_of(user, roles=[Role.COORDINATOR], trial=trial), status=PatientStatus.ELIGIBLE,
        enrollment__isnull=True
    ).order_by("screening_number")
    return first_of(ready.select_related("site__trial").only(
        "pk", "screening_number", "initials", "site", "site__trial", "site__trial__code"), BOARD_LIST_LIMIT)


def reminder_for_update(user, pk: int) -> Reminder:
    """A reminder of a coordinator's site (404 otherwise, via get_object_or_404 in the view)."""
    return reminders_visible_to(user, roles=[Role.COORDINATOR]).get(pk=pk)


def open_alerts_for(user, trial=None) -> QuerySet[UrgentAlert]:
    """Unacknowledged urgent alerts of the user's investigator sites."""
    return (
        UrgentAlert.objects.filter(
            patient__site__in=sites_of(user, roles=[Role.INVESTIGATOR], trial=trial), acknowledged_at__isnull=True
        )
        .select_related("patient__site__trial", "reminder")
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
