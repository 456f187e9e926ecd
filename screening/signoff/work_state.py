"""Whose turn it is with a candidate in screening, from the evaluation with the decisions applied (pure).

``ready``: every criterion is decided, so the result (eligible, or not eligible) can be signed; this is also
the case when one criterion is not met while others still lack data, since a screen failure needs no more.
``review``: nothing is missing but criteria that only an investigator can decide. ``incomplete``: data the
criteria need is missing or out of its window, the coordinator's turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from screening.eligibility import Status
from screening.signoff.rules import SIGNABLE, DecidedEvaluation

INCOMPLETE, REVIEW, READY = "incomplete", "review", "ready"


@dataclass(frozen=True)
class WorkSummary:
    state: str
    overall: str
    missing_codes: tuple[str, ...]
    review_codes: tuple[str, ...]
    failed_codes: tuple[str, ...]
    missing_items: int  # the data items still needed, over all criteria


def work_state(decided: DecidedEvaluation) -> WorkSummary:
    def codes(status: Status) -> tuple[str, ...]:
        return tuple(c.code for c in decided.criteria if c.status == status)

    missing, review = codes(Status.MISSING), codes(Status.NEEDS_REVIEW)
    if decided.overall in SIGNABLE:
        state = READY
    else:
        state = INCOMPLETE if missing else REVIEW
    items = sum(len(c.missing) or 1 for c in decided.criteria if c.status == Status.MISSING)
    return WorkSummary(state, decided.overall, missing, review, codes(Status.NOT_MET), items)
