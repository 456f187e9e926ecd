"""The dose-escalation rules as pure functions over the protocol's ``[escalation]`` design: the rule's next
step at a dose level from its DLT counts (3+3, or a BOIN table look-up), what that step means across the
levels (escalate, stay, de-escalate, the MTD, stop), and the gates of the calendar (staggering within a
cohort, the DLT windows before the next cohort). No ORM: the cohort board and enrollment read these.

Day counting: the infusion day is day 0. The next subject of a cohort may be infused on day ``stagger_days``
of the cohort's first subject. A subject's DLT window runs from day 0 to day ``dlt_window_days`` inclusive,
so it is complete on the day after; a new cohort opens no earlier than the day after the last window of the
cohort before it, and only once the committee has decided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from screening.eligibility.escalation import BOIN, Escalation


class Step(StrEnum):
    """The rule's verdict at one dose level."""

    WAIT = "wait"  # DLT windows still open, or the cohort not yet full: no decision yet
    ESCALATE = "escalate"
    STAY = "stay"  # treat more subjects at this level (3+3: expand to 6 after one DLT of 3)
    DE_ESCALATE = "de_escalate"
    ELIMINATE = "eliminate"  # BOIN: the level is too toxic; de-escalate and never return to it


class Next(StrEnum):
    """The rule's step across the levels: what the committee is asked to decide."""

    WAIT = "wait"
    ESCALATE = "escalate"
    STAY = "stay"
    DE_ESCALATE = "de_escalate"
    MTD = "mtd"  # the level below is the maximum tolerated dose (3+3: 6 treated there, at most 1 DLT)
    HIGHEST_TOLERATED = "highest_tolerated"  # escalation from the top level: no higher dose to give
    STOP = "stop"  # even the lowest level is too toxic


@dataclass(frozen=True)
class LevelCounts:
    """One dose level's subjects: ``treated`` infused; ``evaluable`` whose DLT window ended or who had a DLT;
    ``dlts`` of them with a dose-limiting toxicity."""

    treated: int
    evaluable: int
    dlts: int

    def __post_init__(self) -> None:
        if not 0 <= self.dlts <= self.evaluable <= self.treated:
            raise ValueError(f"expected 0 <= dlts <= evaluable <= treated, got {self}")


@dataclass(frozen=True)
class Verdict:
    step: Next
    level: int  # 1-based: the level the step leads to (the MTD's level for MTD)
    reason: str  # a code for the display layer: see REASONS


REASONS = ("dlt_windows_open", "cohort_not_full", "no_dlt_of_3", "one_dlt_of_3", "at_most_one_dlt_of_6",
           "two_or_more_dlts", "expand_below_toxic_level", "boin_escalate", "boin_stay", "boin_de_escalate",
           "boin_eliminate", "level_full", "no_higher_level", "no_lower_level")


def three_plus_three(counts: LevelCounts) -> tuple[Step, str]:
    """The 3+3 rule at a level: 0 DLTs in 3 escalate; 1 in 3 expands to 6; at most 1 in 6 escalate; 2 or more
    DLTs de-escalate at once, whatever windows are still open."""
    if counts.dlts >= 2:
        return Step.DE_ESCALATE, "two_or_more_dlts"
    cohort = 3 if counts.treated <= 3 else 6
    if counts.treated < cohort:
        return Step.WAIT, "cohort_not_full"
    if counts.evaluable < counts.treated:
        return Step.WAIT, "dlt_windows_open"
    if cohort == 3:
        return (Step.ESCALATE, "no_dlt_of_3") if counts.dlts == 0 else (Step.STAY, "one_dlt_of_3")
    return Step.ESCALATE, "at_most_one_dlt_of_6"


def boin(design: Escalation, counts: LevelCounts) -> tuple[Step, str]:
    """The BOIN table's decision for the level's evaluable subjects, once the cohort is full and evaluated."""
    if counts.treated % design.cohort_size:
        return Step.WAIT, "cohort_not_full"
    if counts.evaluable < counts.treated:
        return Step.WAIT, "dlt_windows_open"
    row = design.boin_table.get(counts.evaluable)
    if row is None:  # more subjects than the level may hold: the table has nothing more to say
        return Step.STAY, "level_full"
    if row.eliminate is not None and counts.dlts >= row.eliminate:
        return Step.ELIMINATE, "boin_eliminate"
    if counts.dlts >= row.de_escalate:
        return Step.DE_ESCALATE, "boin_de_escalate"
    if counts.dlts <= row.escalate:
        return Step.ESCALATE, "boin_escalate"
    return Step.STAY, "boin_stay"


def level_step(design: Escalation, counts: LevelCounts) -> tuple[Step, str]:
    if counts.treated == 0:
        return Step.WAIT, "cohort_not_full"
    return boin(design, counts) if design.rule == BOIN else three_plus_three(counts)


