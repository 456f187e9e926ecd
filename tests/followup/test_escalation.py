"""The dose-escalation design as protocol data and its rules as pure functions: 3+3 from every DLT count,
BOIN table look-ups, the rule's step across the levels, and the staggering and DLT gates at their boundary
days; a malformed [escalation] is refused with the key named."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

from followup.escalation import (
    Gate,
    LevelCounts,
    Next,
    Step,
    infusion_gate,
    level_step,
    next_cohort_gate,
    next_step,
    three_plus_three,
    window_complete,
)
from screening.eligibility import ProtocolError
from screening.eligibility.general.protocol import load_general

MC_1_50 = tomllib.loads((Path(settings.BASE_DIR) / "trial/protocols/mc-1-50.toml").read_text(encoding="utf-8"))

# BOIN for a target DLT rate of 0.3 (lambda_e 0.236, lambda_d 0.358; elimination when Pr(rate > 0.3) > 0.95),
# as the BOIN software prints it for up to 9 subjects a level.
BOIN_03 = [
    {"n": 1, "escalate": 0, "de_escalate": 1},
    {"n": 2, "escalate": 0, "de_escalate": 1},
    {"n": 3, "escalate": 0, "de_escalate": 2, "eliminate": 3},
    {"n": 4, "escalate": 0, "de_escalate": 2, "eliminate": 3},
    {"n": 5, "escalate": 1, "de_escalate": 2, "eliminate": 3},
    {"n": 6, "escalate": 1, "de_escalate": 3, "eliminate": 4},
    {"n": 7, "escalate": 1, "de_escalate": 3, "eliminate": 4},
    {"n": 8, "escalate": 1, "de_escalate": 3, "eliminate": 4},
    {"n": 9, "escalate": 2, "de_escalate": 4, "eliminate": 5},
]


def _design(**escalation):
    document = copy.deepcopy(MC_1_50)
    if escalation:
        document["escalation"] = escalation
    return load_general(document).escalation


def _boin(**changes):
    return _design(**{"rule": "boin", "cohort_size": 3, "max_subjects_per_level": 9, "stagger_days": 14,
                      "dlt_window_days": 28, "slot_hold_days": 7,
                      "boin": {"target_dlt_rate": 0.3, "table": BOIN_03}, **changes})


THREE = _design()


def test_mc_1_50_declares_a_3_plus_3_design():
    assert (THREE.rule, THREE.cohort_size, THREE.stagger_days, THREE.dlt_window_days, THREE.slot_hold_days,
            THREE.expansion_subjects) == ("3+3", 3, 14, 28, 7, 6)


@pytest.mark.parametrize("treated, dlts, step", [
    (3, 0, Step.ESCALATE), (3, 1, Step.STAY), (3, 2, Step.DE_ESCALATE), (3, 3, Step.DE_ESCALATE),
    (6, 0, Step.ESCALATE), (6, 1, Step.ESCALATE), (6, 2, Step.DE_ESCALATE), (6, 3, Step.DE_ESCALATE),
    (6, 4, Step.DE_ESCALATE), (6, 5, Step.DE_ESCALATE), (6, 6, Step.DE_ESCALATE),
])
def test_3_plus_3_from_every_dlt_count_of_a_full_evaluated_cohort(treated, dlts, step):
    assert three_plus_three(LevelCounts(treated, treated, dlts))[0] is step


@pytest.mark.parametrize("counts, step, reason", [
    (LevelCounts(2, 2, 0), Step.WAIT, "cohort_not_full"),
    (LevelCounts(3, 2, 0), Step.WAIT, "dlt_windows_open"),
    (LevelCounts(3, 2, 1), Step.WAIT, "dlt_windows_open"),
    (LevelCounts(3, 2, 2), Step.DE_ESCALATE, "two_or_more_dlts"),  # no need to wait for the third window
    (LevelCounts(5, 5, 1), Step.WAIT, "cohort_not_full"),
    (LevelCounts(6, 5, 1), Step.WAIT, "dlt_windows_open"),
    (LevelCounts(0, 0, 0), Step.WAIT, "cohort_not_full"),
])
def test_3_plus_3_waits_for_the_cohort_and_its_windows_but_not_for_a_second_dlt(counts, step, reason):
    assert level_step(THREE, counts) == (step, reason)


def test_counts_that_cannot_be_are_refused():
    with pytest.raises(ValueError, match="dlts <= evaluable <= treated"):
        LevelCounts(3, 2, 3)


NONE = LevelCounts(0, 0, 0)


@pytest.mark.parametrize("levels, current, expected", [
    ([LevelCounts(3, 3, 0), NONE, NONE], 1, (Next.ESCALATE, 2)),
    ([LevelCounts(3, 3, 1), NONE, NONE], 1, (Next.STAY, 1)),
    ([LevelCounts(3, 3, 0), LevelCounts(3, 3, 0), LevelCounts(6, 6, 1)], 3, (Next.HIGHEST_TOLERATED, 3)),
    ([LevelCounts(3, 3, 0), LevelCounts(3, 3, 2), NONE], 2, (Next.DE_ESCALATE, 1)),
    ([LevelCounts(6, 6, 1), LevelCounts(3, 3, 2), NONE], 2, (Next.MTD, 1)),
    ([LevelCounts(3, 3, 0), LevelCounts(3, 3, 2), NONE], 1, (Next.STAY, 1)),  # expand to 6 below the toxic level
    ([LevelCounts(6, 6, 0), LevelCounts(6, 6, 2), NONE], 1, (Next.MTD, 1)),
    ([LevelCounts(3, 3, 2), NONE, NONE], 1, (Next.STOP, 1)),
    ([LevelCounts(3, 2, 0), NONE, NONE], 1, (Next.WAIT, 1)),
])
def test_3_plus_3_across_the_levels(levels, current, expected):
    verdict = next_step(THREE, levels, current)
    assert (verdict.step, verdict.level) == expected


@pytest.mark.parametrize("evaluable, dlts, step", [
    (3, 0, Step.ESCALATE), (3, 1, Step.STAY), (3, 2, Step.DE_ESCALATE), (3, 3, Step.ELIMINATE),
    (6, 1, Step.ESCALATE), (6, 2, Step.STAY), (6, 3, Step.DE_ESCALATE), (6, 4, Step.ELIMINATE),
    (9, 2, Step.ESCALATE), (9, 3, Step.STAY), (9, 4, Step.DE_ESCALATE), (9, 5, Step.ELIMINATE),
])
def test_boin_looks_up_its_table(evaluable, dlts, step):
    assert level_step(_boin(), LevelCounts(evaluable, evaluable, dlts))[0] is step


def test_boin_across_the_levels():
    design = _boin()
    three = LevelCounts(3, 3, 0)
    assert next_step(design, [three, three, three], 3).step is Next.STAY  # no higher level: stay at the top
    assert next_step(design, [three, LevelCounts(3, 3, 3), NONE], 2).level == 1  # eliminated: de-escalate
    eliminated = next_step(design, [three, LevelCounts(3, 3, 0), NONE], 1, eliminated=frozenset({2}))
    assert (eliminated.step, eliminated.reason) == (Next.STAY, "no_higher_level")
    assert next_step(design, [LevelCounts(3, 3, 3), NONE, NONE], 1).step is Next.STOP
    assert next_step(design, [LevelCounts(3, 3, 2), NONE, NONE], 1).reason == "no_lower_level"
    assert next_step(design, [LevelCounts(9, 9, 3), NONE, NONE], 1).step is Next.MTD  # the level holds its most
    assert next_step(design, [LevelCounts(12, 12, 3), NONE, NONE], 1).step is Next.MTD  # past the table
    assert next_step(design, [LevelCounts(4, 4, 0), NONE, NONE], 1).reason == "cohort_not_full"


DAY0 = dt.date(2027, 1, 4)


def test_the_staggering_gate_at_its_boundary_days():
    assert infusion_gate(THREE, [], DAY0) == Gate(True, DAY0, "open")
    day13, day14 = DAY0 + dt.timedelta(days=13), DAY0 + dt.timedelta(days=14)
    assert infusion_gate(THREE, [DAY0], day13) == Gate(False, day14, "staggering")
    assert infusion_gate(THREE, [DAY0], day14) == Gate(True, day14, "open")
    assert infusion_gate(THREE, [DAY0, day14], day14).open  # the third follows without a second stagger
    assert infusion_gate(THREE, [DAY0, day14, day14], day14 + dt.timedelta(days=30)) == Gate(False, None,
                                                                                          "cohort_full")


def test_the_dlt_window_gate_at_its_boundary_days():
    last = DAY0 + dt.timedelta(days=16)
    infusions = [DAY0, DAY0 + dt.timedelta(days=14), last]
    day28, day29 = last + dt.timedelta(days=28), last + dt.timedelta(days=29)
    assert not window_complete(THREE, last, day28) and window_complete(THREE, last, day29)
    assert next_cohort_gate(THREE, infusions, day28, decided=True) == Gate(False, day29, "dlt_window")
    assert next_cohort_gate(THREE, infusions, day29, decided=False) == Gate(False, None, "decision_pending")
    assert next_cohort_gate(THREE, infusions, day29, decided=True) == Gate(True, day29, "open")


@pytest.mark.parametrize("escalation, key, message", [
    ({"rule": "crm"}, "escalation.rule", "expected '3+3' or 'boin'"),
    ({"rule": "3+3", "cohort_size": 4, "stagger_days": 14, "dlt_window_days": 28, "slot_hold_days": 7},
     "escalation.cohort_size", "not used by the 3+3 rule"),
    ({"rule": "3+3", "start_level": 4, "stagger_days": 14, "dlt_window_days": 28, "slot_hold_days": 7},
     "escalation.start_level", "there are 3 dose levels"),
    ({"rule": "3+3", "stagger_days": 14, "dlt_window_days": 0, "slot_hold_days": 7},
     "escalation.dlt_window_days", "an integer >= 1"),
    ({"rule": "3+3", "stagger_days": 14, "dlt_window_days": 28, "slot_hold_days": 7, "dlt": 1},
     "escalation.dlt", "unknown key"),
])
def test_a_malformed_escalation_is_refused_with_the_key_named(escalation, key, message):
    with pytest.raises(ProtocolError) as raised:
        _design(**escalation)
    assert raised.value.key == key and message in str(raised.value)


@pytest.mark.parametrize("table, key, message", [
    (BOIN_03[:8], "escalation.boin.table", "no row for n = 9"),
    ([*BOIN_03, BOIN_03[0]], "escalation.boin.table[9].n", "n = 1 is listed twice"),
    ([{"n": 1, "escalate": 1, "de_escalate": 1}, *BOIN_03[1:]], "escalation.boin.table[0]",
     "expected escalate < de_escalate <= n"),
    ([*BOIN_03[:8], {"n": 9, "escalate": 2, "de_escalate": 4, "eliminate": 3}], "escalation.boin.table[8].eliminate",
     "expected de_escalate <= eliminate <= n"),
])
def test_a_boin_table_that_is_no_decision_table_is_refused(table, key, message):
    with pytest.raises(ProtocolError) as raised:
        _boin(boin={"target_dlt_rate": 0.3, "table": table})
    assert raised.value.key == key and message in str(raised.value)


def test_escalation_needs_dose_levels():
    document = copy.deepcopy(MC_1_50)
    del document["dose_levels"]
    with pytest.raises(ProtocolError, match="needs \\[dose_levels\\]"):
        load_general(document)
