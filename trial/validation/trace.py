"""The traceability matrix: each requirement, the tests tagged with it and their results (pure).

A requirement is verified when at least one of its tests passed and none failed; a skipped test verifies
nothing. Results come from the run's JUnit XML, where each test carries its requirement ids as a property
(tests/conftest.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from trial.validation.installation import Check
from trial.validation.requirements import Requirement

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
VERIFIED, NOT_VERIFIED = "verified", "not verified"


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a test class for pytest, whatever its name

    test: str  # as pytest names it: tests/x/test_y.py::test_z[case]
    requirements: tuple[str, ...]
    outcome: str  # passed | failed | skipped
    message: str = ""


@dataclass(frozen=True)
class TraceRow:
    requirement: Requirement
    tests: tuple[TestResult, ...]
    checks: tuple[Check, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.tests if result.outcome == outcome)

    @property
    def failing(self) -> tuple[str, ...]:
        """What leaves it unverified: failed tests and failed installation checks, by name."""
        return (*(r.test for r in self.tests if r.outcome == FAILED), *(c.name for c in self.checks if not c.ok))

    @property
    def status(self) -> str:
        return VERIFIED if self.count(PASSED) and not self.failing else NOT_VERIFIED


def _test_name(case: ElementTree.Element) -> str:
    """pytest's node id back from JUnit's classname (dotted module path, then classes) and name."""
    parts = case.get("classname", "").split(".")
    module = []
    for index, part in enumerate(parts):
        module.append(part)
        if part.startswith("test_"):
            return "/".join(module) + ".py::" + "::".join([*parts[index + 1:], case.get("name", "")])
    return "::".join([case.get("classname", ""), case.get("name", "")])


def parse_junit(path: Path) -> list[TestResult]:
    """Every test case of a JUnit XML file, with its requirement ids and outcome."""
    results = []
    for case in ElementTree.parse(path).iter("testcase"):
        ids = sorted({found for prop in case.iter("property") if prop.get("name") == "requirements"
                      for found in (prop.get("value") or "").split()})
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        if problem is not None:
            outcome, message = FAILED, problem.get("message", "")
        elif case.find("skipped") is not None:
            outcome, message = SKIPPED, case.find("skipped").get("message", "")
        else:
            outcome, message = PASSED, ""
        results.append(TestResult(_test_name(case), tuple(ids), outcome, message[:300]))
    return results


def trace(requirements: Sequence[Requirement], results: Iterable[TestResult],
          checks: Iterable[Check] = ()) -> list[TraceRow]:
    """One row a requirement, in the file's order, with its tests and installation checks."""
    results, checks = list(results), list(checks)
    return [TraceRow(requirement,
                     tuple(r for r in results if requirement.id in r.requirements),
                     tuple(c for c in checks if c.requirement == requirement.id))
            for requirement in requirements]


def unknown_tags(requirements: Sequence[Requirement], results: Iterable[TestResult]) -> set[str]:
    known = {r.id for r in requirements}
    return {found for result in results for found in result.requirements if found not in known}
