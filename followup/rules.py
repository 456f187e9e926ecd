"""Pure rules of the one-year follow-up: which reminders a subject needs, when they fall due, when they are
overdue, which status changes are allowed, and how a changed schedule maps onto the rows already stored.

No Django here: dates are passed in (never ``today()`` inside a rule) and every interval comes from the
protocol's ``[reminders]`` section (``screening.eligibility.protocol.Reminders``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from screening.eligibility.protocol import Reminders, ReminderSchedule

APPLIES_TO_ALL = "all"
APPLIES_TO_CHILDBEARING_POTENTIAL = "childbearing_potential"


class Kind(StrEnum):
    PREGNANCY_TEST_PRE_LD = "pregnancy_test_pre_ld"
    PREGNANCY_TEST_MONTHLY = "pregnancy_test_monthly"
    CONTRACEPTION_CHECKIN = "contraception_checkin"
    CONTRACEPTION_END_NOTICE = "contraception_end_notice"


PREGNANCY_TEST_KINDS = frozenset({Kind.PREGNANCY_TEST_PRE_LD, Kind.PREGNANCY_TEST_MONTHLY})


class Status(StrEnum):
    PENDING = "pending"  # scheduled, not yet announced
    SENT = "sent"  # the coordinators were emailed on the due date
    OVERDUE = "overdue"  # still open ``overdue_after_days`` after the due date; investigators emailed too
    DONE = "done"  # completed, with its result
    CANCELLED = "cancelled"  # withdrawal, discontinuation, or no longer in the schedule


OPEN_STATUSES = frozenset({Status.PENDING, Status.SENT, Status.OVERDUE})

# Every allowed change of status; the database enforces the same list (pgtrigger FSM on Reminder).
# Moving an open reminder to a new due date returns it to pending: what was announced no longer holds.
# A cancelled one comes back only when the schedule needs it again (e.g. an infusion date re-entered).
TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset(
    {
        (Status.PENDING, Status.SENT),
        (Status.PENDING, Status.OVERDUE),
        (Status.PENDING, Status.DONE),
        (Status.PENDING, Status.CANCELLED),
        (Status.SENT, Status.OVERDUE),
        (Status.SENT, Status.DONE),
        (Status.SENT, Status.CANCELLED),
        (Status.SENT, Status.PENDING),
        (Status.OVERDUE, Status.DONE),
        (Status.OVERDUE, Status.CANCELLED),
        (Status.OVERDUE, Status.PENDING),
        (Status.CANCELLED, Status.PENDING),
    }
)


def can_transition(old: str, new: str) -> bool:
    return old == new or (Status(old), Status(new)) in TRANSITIONS


class ScheduledReminder(NamedTuple):
    """One reminder the schedule asks for; (kind, sequence) is its identity, sequence = month after infusion
    (0 for the test before lymphodepletion)."""

    kind: Kind
    sequence: int
    due_date: dt.date


@dataclass(frozen=True)
class Subject:
    childbearing_potential: bool


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def pre_lymphodepletion_due(lymphodepletion_on: dt.date, hours_before: int) -> dt.date:
    """The first calendar day on which a blood draw is surely within ``hours_before`` of lymphodepletion,
    whatever the clock times: for 48 hours, the day before (two days before could be 50 hours)."""
    return lymphodepletion_on - dt.timedelta(days=max(hours_before // 24 - 1, 0))


def _applies(schedule: ReminderSchedule, subject: Subject) -> bool:
    if schedule.applies_to == APPLIES_TO_CHILDBEARING_POTENTIAL:
        return subject.childbearing_potential
    return schedule.applies_to == APPLIES_TO_ALL


def _monthly(schedule: ReminderSchedule, infused_on: dt.date) -> list[tuple[int, dt.date]]:
    months = range(schedule.every_months, schedule.until_month + 1, schedule.every_months)
    return [(month, add_months(infused_on, month)) for month in months]


def reminder_schedule(
    *,
    subject: Subject,
    lymphodepletion_on: dt.date | None,
    infused_on: dt.date | None,
    reminders: Reminders | None,
) -> list[ScheduledReminder]:
    """Every reminder a subject needs, from the planned lymphodepletion date and the actual infusion date;
    none when the protocol declares no reminder schedules.

    Without a lymphodepletion date there is no pre-lymphodepletion test; without an infusion date nothing
    after it (the monthly reminders start when the infusion has happened, not when it is planned).
    """
    scheduled: list[ScheduledReminder] = []
    if reminders is None:
        return scheduled
    pregnancy, contraception = reminders.pregnancy_test, reminders.contraception
    if _applies(pregnancy, subject):
        if lymphodepletion_on is not None and pregnancy.before_lymphodepletion_hours is not None:
            due = pre_lymphodepletion_due(lymphodepletion_on, pregnancy.before_lymphodepletion_hours)
            scheduled.append(ScheduledReminder(Kind.PREGNANCY_TEST_PRE_LD, 0, due))
        if infused_on is not None:
            scheduled += [
                ScheduledReminder(Kind.PREGNANCY_TEST_MONTHLY, month, due)
                for month, due in _monthly(pregnancy, infused_on)
            ]
    if infused_on is not None and _applies(contraception, subject):
        scheduled += [
            ScheduledReminder(Kind.CONTRACEPTION_CHECKIN, month, due)
            for month, due in _monthly(contraception, infused_on)
        ]
        if contraception.end_notice:
            end = contraception.until_month
            scheduled.append(ScheduledReminder(Kind.CONTRACEPTION_END_NOTICE, end, add_months(infused_on, end)))
    return sorted(scheduled, key=lambda r: (r.due_date, r.kind, r.sequence))


def overdue_from(due_date: dt.date, overdue_after_days: int) -> dt.date:
    """The first day on which a reminder still open counts as overdue."""
    return due_date + dt.timedelta(days=overdue_after_days)


def overdue_cutoff(today: dt.date, overdue_after_days: int) -> dt.date:
    """The latest due date that counts as overdue on ``today``: the same rule as ``overdue_from``, turned
    round for queries (``due_date <= cutoff``)."""
    return today - dt.timedelta(days=overdue_after_days)


def is_overdue(*, due_date: dt.date, today: dt.date, overdue_after_days: int) -> bool:
    return due_date <= overdue_cutoff(today, overdue_after_days)


class StoredReminder(NamedTuple):
    id: int
    kind: str
    sequence: int
    due_date: dt.date
    status: str


@dataclass(frozen=True)
class SchedulePlan:
    """How to bring stored reminders in line with a new schedule; done reminders are never touched."""

    create: tuple[ScheduledReminder, ...]
    move: tuple[tuple[int, dt.date], ...]  # (id, new due date) of open reminders whose date changed
    reinstate: tuple[tuple[int, dt.date], ...]  # (id, due date) of cancelled reminders needed again
    cancel: tuple[int, ...]  # ids of open reminders the schedule no longer has


def plan_schedule_changes(stored: Iterable[StoredReminder], wanted: Sequence[ScheduledReminder]) -> SchedulePlan:
    by_key = {(r.kind, r.sequence): r for r in stored}
    wanted_keys = {(str(w.kind), w.sequence) for w in wanted}
    create, move, reinstate = [], [], []
    for item in wanted:
        row = by_key.get((str(item.kind), item.sequence))
        if row is None:
            create.append(item)
        elif row.status == Status.CANCELLED:
            reinstate.append((row.id, item.due_date))
        elif row.status in OPEN_STATUSES and row.due_date != item.due_date:
            move.append((row.id, item.due_date))
    cancel = [
        row.id for key, row in by_key.items() if key not in wanted_keys and row.status in OPEN_STATUSES
    ]
    return SchedulePlan(tuple(create), tuple(move), tuple(reinstate), tuple(sorted(cancel)))
