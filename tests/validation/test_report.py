"""The traceability matrix and the report: results read back from pytest's JUnit XML, a requirement verified
only by a passing test and no failure, and ``manage.py validate`` end to end on a small selection of tests:
the report stored with four files whose SHA-256 match, listed and downloaded by a monitor."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from trial.validation.installation import FAIL, PASS, WARN, Check
from trial.validation.records import ValidationReport
from trial.validation.report import FAILED_RUN, PASSED_RUN, WARNINGS_RUN, Run
from trial.validation.requirements import Requirement
from trial.validation.trace import (
    NOT_VERIFIED,
    VERIFIED,
    TestResult,
    parse_junit,
    trace,
    unknown_tags,
)

pytestmark = pytest.mark.requirement("VAL-02")

AUD = Requirement("AUD-01", {"en": "Every change is recorded."}, ("21 CFR 11.10(e)",), "high")
SIG = Requirement("SIG-01", {"en": "Signatures are linked."}, ("21 CFR 11.70",), "high")

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4">
  <testcase classname="tests.audit.test_ledger" name="test_chain[one]"><properties>
    <property name="requirements" value="AUD-01 SIG-01"/></properties></testcase>
  <testcase classname="tests.audit.test_ledger.TestForgery" name="test_rewrite"><properties>
    <property name="requirements" value="AUD-01"/></properties>
    <failure message="AssertionError: chain accepted a rewritten entry">...</failure></testcase>
  <testcase classname="tests.screening.test_signoff" name="test_skipped"><properties>
    <property name="requirements" value="SIG-01"/></properties><skipped message="no chromium"/></testcase>
  <testcase classname="tests.trial.test_misc" name="test_untagged"/>
</testsuite></testsuites>
"""


def test_results_are_read_back_from_junit_with_their_requirements(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT, encoding="utf-8")
    found = parse_junit(junit)
    assert [(r.test, r.requirements, r.outcome) for r in found] == [
        ("tests/audit/test_ledger.py::test_chain[one]", ("AUD-01", "SIG-01"), "passed"),
        ("tests/audit/test_ledger.py::TestForgery::test_rewrite", ("AUD-01",), "failed"),
        ("tests/screening/test_signoff.py::test_skipped", ("SIG-01",), "skipped"),
        ("tests/trial/test_misc.py::test_untagged", (), "passed"),
    ]
    assert found[1].message == "AssertionError: chain accepted a rewritten entry"


def _result(test: str, outcome: str, *ids: str) -> TestResult:
    return TestResult(test, ids or ("AUD-01",), outcome)


@pytest.mark.parametrize("outcomes, status", [
    (("passed",), VERIFIED),
    (("passed", "passed", "skipped"), VERIFIED),
    (("passed", "failed"), NOT_VERIFIED),
    (("skipped",), NOT_VERIFIED),
    ((), NOT_VERIFIED),
])
def test_a_requirement_is_verified_by_a_passing_test_and_no_failure(outcomes, status):
    [row] = trace([AUD], [_result(f"tests/t.py::test_{n}", outcome) for n, outcome in enumerate(outcomes)])
    assert row.status == status


def test_a_failed_installation_check_leaves_its_requirement_unverified_and_is_named():
    checks = [Check("Audit triggers present and enabled", "AUD-01", FAIL, "screening_x: trigger missing"),
              Check("Redis version", "SIG-01", PASS, "6.2")]
    rows = trace([AUD, SIG], [_result("tests/t.py::test_a", "passed", "AUD-01", "SIG-01"),
                              _result("tests/t.py::test_b", "failed", "SIG-01")], checks)
    assert [(row.requirement.id, row.status, row.failing) for row in rows] == [
        ("AUD-01", NOT_VERIFIED, ("Audit triggers present and enabled",)),
        ("SIG-01", NOT_VERIFIED, ("tests/t.py::test_b",)),
    ]


def test_a_tag_that_names_no_requirement_is_found():
    assert unknown_tags([AUD], [_result("tests/t.py::test_a", "passed", "AUD-01", "AUD-99")]) == {"AUD-99"}


