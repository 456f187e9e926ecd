"""The validation report of one run, as HTML and PDF, in English and Chinese: the outcome, who ran it and
when, the environment, the installation checks, and the traceability matrix. Everything in it comes from the
run (``Run``); the SHA-256 of each file is computed after it is written, so it is listed beside the report
(the portal's list of reports, the run's SHA256SUMS), not inside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from trial.pdf_document import Document, cjk_font
from trial.validation.installation import FAIL, WARN, Check
from trial.validation.trace import FAILED, NOT_VERIFIED, PASSED, SKIPPED, TraceRow

PASSED_RUN, WARNINGS_RUN, FAILED_RUN = "passed", "passed_with_warnings", "failed"
OUTCOME_LABELS = {
    PASSED_RUN: gettext_lazy("passed"),
    WARNINGS_RUN: gettext_lazy("passed with warnings"),
    FAILED_RUN: gettext_lazy("failed"),
}
STATUS_LABELS = {
    "pass": gettext_lazy("pass"), "fail": gettext_lazy("fail"), "warn": gettext_lazy("warning"),
    # A requirement "verified" by tests, not a record "verified" against its source (SDV): its own words.
    "verified": pgettext_lazy("validation", "verified"), "not verified": pgettext_lazy("validation", "not verified"),
}
RISK_LABELS = {"high": gettext_lazy("high"), "medium": gettext_lazy("medium"), "low": gettext_lazy("low")}
LANGUAGES = ("en", "zh-hans")


@dataclass(frozen=True)
class Run:
    started_at: dt.datetime
    finished_at: dt.datetime
    ran_by: str
    host: str
    portal_version: str
    commit: str
    environment: dict[str, str]
    checks: tuple[Check, ...]
    rows: tuple[TraceRow, ...]
    tests: dict[str, int]  # outcome: count, of every test run
    problems: tuple[str, ...] = field(default=())  # the run's own failures: tests that could not run, unknown tags

    @property
    def outcome(self) -> str:
        if self.problems or any(c.status == FAIL for c in self.checks) or any(
                row.status == NOT_VERIFIED for row in self.rows):
            return FAILED_RUN
        return WARNINGS_RUN if any(c.status == WARN for c in self.checks) else PASSED_RUN

    @property
    def verified(self) -> int:
        return sum(1 for row in self.rows if row.status != NOT_VERIFIED)

    @property
    def checks_failed(self) -> int:
        return sum(1 for c in self.checks if c.status == FAIL)


def _context(run: Run, language: str) -> dict:
    return {
        "run": run, "language": language, "outcome": OUTCOME_LABELS[run.outcome],
        "started": f"{run.started_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
        "finished": f"{run.finished_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
        "checks": [(_(c.name), c, STATUS_LABELS[c.status]) for c in run.checks],
        "rows": [(row, row.requirement.text_in(language), STATUS_LABELS[row.status], row.count(PASSED),
                  row.count(FAILED), row.count(SKIPPED), RISK_LABELS[row.requirement.risk]) for row in run.rows],
        "tests": {"passed": run.tests.get(PASSED, 0), "failed": run.tests.get(FAILED, 0),
                  "skipped": run.tests.get(SKIPPED, 0)},
    }


def report_html(run: Run, language: str) -> bytes:
    with translation.override(language):
        return render_to_string("validation/report.html", _context(run, language)).encode("utf-8")


def report_pdf(run: Run, language: str) -> bytes:
    font = None if language == "en" else cjk_font()
    shown = language if font is not None else "en"  # without the CJK font, in English rather than in "?"
    with translation.override(shown):
        return _pdf(run, shown, font)


def _section(pdf: Document, title: str) -> None:
    """A section's heading, then the small type of its table."""
    pdf.ln(2)
    pdf.line_of(title, size=11, bold=True, height=7)
    pdf.set_font(pdf.family, size=7.5)


def _pdf(run: Run, language: str, font) -> bytes:
    context = _context(run, language)
    pdf = Document(_("Validation report %(started)s") % {"started": context["started"]}, font)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.line_of(_("Screening portal %(version)s - Validation report") % {"version": run.portal_version},
                size=14, bold=True, height=8)
    pdf.line_of(_("Outcome: %(outcome)s. %(verified)s of %(total)s requirements verified; %(failed)s installation "
                  "checks failed.") % {"outcome": context["outcome"], "verified": run.verified,
                                       "total": len(run.rows), "failed": run.checks_failed}, bold=True)
    pdf.line_of(_("Run by %(by)s on %(host)s, from %(started)s to %(finished)s; code %(commit)s.") % {
        "by": run.ran_by, "host": run.host, "started": context["started"], "finished": context["finished"],
        "commit": run.commit})
    pdf.line_of(_("Operational tests: %(passed)s passed, %(failed)s failed, %(skipped)s skipped.")
                % context["tests"])
    for problem in run.problems:
        pdf.line_of(problem, bold=True)
    _section(pdf, _("Installation qualification"))
    pdf.table_of((38, 19, 14, 109), (_("Check"), _("Requirement"), _("Result"), _("Detail")),
           [(name, c.requirement, str(label), c.detail) for name, c, label in context["checks"]])
    _section(pdf, _("Traceability matrix"))
    pdf.table_of((21, 67, 30, 62), (_("Requirement"), _("Text and source"), _("Result"), _("Tests")),
           [(row.requirement.id, f"{text}\n{', '.join(row.requirement.source)} ({_('risk')}: {risk})",
             f"{label}\n" + _("%(passed)s passed, %(failed)s failed, %(skipped)s skipped") % {
                 "passed": passed, "failed": failed, "skipped": skipped},
             "\n".join(_tests_cell(row)))
            for row, text, label, passed, failed, skipped, risk in context["rows"]])
    _section(pdf, _("Environment"))
    pdf.table_of((60, 120), (_("Component"), _("Version")), sorted(run.environment.items()))
    return bytes(pdf.output())


def _tests_cell(row: TraceRow) -> list[str]:
    """The test files behind a requirement, and what failed by name: a matrix cell, not a test list."""
    if not row.tests:
        return [_("no test ran")]
    files = sorted({result.test.split("::")[0] for result in row.tests})
    return [*files, *(_("not verified by: %(name)s") % {"name": _(name)} for name in row.failing)]
