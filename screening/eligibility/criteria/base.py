"""What every criterion rule shares: statuses, results, the validity window and evidence formatting.

`uses` references name what a result read, in the facts document's own terms: a whole record by its list
index (`labs[0]`, `treatments[3]`), a whole section (`echo`, `consent`) or a single field
(`patient.weight_kg`, `attestations.apheresis_suitable`). The evaluation date and the window bounds are not
listed: they change every day, and a record that leaves the window changes the result anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from ..facts import Facts
from ..protocol import Limits, Protocol

# Float noise must not flip a boundary: 168 / 84 is exactly 2.0, but 0.1 * 3 is not 0.3.
_TOLERANCE = 1e-9


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    MISSING = "missing"  # data needed to decide is absent or outside its validity window
    NEEDS_REVIEW = "needs_review"  # only an investigator can decide


# When parts of one criterion disagree, the worst decides: a failed part fails the criterion; absent data
# must be collected before an investigator's review is worth asking for.
_SEVERITY = {Status.MET: 0, Status.NEEDS_REVIEW: 1, Status.MISSING: 2, Status.NOT_MET: 3}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=_SEVERITY.__getitem__, default=Status.MET)


@dataclass(frozen=True)
class CriterionResult:
    code: str
    status: Status
    evidence: str  # values, dates and arithmetic, in English
    uses: tuple[str, ...] = ()  # fact references read (see module docstring)
    missing: tuple[str, ...] = ()  # what is still needed, human readable
    exclusion: bool = False  # an exclusion criterion: met means the candidate is not excluded
    details: tuple[Any, ...] = ()  # the general format's structured evidence (messages.Message)
    needed: tuple[Any, ...] = ()  # what is still needed, structured (messages.Message)

    def to_dict(self) -> dict[str, Any]:
        result = {
            "code": self.code,
            "status": self.status.value,
            "evidence": self.evidence,
            "uses": list(self.uses),
            "missing": list(self.missing),
        }
        if self.details:
            result["type"] = "exclusion" if self.exclusion else "inclusion"
            result["evidence_items"] = [detail.to_dict() for detail in self.details]
            result["missing_items"] = [item.to_dict() for item in self.needed]
        return result


@dataclass(frozen=True)
class Part:
    """One part of a criterion (ALT of ALT-and-AST, the pregnancy test of I09), combined into one result."""

    status: Status
    evidence: str
    uses: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule needs besides the facts and its own thresholds.

    `newest` picks the record a rule reads. When the newest day in the window holds several results of one
    test, it takes the one `choices` names (by default the last entered) and notes the group in `ties`, so
    that the engine can evaluate the criterion once per result and see whether they lead to one status."""

    code: str
    name: str  # the criterion's English name, for "what is missing" texts
    protocol: Protocol
    window: Window
    choices: Mapping[str, int] = field(default_factory=dict, compare=False)
    ties: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    @property
    def evaluated_on(self) -> date:
        return self.window.evaluated_on

    def newest(self, group: str, candidates: Iterable[tuple[str, date, Any]]) -> Pick:
        """The newest record inside the window (module docstring of `RuleContext` for a day with several)."""
        valid, rejected = self.window.sort_out(candidates)
        if not valid:
            return Pick("", None, rejected)
        newest_day = max(on for _, on, _ in valid)
        same_day = [(ref, record) for ref, on, record in valid if on == newest_day]
        if len(same_day) > 1:
            self.ties[group] = tuple(ref for ref, _ in same_day)
        ref, record = same_day[min(self.choices.get(group, len(same_day) - 1), len(same_day) - 1)]
        return Pick(ref, record, rejected)

    def result(self, parts: Sequence[Part]) -> CriterionResult:
        return CriterionResult(
            code=self.code,
            status=worst(part.status for part in parts),
            evidence="; ".join(part.evidence for part in parts if part.evidence),
            uses=tuple(dict.fromkeys(ref for part in parts for ref in part.uses)),
            missing=tuple(dict.fromkeys(item for part in parts for item in part.missing)),
        )

    def single(
        self, status: Status, evidence: str, uses: Iterable[str] = (), missing: Iterable[str] = ()
    ) -> CriterionResult:
        return CriterionResult(self.code, status, evidence, tuple(uses), tuple(missing))


