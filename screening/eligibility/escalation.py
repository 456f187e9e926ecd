"""The dose-escalation design as protocol data (``[escalation]``, docs/protocol-format.md): the rule (3+3, or
a BOIN decision table), the staggering interval, the DLT window, the slot hold and the expansion phase. Loaded
strictly, like the rest of the protocol file; the rules that read it are ``followup.escalation`` (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .toml_tables import ProtocolError, Table

THREE_PLUS_THREE, BOIN = "3+3", "boin"


@dataclass(frozen=True)
class BoinRow:
    """For ``n`` evaluable subjects at a level: escalate when DLTs <= ``escalate``, de-escalate when DLTs >=
    ``de_escalate``, and eliminate the level (never return to it) when DLTs >= ``eliminate``."""

    n: int
    escalate: int
    de_escalate: int
    eliminate: int | None


@dataclass(frozen=True)
class Escalation:
    rule: str  # "3+3" or "boin"
    cohort_size: int  # 3 for 3+3 (expanded to 6 on one DLT)
    start_level: int  # 1-based index into [dose_levels].levels
    stagger_days: int  # the next subject of a cohort is infused no earlier than this after the cohort's first
    dlt_window_days: int  # a subject's DLT window: the infusion day (day 0) to this day, inclusive
    slot_hold_days: int  # a slot held for a signed-eligible candidate
    expansion_subjects: int  # subjects of the expansion phase, opened at a level by a committee decision
    max_subjects_per_level: int
    boin_table: Mapping[int, BoinRow] | None = None
    target_dlt_rate: float | None = None


def load_escalation(table: Table, levels: int) -> Escalation:
    """``levels``: how many dose levels [dose_levels] declares (the start level must be one of them)."""
    table.allow("rule", "cohort_size", "start_level", "stagger_days", "dlt_window_days", "slot_hold_days",
                "max_subjects_per_level", "expansion", "boin")
    rule = table.string("rule")
    if rule not in (THREE_PLUS_THREE, BOIN):
        raise ProtocolError(table.key("rule"), f"expected '3+3' or 'boin', got {rule!r}")
    start = table.integer("start_level", minimum=1) if "start_level" in table.data else 1
    if start > levels:
        raise ProtocolError(table.key("start_level"), f"there are {levels} dose levels")
    expansion = table.table("expansion", default={})
    expansion.allow("subjects")
    if rule == THREE_PLUS_THREE:
        for name in ("cohort_size", "max_subjects_per_level", "boin"):
            if name in table.data:
                raise ProtocolError(table.key(name), "not used by the 3+3 rule (cohorts of 3, expanded to 6)")
        cohort, most, boin, target = 3, 6, None, None
    else:
        cohort = table.integer("cohort_size", minimum=1)
        most = table.integer("max_subjects_per_level", minimum=cohort)
        target, boin = _boin(table.table("boin"), most)
    return Escalation(
        rule=rule, cohort_size=cohort, start_level=start,
        stagger_days=table.integer("stagger_days", minimum=0),
        dlt_window_days=table.integer("dlt_window_days", minimum=1),
        slot_hold_days=table.integer("slot_hold_days", minimum=1),
        expansion_subjects=expansion.integer("subjects", minimum=1) if "subjects" in expansion.data else 0,
        max_subjects_per_level=most, boin_table=boin, target_dlt_rate=target,
    )


def _boin(table: Table, most: int) -> tuple[float, Mapping[int, BoinRow]]:
    """The decision table as the BOIN software prints it, one row per number of evaluable subjects from 1 to
    ``max_subjects_per_level``, checked to be a decision table (boundaries that cannot contradict)."""
    table.allow("target_dlt_rate", "table")
    target = table.number("target_dlt_rate", positive=True)
    if target >= 1:
        raise ProtocolError(table.key("target_dlt_rate"), f"expected a rate below 1, got {target!r}")
    rows = {}
    for i, entry in enumerate(table.array("table")):
        key = f"{table.key('table')}[{i}]"
        if not isinstance(entry, Mapping):
            raise ProtocolError(key, f"expected a table, got {entry!r}")
        row = Table(entry, key)
        row.allow("n", "escalate", "de_escalate", "eliminate")
        n = row.integer("n", minimum=1)
        escalate, de_escalate = row.integer("escalate", minimum=-1), row.integer("de_escalate", minimum=1)
        eliminate = row.integer("eliminate", minimum=1) if "eliminate" in entry else None
        if n in rows:
            raise ProtocolError(row.key("n"), f"n = {n} is listed twice")
        if not escalate < de_escalate <= n:
            raise ProtocolError(key, f"expected escalate < de_escalate <= n, got {escalate}, {de_escalate}, {n}")
        if eliminate is not None and not de_escalate <= eliminate <= n:
            raise ProtocolError(row.key("eliminate"), f"expected de_escalate <= eliminate <= n, got {eliminate}")
        rows[n] = BoinRow(n, escalate, de_escalate, eliminate)
    missing = [n for n in range(1, most + 1) if n not in rows]
    if missing:
        raise ProtocolError(table.key("table"), f"no row for n = {', '.join(map(str, missing))}")
    return target, MappingProxyType(rows)
