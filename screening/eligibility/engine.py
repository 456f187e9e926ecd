"""Evaluate one candidate's facts against a protocol: every criterion, then the overall verdict.

Overall: `not_eligible` if any criterion is `not_met`; `eligible` only if every criterion is `met`;
otherwise `incomplete`. Exclusion criteria, once the sponsor provides them, are evaluated after the
inclusion criteria with the same rules and statuses (`met` means the patient is not excluded).

Open points decided here:
- Without a recorded consent the window has no consent bound; I01 is `missing`, so the verdict cannot be
  `eligible` anyway, and the other criteria still show how far screening has got.
- The protocol's `exclusion_criteria_status = "not_provided"` does not block eligibility (the public record
  has none to check); it is carried on `Evaluation` for the portal to display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from .criteria import RULES, CriterionResult, RuleContext, Status, Window
from .facts import Facts
from .protocol import ExclusionCriteriaStatus, Protocol


class Overall(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Evaluation:
    protocol_id: str
    protocol_version: str
    evaluated_on: date
    overall: Overall
    criteria: tuple[CriterionResult, ...]
    exclusion_criteria_status: ExclusionCriteriaStatus

    @property
    def missing(self) -> tuple[str, ...]:
        """What is still needed before the verdict can be final, each item prefixed with its criterion code."""
        return tuple(dict.fromkeys(f"{r.code}: {item}" for r in self.criteria for item in r.missing))

    def result(self, code: str) -> CriterionResult:
        for result in self.criteria:
            if result.code == code:
                return result
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """The output JSON of screening-facts.md, plus per-criterion `uses`/`missing` and a top-level `missing`."""
        return {
            "protocol": self.protocol_id,
            "protocol_version": self.protocol_version,
            "overall": self.overall.value,
            "criteria": [result.to_dict() for result in self.criteria],
            "missing": list(self.missing),
        }


def overall_status(statuses: list[Status]) -> Overall:
    if Status.NOT_MET in statuses:
        return Overall.NOT_ELIGIBLE
    if all(status is Status.MET for status in statuses):
        return Overall.ELIGIBLE
    return Overall.INCOMPLETE


def evaluate(facts: Facts, protocol: Protocol) -> Evaluation:
    """Evaluate every inclusion and exclusion criterion of `protocol` on `facts` as of `facts.evaluated_on`."""
    window = Window.for_facts(facts, protocol)
    results = tuple(
        RULES[criterion.kind](
            facts, criterion.params, RuleContext(criterion.code, criterion.names["en"], protocol, window)
        )
        for criterion in (*protocol.criteria, *protocol.exclusion_criteria)
    )
    return Evaluation(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        evaluated_on=facts.evaluated_on,
        overall=overall_status([result.status for result in results]),
        criteria=results,
        exclusion_criteria_status=protocol.exclusion_criteria_status,
    )
