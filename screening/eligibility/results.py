"""What an evaluation returns: each criterion's status, evidence and references, and the overall verdict.

Statuses for every criterion: `met`, `not_met`, `missing` (data needed to decide is absent or outside its
validity window), `needs_review` (only an investigator can decide). Overall: `not_eligible` if any criterion
is `not_met`; `eligible` only if every criterion is `met`; otherwise `incomplete`. An exclusion criterion is
`met` when the candidate is not excluded.

`uses` references name what a result read, in the facts document's own terms: a whole record by its list
index (`labs[0]`, `treatments[3]`), a whole section (`echo`, `consent`) or a single field
(`patient.weight_kg`, `attestations.apheresis_suitable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    MISSING = "missing"  # data needed to decide is absent or outside its validity window
    NEEDS_REVIEW = "needs_review"  # only an investigator can decide


class Overall(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"


class ExclusionCriteriaStatus(StrEnum):
    PROVIDED = "provided"
    NOT_PROVIDED = "not_provided"  # the public record gives none; the sponsor has not supplied them yet


@dataclass(frozen=True)
class CriterionResult:
    code: str
    status: Status
    evidence: str  # the structured evidence rendered in English
    uses: tuple[str, ...] = ()  # fact references read (see module docstring)
    missing: tuple[str, ...] = ()  # what is still needed, in English
    exclusion: bool = False  # an exclusion criterion: met means the candidate is not excluded
    details: tuple[Any, ...] = ()  # the evidence as structure (general.messages.Message)
    needed: tuple[Any, ...] = ()  # what is still needed, as structure

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "type": "exclusion" if self.exclusion else "inclusion",
            "status": self.status.value,
            "evidence": self.evidence,
            "evidence_items": [detail.to_dict() for detail in self.details],
            "uses": list(self.uses),
            "missing": list(self.missing),
            "missing_items": [item.to_dict() for item in self.needed],
        }


def overall_status(statuses: list[Status]) -> Overall:
    if Status.NOT_MET in statuses:
        return Overall.NOT_ELIGIBLE
    if all(status is Status.MET for status in statuses):
        return Overall.ELIGIBLE
    return Overall.INCOMPLETE


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