@dataclass(frozen=True)
class Window:
    """The validity window: on or after consent, at most `days` before the evaluation date, not after it."""

    evaluated_on: date
    days: int
    consent_on: date | None  # None when no consent is recorded: I01 is then missing, the rest is judged by age

    @classmethod
    def for_facts(cls, facts: Facts, protocol: Protocol) -> Window:
        consent_on = facts.consent.signed_on if facts.consent else None
        return cls(facts.evaluated_on, protocol.screening_window_days, consent_on)

    @property
    def empty(self) -> bool:
        """A consent dated after the evaluation date leaves no day on which a record could be valid."""
        return self.consent_on is not None and self.consent_on > self.evaluated_on

    @property
    def earliest(self) -> date:
        # Guarded so that an evaluation date in year 1 describes its window instead of overflowing.
        span = timedelta(days=min(self.days, self.evaluated_on.toordinal() - 1))
        oldest = self.evaluated_on - span
        return max(oldest, self.consent_on) if self.consent_on else oldest

    def describe(self) -> str:
        if self.empty:
            return self.no_window()
        return f"{self.earliest.isoformat()} to {self.evaluated_on.isoformat()}"

    def no_window(self) -> str:
        return (f"no window: consent {self.consent_on.isoformat() if self.consent_on else ''} is after the "
                f"evaluation date {self.evaluated_on.isoformat()}")

    def sort_out(
        self, candidates: Iterable[tuple[str, date, Any]]
    ) -> tuple[list[tuple[str, date, Any]], tuple[tuple[str, str], ...]]:
        """(the candidates inside the window, (ref, why not) for the others), each in the given order."""
        valid, rejected = [], []
        for ref, on, record in candidates:
            problem = self.problem(on)
            if problem:
                rejected.append((ref, problem))
            else:
                valid.append((ref, on, record))
        return valid, tuple(rejected)

    def problem(self, on: date) -> str | None:
        """Why a record dated `on` is not valid evidence, or None if it is."""
        if self.consent_on and on < self.consent_on:
            return f"dated {on.isoformat()}, before consent {self.consent_on.isoformat()}"
        if on > self.evaluated_on:
            return f"dated {on.isoformat()}, after the evaluation date {self.evaluated_on.isoformat()}"
        age = (self.evaluated_on - on).days
        if age > self.days:
            return f"dated {on.isoformat()}, {age} days before evaluation (window {self.days} days)"
        return None


@dataclass(frozen=True)
class Pick:
    """The record chosen as evidence (`record` is None when none is valid) and why others were not."""

    ref: str
    record: Any
    rejected: tuple[tuple[str, str], ...]  # (ref, why it is not valid)


def missing_record(what: str, window: Window, pick: Pick) -> Part:
    """A Part saying no valid `what` exists, naming the records that were out of the window."""
    if window.empty:
        evidence = f"no {what}: {window.no_window()}"
        wanted = f"{what} dated on or after consent, once consent precedes the evaluation"
    else:
        evidence = f"no {what} in the window {window.describe()}"
        wanted = f"{what} dated {window.describe()}"
    if pick.rejected:
        evidence += f" ({'; '.join(f'{ref} {why}' for ref, why in pick.rejected)})"
    uses = tuple(ref for ref, _ in pick.rejected)
    return Part(Status.MISSING, evidence, uses, (wanted,))


def implausible(label: str, value: float, unit: str, limits: Limits, ref: str) -> Part | None:
    """None when `value` is inside its plausibility limits; else a needs_review Part naming value and limits.

    `unit` is written after the numbers ("%" directly, others after a space)."""
    if limits.contains(value):
        return None
    gap = "" if unit == "%" else " "
    return Part(
        Status.NEEDS_REVIEW,
        f"{label} {num(value)}{gap}{unit} ({ref}) is outside the plausible range "
        f"{num(limits.low)}-{num(limits.high)}{gap}{unit}: check the value and its unit",
        (ref,),
        (f"check of the {label} value and unit ({ref})",),
    )


def attestation_part(answers: Mapping[str, bool | None], key: str, label: str) -> Part:
    """Investigator decisions: true is met, false not met, not yet given needs review."""
    answer = answers.get(key)
    uses = (f"attestations.{key}",)
    if answer is None:
        return Part(Status.NEEDS_REVIEW, f"{label}: not yet attested", uses, (f"investigator decision: {label}",))
    if answer:
        return Part(Status.MET, f"{label}: attested yes", uses)
    return Part(Status.NOT_MET, f"{label}: attested no", uses)


def at_least(value: float, minimum: float) -> bool:
    return value >= minimum - _TOLERANCE


def at_most(value: float, maximum: float) -> bool:
    return value <= maximum + _TOLERANCE


def num(value: float) -> str:
    """A value as entered: 70.0 -> '70', 0.9 -> '0.9', 49.999 -> '49.999' (never rounded onto a limit)."""
    return f"{round(value, 9):.12g}"


def fixed(value: float, places: int = 2) -> str:
    """A computed value, rounded for display only (comparisons use the unrounded value)."""
    return f"{value:.{places}f}"


def decisive(value: float, threshold: float, places: int = 2) -> str:
    """A computed value with at least `places` decimals and as many more as it takes for the shown number to
    fall on the same side of `threshold` as the value: 3.003 x ULN against 3.0 never reads "3.00", 59.96
    mL/min against 60 never reads "60.0". A value equal to the threshold (within float noise) shows as is."""
    if abs(value - threshold) <= _TOLERANCE:
        return fixed(value, places)
    above = value > threshold
    for digits in range(places, 13):
        shown = round(value, digits)
        if (shown > threshold) if above else (shown < threshold):
            return fixed(value, digits)
    return repr(value)


def limit(value: Any) -> str:
    """A protocol threshold as written in the protocol file (2.0 stays '2.0', 60 stays '60')."""
    return str(value)
