"""The follow-up schedule as pure functions over the protocol's [reminders] data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from followup import rules
from followup.rules import Kind, ScheduledReminder, Status, StoredReminder
from screening.eligibility import load_protocol_file

pytestmark = pytest.mark.requirement("FUP-01")

PROTOCOL = load_protocol_file(Path(__file__).resolve().parents[2] / "trial/protocols/mc-1-50.toml")
REMINDERS = PROTOCOL.reminders
LD, INFUSION = dt.date(2026, 1, 26), dt.date(2026, 1, 31)


def schedule(childbearing: bool = True, ld: dt.date | None = LD, infused: dt.date | None = INFUSION, reminders=REMINDERS):
    return rules.reminder_schedule(subject=rules.Subject(childbearing), lymphodepletion_on=ld, infused_on=infused,
                                   reminders=reminders)


def of_kind(items, kind):
    return [(r.sequence, r.due_date) for r in items if r.kind == kind]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 31), 3, dt.date(2026, 4, 30)),
        (dt.date(2026, 11, 15), 2, dt.date(2027, 1, 15)),
        (dt.date(2026, 1, 31), 12, dt.date(2027, 1, 31)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert rules.add_months(start, months) == expected


@pytest.mark.parametrize(("hours", "days_before"), [(48, 1), (72, 2), (24, 0), (12, 0)])
def test_pre_lymphodepletion_test_falls_on_a_day_surely_inside_the_window(hours, days_before):
    assert rules.pre_lymphodepletion_due(LD, hours) == LD - dt.timedelta(days=days_before)


def test_woman_of_childbearing_potential_gets_pre_ld_test_monthly_tests_checkins_and_end_notice():
    items = schedule(childbearing=True)
    assert of_kind(items, Kind.PREGNANCY_TEST_PRE_LD) == [(0, dt.date(2026, 1, 25))]
    monthly = of_kind(items, Kind.PREGNANCY_TEST_MONTHLY)
    assert [seq for seq, _ in monthly] == list(range(1, 13))
    assert monthly[0] == (1, dt.date(2026, 2, 28)) and monthly[-1] == (12, dt.date(2027, 1, 31))
    assert of_kind(items, Kind.CONTRACEPTION_CHECKIN) == monthly  # same months, same days
    assert of_kind(items, Kind.CONTRACEPTION_END_NOTICE) == [(12, dt.date(2027, 1, 31))]
    assert len(items) == 1 + 12 + 12 + 1
    assert [r.due_date for r in items] == sorted(r.due_date for r in items)


def test_subject_without_childbearing_potential_gets_contraception_only():
    items = schedule(childbearing=False)
    assert {r.kind for r in items} == {Kind.CONTRACEPTION_CHECKIN, Kind.CONTRACEPTION_END_NOTICE}
    assert len(items) == 13


def test_nothing_after_infusion_until_the_infusion_has_happened():
    assert schedule(infused=None) == [ScheduledReminder(Kind.PREGNANCY_TEST_PRE_LD, 0, dt.date(2026, 1, 25))]
    assert schedule(childbearing=False, infused=None) == []


def test_schedule_intervals_come_from_the_protocol():
    quarterly = dataclasses.replace(REMINDERS.pregnancy_test, every_months=3, until_month=6,
                                    before_lymphodepletion_hours=None)
    no_notice = dataclasses.replace(REMINDERS.contraception, until_month=2, end_notice=False)
    reminders = dataclasses.replace(REMINDERS, pregnancy_test=quarterly, contraception=no_notice)
    items = schedule(reminders=reminders)
    assert of_kind(items, Kind.PREGNANCY_TEST_PRE_LD) == []
    assert [seq for seq, _ in of_kind(items, Kind.PREGNANCY_TEST_MONTHLY)] == [3, 6]
    assert [seq for seq, _ in of_kind(items, Kind.CONTRACEPTION_CHECKIN)] == [1, 2]
    assert of_kind(items, Kind.CONTRACEPTION_END_NOTICE) == []


@pytest.mark.parametrize(("today", "overdue"), [(dt.date(2026, 3, 7), False), (dt.date(2026, 3, 8), True),
                                                 (dt.date(2026, 3, 1), False)])
def test_overdue_after_the_protocols_number_of_days(today, overdue):
    assert rules.is_overdue(due_date=dt.date(2026, 3, 1), today=today,
                            overdue_after_days=REMINDERS.overdue_after_days) is overdue


def test_transitions_done_is_final_and_cancelled_can_only_be_reinstated():
    assert rules.can_transition("pending", "sent")
    assert rules.can_transition("sent", "overdue")
    assert rules.can_transition("overdue", "done")
    assert rules.can_transition("cancelled", "pending")
    assert not rules.can_transition("done", "pending")
    assert not rules.can_transition("done", "cancelled")
    assert not rules.can_transition("cancelled", "done")
    assert not rules.can_transition("cancelled", "sent")


def test_plan_moves_open_keeps_done_creates_new_and_cancels_dropped():
    stored = [
        StoredReminder(1, "contraception_checkin", 1, dt.date(2026, 2, 28), Status.DONE),
        StoredReminder(2, "contraception_checkin", 2, dt.date(2026, 3, 31), Status.PENDING),
        StoredReminder(3, "contraception_checkin", 3, dt.date(2026, 4, 30), Status.SENT),
        StoredReminder(4, "pregnancy_test_monthly", 1, dt.date(2026, 2, 28), Status.CANCELLED),
        StoredReminder(5, "contraception_checkin", 13, dt.date(2027, 2, 28), Status.PENDING),
    ]
    wanted = [
        ScheduledReminder(Kind.CONTRACEPTION_CHECKIN, 1, dt.date(2026, 3, 2)),
        ScheduledReminder(Kind.CONTRACEPTION_CHECKIN, 2, dt.date(2026, 4, 2)),
        ScheduledReminder(Kind.CONTRACEPTION_CHECKIN, 3, dt.date(2026, 4, 30)),
        ScheduledReminder(Kind.PREGNANCY_TEST_MONTHLY, 1, dt.date(2026, 3, 2)),
        ScheduledReminder(Kind.CONTRACEPTION_CHECKIN, 4, dt.date(2026, 6, 2)),
    ]
    plan = rules.plan_schedule_changes(stored, wanted)
    assert plan.move == ((2, dt.date(2026, 4, 2)),)  # done #1 stays; #3 already on its date
    assert plan.reinstate == ((4, dt.date(2026, 3, 2)),)
    assert plan.create == (ScheduledReminder(Kind.CONTRACEPTION_CHECKIN, 4, dt.date(2026, 6, 2)),)
    assert plan.cancel == (5,)


def test_plan_is_empty_when_nothing_changed():
    wanted = schedule()
    stored = [StoredReminder(i, str(r.kind), r.sequence, r.due_date, Status.PENDING) for i, r in enumerate(wanted)]
    plan = rules.plan_schedule_changes(stored, wanted)
    assert plan == rules.SchedulePlan((), (), (), ())
