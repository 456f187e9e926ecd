"""The kinds of screening record the entry pages handle, by URL slug: one module per kind holds all of
it (``base.RecordKind`` says what), and its template holds its partials.

Order matters: the candidate page shows the panels in this order, and the facts builder reads the kinds in
it. A new kind is a new module here and a template in ``templates/screening/records/kinds/``.
"""

from __future__ import annotations

from screening.models import ScreeningRecord
from screening.records.kinds import (
    classifications,
    echo,
    eular,
    labs,
    measurements,
    pregnancy,
    serology,
    sledai,
    spo2,
    treatments,
)
from screening.records.kinds.base import RecordKind

KINDS: dict[str, RecordKind] = {
    module.KIND.slug: module.KIND
    for module in (labs, serology, echo, spo2, pregnancy, sledai, eular, treatments, classifications, measurements)
}


def kind_of(record: ScreeningRecord) -> RecordKind:
    for kind in KINDS.values():
        if isinstance(record, kind.model):
            return kind
    raise LookupError(f"not a screening record kind: {type(record).__name__}")


def needed_by(slug: str, protocol) -> bool:
    """Whether ``protocol``'s catalogue declares what the kind's panel enters."""
    return KINDS[slug].needed(protocol)


def shown_for(slug: str, protocol, records=()) -> bool:
    """Whether the candidate page shows the kind's panel: the candidate's protocol version needs it, or the
    candidate has records of it that this version no longer asks for (they stay visible, and correctable)."""
    return needed_by(slug, protocol) or bool(records)