def next_step(design: Escalation, levels: Sequence[LevelCounts], current: int,
              eliminated: frozenset[int] = frozenset()) -> Verdict:
    """The rule's step from the current level (1-based) across ``levels`` (one per dose level, in order):
    where it leads, and why. ``eliminated``: levels BOIN has closed; closing a level closes every higher one."""
    counts = levels[current - 1]
    step, reason = level_step(design, counts)
    if step is Step.WAIT:
        return Verdict(Next.WAIT, current, reason)
    return (_boin_across if design.rule == BOIN else _three_plus_three_across)(design, levels, current, step,
                                                                               reason, eliminated)


def _three_plus_three_across(design, levels, current, step, reason, _eliminated) -> Verdict:
    counts = levels[current - 1]
    if step is Step.STAY:
        return Verdict(Next.STAY, current, reason)
    if step is Step.ESCALATE:
        higher = current + 1
        if higher > len(levels):
            return Verdict(Next.HIGHEST_TOLERATED, current, reason)
        if levels[higher - 1].dlts >= 2:
            # Come down from a level too toxic: this one is the MTD once 6 are treated here, never above.
            if counts.treated >= 6:
                return Verdict(Next.MTD, current, reason)
            return Verdict(Next.STAY, current, "expand_below_toxic_level")
        return Verdict(Next.ESCALATE, higher, reason)
    lower = current - 1
    if lower < 1:
        return Verdict(Next.STOP, current, reason)
    if levels[lower - 1].treated >= 6:
        return Verdict(Next.MTD, lower, reason)  # 6 already treated below, with at most 1 DLT
    return Verdict(Next.DE_ESCALATE, lower, reason)


def _boin_across(design, levels, current, step, reason, eliminated) -> Verdict:
    counts = levels[current - 1]
    if step is Step.ELIMINATE:
        eliminated = eliminated | {current}
    ceiling = min(eliminated, default=len(levels) + 1)  # levels from here up are closed
    if step in (Step.DE_ESCALATE, Step.ELIMINATE):
        if current > 1:
            return Verdict(Next.DE_ESCALATE, current - 1, reason)
        if step is Step.ELIMINATE:
            return Verdict(Next.STOP, current, reason)
        step, reason = Step.STAY, "no_lower_level"
    elif step is Step.ESCALATE and current + 1 >= ceiling:
        step, reason = Step.STAY, "no_higher_level"
    if step is Step.ESCALATE:
        return Verdict(Next.ESCALATE, current + 1, reason)
    # Staying at a level that holds its most subjects ends the escalation there.
    if counts.treated >= design.max_subjects_per_level:
        return Verdict(Next.MTD, current, "level_full")
    return Verdict(Next.STAY, current, reason)


@dataclass(frozen=True)
class Gate:
    """When the next infusion of a cohort (or the next cohort) may be given, and why not before."""

    open: bool
    opens_on: dt.date | None  # None: not by the calendar (the cohort is full, or a decision is pending)
    reason: str  # "open", "staggering", "cohort_full", "dlt_window", "decision_pending"


def dlt_window_last_day(design: Escalation, infused_on: dt.date) -> dt.date:
    return infused_on + dt.timedelta(days=design.dlt_window_days)


def window_complete(design: Escalation, infused_on: dt.date, today: dt.date) -> bool:
    return today > dlt_window_last_day(design, infused_on)


def infusion_gate(design: Escalation, cohort_infusions: Sequence[dt.date], today: dt.date) -> Gate:
    """Whether the cohort's next subject may be infused ``today``: the cohort's first subject alone until
    ``stagger_days`` after its infusion (sentinel dosing); then the rest; never past the cohort's size."""
    if len(cohort_infusions) >= design.cohort_size:
        return Gate(False, None, "cohort_full")
    if len(cohort_infusions) == 1:
        opens_on = cohort_infusions[0] + dt.timedelta(days=design.stagger_days)
        return Gate(today >= opens_on, opens_on, "open" if today >= opens_on else "staggering")
    return Gate(True, today, "open")


def next_cohort_gate(design: Escalation, cohort_infusions: Sequence[dt.date], today: dt.date,
                     decided: bool) -> Gate:
    """Whether a new cohort may open ``today`` after a full cohort: every DLT window of the cohort complete
    (a DLT ends a subject's window early only for the count, not for the calendar), then the decision."""
    if not cohort_infusions:
        return Gate(True, today, "open")
    opens_on = max(dlt_window_last_day(design, day) for day in cohort_infusions) + dt.timedelta(days=1)
    if today < opens_on:
        return Gate(False, opens_on, "dlt_window")
    if not decided:
        return Gate(False, None, "decision_pending")
    return Gate(True, opens_on, "open")
