"""Registration plausibility rules: pure functions, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from patients import rules

TODAY = date(2025, 6, 15)


def test_screening_number_is_site_and_four_digit_sequence():
    assert rules.screening_number(1, 7) == "01-0007"
    assert rules.screening_number(12, 1234) == "12-1234"


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (date(2025, 6, 16), "in the future"),
        (date(1904, 6, 15), "over 120 years"),  # 121 today
        (date(1904, 6, 16), None),  # 120 until tomorrow
        (date(1990, 1, 1), None),
        (TODAY, None),
    ],
)
def test_date_of_birth_problem(born, expected):
    problem = rules.date_of_birth_problem(born, TODAY)
    assert (problem is None) if expected is None else (expected in problem)


@pytest.mark.parametrize(
    ("weight", "ok"),
    [("19.9", False), ("20", True), ("350", True), ("350.1", False), ("58.5", True)],
)
def test_weight_limits(weight, ok):
    assert (rules.weight_problem(Decimal(weight)) is None) is ok


@pytest.mark.parametrize(
    ("sex", "potential", "reason", "field"),
    [
        ("female", False, "", "non_childbearing_reason"),
        ("female", True, "hysterectomy", "non_childbearing_reason"),
        ("male", True, "", "childbearing_potential"),
        ("male", False, "hysterectomy", "non_childbearing_reason"),
    ],
)
def test_childbearing_problems(sex, potential, reason, field):
    assert field in rules.childbearing_problem(sex, potential, reason)


@pytest.mark.parametrize(
    ("sex", "potential", "reason"),
    [("female", True, ""), ("female", False, "postmenopausal"), ("male", False, "")],
)
def test_childbearing_consistent_entries(sex, potential, reason):
    assert rules.childbearing_problem(sex, potential, reason) == {}
