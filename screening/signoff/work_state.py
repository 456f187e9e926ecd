"""Whose turn it is with a candidate in screening, from the evaluation with the decisions applied (pure).

``ready``: every criterion is decided, so the result (eligible, or not eligible) can be signed; this is also
the case when one criterion is not met while others still lack data, since a screen failure needs no more.
``review``: nothing is missing but what only an investigator gives: a decision on a criterion, or an
attestation a criterion still lacks (its answer, its confirmation, the contraception method). ``incomplete``:
data the criteria need is missing or out of its window, the coordinator's turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from screening.eligibility import Status
from screening.signoff.rules import SIGNABLE, DecidedEvaluation

INCOMPLETE, REVIEW, READY = "incomplete", "review", "ready"

# What a criterion can lack that the investigator records (screening.eligibility.general.messages).
INVESTIGATORS_NEEDS = frozenset({"need.answer", "need.confirmation", "need.method"})


@dataclass(frozen=True)
class WorkSummary:
    state: str
    overall: str
    missing_codes: tuple[str, ...]
    review_codes: tuple[str, ...]
    failed_codes: tuple[str, ...]
    missing_items: int  # the data items still needed, over all criteria


def _investigators(criterion) -> bool:
    """Missing only what the investigator records."""
    return bool(criterion.needed) and all(item.id in INVESTIGATORS_NEEDS for item in criterion.needed)


def awaiting_attestation(decided: DecidedEvaluation) -> tuple[str, ...]:
    """The criteria that lack only an attestation (answered on the candidate page)."""
    return tuple(c.code for c in decided.criteria if c.status == Status.MISSING and _investigators(c))


def work_state(decided: DecidedEvaluation) -> WorkSummary:
    coordinators = [c for c in decided.criteria if c.status == Status.MISSING and not _investigators(c)]
    missing = tuple(c.code for c in coordinators)
    attestations = awaiting_attestation(decided)
    review = tuple(c.code for c in decided.criteria if c.status == Status.NEEDS_REVIEW or c.code in attestations)
    if decided.overall in SIGNABLE:
        state = READY
    else:
        state = INCOMPLETE if missing else REVIEW
    items = sum(len(c.missing) or 1 for c in coordinators)
    failed = tuple(c.code for c in decided.criteria if c.status == Status.NOT_MET)
    return WorkSummary(state, decided.overall, missing, review, failed, items)
