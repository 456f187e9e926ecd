"""What every condition shares: its four-valued finding, the validity window and the choice of record.

A condition does not say met or not met: it says whether it holds (`TRUE`/`FALSE`), or that data is
missing, or that only an investigator can decide (`REVIEW`). The criterion turns that into a status:
an inclusion criterion is met when its condition holds, an exclusion criterion is met (the candidate is
not excluded) when its condition does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from ..catalogue import Item, Validity
from .facts import HISTORY, GeneralFacts
from .messages import Message, message
from .protocol import GeneralProtocol


class Truth(StrEnum):
    TRUE = "true"
    FALSE = "false"
    MISSING = "missing"
    REVIEW = "review"


@dataclass(frozen=True)
class Finding:
    truth: Truth
    messages: tuple[Message, ...] = ()
    uses: tuple[str, ...] = ()
    needed: tuple[Message, ...] = ()
    # A number outside its plausibility limits (or in a unit not accepted): no other part may hide it in
    # an any_of, because the evidence would show a number that is probably wrong.
    doubtful: bool = False


def finding(truth: Truth, *messages: Message, uses: Iterable[str] = (), needed: Iterable[Message] = (),
            doubtful: bool = False) -> Finding:
    return Finding(truth, tuple(messages), tuple(uses), tuple(needed), doubtful)


def holds(condition: bool) -> Truth:
    return Truth.TRUE if condition else Truth.FALSE


@dataclass(frozen=True)
class Window:
    """Where a record is valid evidence: not after the evaluation date, and for a screening item on or
    after consent and at most `days` old; `days` None: any earlier date (a history finding)."""

    evaluated_on: date
    days: int | None
    consent_on: date | None

    @property
    def empty(self) -> bool:
        return self.days is not None and self.consent_on is not None and self.consent_on > self.evaluated_on

    @property
    def earliest(self) -> date | None:
        if self.days is None:
            return None
        span = timedelta(days=min(self.days, self.evaluated_on.toordinal() - 1))
        oldest = self.evaluated_on - span
        return max(oldest, self.consent_on) if self.consent_on else oldest

    def describe(self) -> Message:
        earliest = self.earliest
        if earliest is None:
            return message("window.until", end=self.evaluated_on.isoformat())
        return message("window.span", start=earliest.isoformat(), end=self.evaluated_on.isoformat())

    def problem(self, on: date, source: str = "screening") -> Message | None:
        if on > self.evaluated_on:
            return message("why.after_evaluation", evaluated=self.evaluated_on.isoformat())
        if self.days is None:
            return None
        if source == HISTORY:
            return message("why.history")
        if self.consent_on and on < self.consent_on:
            return message("why.before_consent", consent=self.consent_on.isoformat())
        age = (self.evaluated_on - on).days
        if age > self.days:
            return message("why.too_old", age=age, days=self.days)
        return None


@dataclass(frozen=True)
class Pick:
    ref: str
    record: Any
    rejected: tuple[tuple[str, date, Message], ...]


@dataclass(frozen=True)
class Scope:
    """One evaluation of one criterion. `choices` names which of several same-day results to read; `ties`
    collects the groups that had several, so that the engine can try each (engine.py)."""

    facts: GeneralFacts
    protocol: GeneralProtocol
    choices: Mapping[str, int] = field(default_factory=dict)
    ties: dict[str, tuple[str, ...]] = field(default_factory=dict)
    window_days: int | None = None  # a criterion's or node's own window

    @property
    def evaluated_on(self) -> date:
        return self.facts.evaluated_on

    @property
    def consent_on(self) -> date | None:
        return self.facts.consent.signed_on if self.facts.consent else None

    def narrowed(self, days: int | None) -> Scope:
        return self if days is None else replace(self, window_days=days)

    def window(self, item: Item | None = None) -> Window:
        if self.window_days is not None:
            return Window(self.evaluated_on, self.window_days, self.consent_on)
        if item is not None and item.validity is Validity.EVER:
            return Window(self.evaluated_on, None, None)
        days = item.window_days if item is not None and item.window_days else self.protocol.screening_window_days
        return Window(self.evaluated_on, days, self.consent_on)

    def newest(self, group: str, candidates: Iterable[tuple[str, date, str, Any]], window: Window) -> Pick:
        """The newest record inside `window` (candidates: ref, date, source, record); same-day ties noted."""
        valid, rejected = [], []
        for ref, on, source, record in candidates:
            problem = window.problem(on, source)
            if problem is None:
                valid.append((ref, on, record))
            else:
                rejected.append((ref, on, problem))
        if not valid:
            return Pick("", None, tuple(rejected))
        newest_day = max(on for _, on, _ in valid)
        same_day = [(ref, record) for ref, on, record in valid if on == newest_day]
        if len(same_day) > 1:
            self.ties[group] = tuple(ref for ref, _ in same_day)
        ref, record = same_day[min(self.choices.get(group, len(same_day) - 1), len(same_day) - 1)]
        return Pick(ref, record, tuple(rejected))


def no_record(item: str, window: Window, pick: Pick) -> Finding:
    """Missing: no valid record of `item`, naming the records that were outside the window."""
    if window.empty:
        first = message("record.none_no_window", item=item, consent=window.consent_on.isoformat(),
                        evaluated=window.evaluated_on.isoformat())
        wanted = message("need.record_after_consent", item=item)
    else:
        first = message("record.none", item=item, window=window.describe())
        wanted = message("need.record", item=item, window=window.describe())
    rejected = [message("record.rejected", ref=ref, date=on.isoformat(), why=why) for ref, on, why in pick.rejected]
    return finding(Truth.MISSING, first, *rejected, uses=[ref for ref, _, _ in pick.rejected], needed=[wanted])
