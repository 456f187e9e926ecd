"""Evaluate one candidate's facts against a protocol: every criterion, then the overall verdict.

Overall: `not_eligible` if any criterion is `not_met`; `eligible` only if every criterion is `met`;
otherwise `incomplete`. Exclusion criteria, once the sponsor provides them, are evaluated after the
inclusion criteria with the same rules and statuses (`met` means the patient is not excluded).

Open points decided here:
- Without a recorded consent the window has no consent bound; I01 is `missing`, so the verdict cannot be
  `eligible` anyway, and the other criteria still show how far screening has got.
- The protocol's `exclusion_criteria_status = "not_provided"` does not block eligibility (the public record
  has none to check); it is carried on `Evaluation` for the portal to display.
- Several results of one test on the newest day of the window (two creatinines drawn the same morning):
  the criterion is evaluated once with each of them. If every way gives one status, that status stands
  (with the last-entered result as evidence); if they lead to different statuses, the criterion is
  `needs_review` and the evidence names every result and where it leads.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from .criteria import RULES, CriterionResult, RuleContext, Status, Window
from .facts import Facts
from .protocol import Criterion, ExclusionCriteriaStatus, Protocol

# Ways of choosing among same-day results tried at most; past that the criterion goes to review unread.
_MAX_VARIANTS = 256


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
        _evaluate_criterion(criterion, facts, protocol, window)
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


def _evaluate_criterion(criterion: Criterion, facts: Facts, protocol: Protocol, window: Window) -> CriterionResult:
    """One criterion; once per choice among same-day results when the newest day holds several (module doc)."""
    rule = RULES[criterion.kind]

    def run(choices: dict[str, int]) -> tuple[CriterionResult, RuleContext]:
        context = RuleContext(criterion.code, criterion.names["en"], protocol, window, choices=choices)
        return rule(facts, criterion.params, context), context

    result, context = run({})
    if not context.ties:
        return result
    groups = sorted(context.ties.items())
    tied = [ref for _, refs in groups for ref in refs]
    if math.prod(len(refs) for _, refs in groups) > _MAX_VARIANTS:
        return _disagreement(criterion.code, tied, [], result)
    variants = []
    for combination in itertools.product(*(range(len(refs)) for _, refs in groups)):
        picked = list(zip(groups, combination, strict=True))
        chosen = [refs[index] for (_, refs), index in picked]
        variants.append((chosen, run({group: index for (group, _), index in picked})[0]))
    if len({variant.status for _, variant in variants}) == 1:
        return result
    return _disagreement(criterion.code, tied, variants, result)


def _disagreement(
    code: str, tied: list[str], variants: list[tuple[list[str], CriterionResult]], default: CriterionResult
) -> CriterionResult:
    ways = " | ".join(
        f"with {', '.join(chosen)}: {variant.status.value} ({variant.evidence})" for chosen, variant in variants
    ) or f"too many combinations of {', '.join(tied)} to try"
    uses = tuple(dict.fromkeys((*default.uses, *tied, *(ref for _, v in variants for ref in v.uses))))
    return CriterionResult(
        code=code,
        status=Status.NEEDS_REVIEW,
        evidence=f"the newest day holds several results that lead to different statuses: {ways}",
        uses=uses,
        missing=(f"investigator review of the same-day results {', '.join(tied)}",),
    )
