"""Consent rules: pure functions over dates and bytes, no database."""

from __future__ import annotations

from datetime import date

import pytest

from screening.consent import rules

pytestmark = pytest.mark.requirement("OPS-01")

TODAY = date(2025, 6, 15)
V1 = rules.VersionDates("1.0", date(2024, 1, 10), date(2024, 2, 1), date(2025, 5, 1))
V2 = rules.VersionDates("2.0", date(2025, 4, 1), date(2025, 5, 1), None)


@pytest.mark.parametrize(
    ("head", "size", "expected"),
    [
        (b"%PDF-", 1000, None),
        (b"GIF89", 1000, "not a PDF"),
        (b"", 0, "not a PDF"),
        (b"%PDF-", rules.MAX_ICF_BYTES, None),
        (b"%PDF-", rules.MAX_ICF_BYTES + 1, "at most 20 MB"),
    ],
)
def test_icf_file_problem(head, size, expected):
    problem = rules.icf_file_problem(head, size)
    assert (problem is None) if expected is None else (expected in problem)


@pytest.mark.parametrize(
    ("signed_on", "version", "expected"),
    [
        (date(2025, 6, 16), V2, "in the future"),
        (date(2025, 5, 1), V2, None),
        (date(2025, 4, 30), V2, "takes effect on 2025-05-01"),
        (date(2025, 3, 31), V2, "approved by the ethics committee on 2025-04-01"),
        (date(2025, 4, 30), V1, None),
        (date(2025, 5, 1), V1, "superseded on 2025-05-01"),
    ],
)
def test_signing_problem(signed_on, version, expected):
    problem = rules.signing_problem(signed_on=signed_on, version=version, today=TODAY)
    assert (problem is None) if expected is None else (expected in problem)


def test_new_version_must_take_effect_after_the_current_one():
    problems = rules.new_version_problems(
        ethics_approved_on=date(2025, 1, 1), effective_on=V2.effective_on, current=V2, today=TODAY
    )
    assert "second current version" in problems["effective_on"]


def test_new_version_approval_not_after_effective_nor_in_future():
    late = rules.new_version_problems(
        ethics_approved_on=date(2025, 6, 10), effective_on=date(2025, 6, 1), current=None, today=TODAY
    )
    assert "must not be after the effective date" in late["ethics_approved_on"]
    future = rules.new_version_problems(
        ethics_approved_on=date(2025, 7, 1), effective_on=date(2025, 8, 1), current=None, today=TODAY
    )
    assert "in the future" in future["ethics_approved_on"]


def test_new_version_after_current_is_fine():
    assert rules.new_version_problems(
        ethics_approved_on=date(2025, 6, 1), effective_on=date(2025, 7, 1), current=V2, today=TODAY
    ) == {}


def test_dated_before_consent_names_the_consent_date():
    assert rules.dated_before_consent_problem(date(2025, 1, 1), date(2025, 1, 2)) == (
        "2025-01-01 is before consent signed on 2025-01-02."
    )
    assert rules.dated_before_consent_problem(date(2025, 1, 2), date(2025, 1, 2)) is None


def test_reconsent_when_version_superseded_on_or_before_today():
    latest = rules.SignedConsent("patient", date(2024, 3, 1), V1)
    assert rules.reconsent_reasons(latest=latest, date_of_birth=date(1980, 1, 1), today=TODAY) == [
        "ICF 1.0 was superseded on 2025-05-01"
    ]
    not_yet = rules.reconsent_reasons(latest=latest, date_of_birth=date(1980, 1, 1), today=date(2025, 4, 30))
    assert not_yet == []


@pytest.mark.parametrize(
    ("born", "signer", "flagged"),
    [
        (date(2007, 6, 15), "guardian", True),   # 17 at signing, 18 today
        (date(2007, 6, 16), "guardian", False),  # still 17 today
        (date(2000, 1, 1), "guardian", False),   # adult at signing (e.g. guardian for incapacity)
        (date(2007, 6, 15), "patient", False),
    ],
)
def test_guardian_signed_minor_turned_adult_is_flagged(born, signer, flagged):
    latest = rules.SignedConsent(signer, date(2025, 5, 2), V2)
    reasons = rules.reconsent_reasons(latest=latest, date_of_birth=born, today=TODAY)
    assert bool(reasons) is flagged
    if flagged:
        assert "turned 18" in reasons[0]