def _run(checks=(), results=(), problems=()) -> Run:
    now = dt.datetime(2026, 12, 8, 3, 0, tzinfo=dt.UTC)
    return Run(now, now, "QA", "host", "0.1.0", "abc", {}, tuple(checks), tuple(trace([AUD], results, checks)),
               {}, tuple(problems))


@pytest.mark.parametrize("checks, results, problems, outcome", [
    ((), [_result("tests/t.py::test_a", "passed")], (), PASSED_RUN),
    ([Check("Deployment settings (check --deploy)", "SEC-01", WARN, "DEBUG")],
     [_result("tests/t.py::test_a", "passed")], (), WARNINGS_RUN),
    ((), [_result("tests/t.py::test_a", "passed")], ("the operational tests could not run",), FAILED_RUN),
    ((), [_result("tests/t.py::test_a", "skipped")], (), FAILED_RUN),
    ([Check("Redis version", "SEC-01", FAIL, "down")], [_result("tests/t.py::test_a", "passed")], (), FAILED_RUN),
])
def test_the_run_passes_only_with_every_requirement_verified_and_no_check_failed(checks, results, problems,
                                                                                 outcome):
    assert _run(checks, results, problems).outcome == outcome


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db(transaction=True)  # the command closes its connections while the tests run
def test_validate_runs_the_selected_tests_stores_the_report_and_names_what_is_not_verified(tmp_path, client_of,
                                                                                            monitor_a):
    out = io.StringIO()
    with pytest.raises(CommandError, match="validation failed"):
        call_command("validate", tests=["tests/followup/test_rules.py"], workers=1, by="Wang Fang, QA lead",
                     output=tmp_path, stdout=out)
    printed = out.getvalue()
    assert "pass  AUD-01   Audit triggers present and enabled" in printed
    assert "not verified: AUD-01 (no test ran)" in printed and "not verified: FUP-01" not in printed

    report = ValidationReport.objects.get()
    assert (report.outcome, report.ran_by, report.tests_failed) == ("failed", "Wang Fang, QA lead", 0)
    assert report.tests_passed > 10 and report.requirements_verified == 1
    documents = {(d.language, d.format): bytes(d.content) for d in report.documents.all()}
    assert set(documents) == {("en", "html"), ("en", "pdf"), ("zh-hans", "html"), ("zh-hans", "pdf")}
    [folder] = [path for path in tmp_path.iterdir() if path.is_dir()]
    sums = dict(line.split("  ")[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert len(sums) == 4
    for document in report.documents.all():
        assert document.sha256 == hashlib.sha256(bytes(document.content)).hexdigest() == sums[document.filename]
        assert (folder / document.filename).read_bytes() == bytes(document.content)

    english = documents[("en", "html")].decode()
    fup = re.search(r'<tr id="FUP-01">.*?</tr>', english, re.S).group(0)
    assert 'class="verified">verified' in fup and "tests/followup/test_rules.py::" in fup
    aud = re.search(r'<tr id="AUD-01">.*?</tr>', english, re.S).group(0)
    assert "not verified" in aud and "no test ran" in aud
    assert "Wang Fang, QA lead" in english and "PostgreSQL" in english
    chinese = documents[("zh-hans", "html")].decode()
    assert "入组后，妊娠试验和避孕提醒按方案日程" in chinese and "已验证" in chinese

    pdf = _pdf_text(documents[("en", "pdf")])
    pages = len(PdfReader(io.BytesIO(documents[("en", "pdf")])).pages)
    assert f"page {pages}/{pages}" in pdf and "FUP-01" in pdf and "Traceability matrix" in pdf
    assert "追溯矩阵" in _pdf_text(documents[("zh-hans", "pdf")])

    client = client_of(monitor_a)
    listed = client.get(reverse("validation_reports")).content.decode()
    assert documents_listed(listed) == {d.sha256 for d in report.documents.all()}
    download = client.get(reverse("validation_report_file", args=[report.pk, "en", "pdf"]))
    assert download["Content-Disposition"].startswith('attachment; filename="validation-')
    assert download.content == documents[("en", "pdf")]


def documents_listed(page: str) -> set[str]:
    return set(re.findall(r"\b[0-9a-f]{64}\b", page))
