"""``python manage.py validate`` (``make validate``): installation qualification of the configured system, the
operational tests tagged with requirements, and the report (HTML and PDF, English and Chinese) stored in the
portal and written to ``.data/validation/<time>/`` with its SHA256SUMS. Exit 1 when any requirement is left
unverified or an installation check failed; each is named."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from trial.validation import installation, operational, requirements
from trial.validation.report import FAILED_RUN, Run
from trial.validation.services import store_report
from trial.validation.trace import NOT_VERIFIED, trace, unknown_tags


class Command(BaseCommand):
    help = "Qualify the installation, run the tests tagged with requirements, and store the validation report."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--by", help="who runs it, as the report names them (default: $VALIDATED_BY, "
                                         "else the system user)")
        parser.add_argument("--tests", nargs="*", default=[], help="test paths (default: every tagged test)")
        parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (1: none)")
        parser.add_argument("--output", type=Path, default=Path(settings.DATA_DIR) / "validation",
                            help="where each run's folder of files is written")

    def handle(self, *args, by: str | None, tests: list[str], workers: int, output: Path, **options) -> None:
        started = timezone.now()
        try:
            known = requirements.load()
        except (OSError, requirements.RequirementsError) as error:
            raise CommandError(f"the requirements cannot be read: {error}") from None
        self.stdout.write("Installation qualification")
        checks = installation.qualify()
        for check in checks:
            self.stdout.write(f"  {check.status:4}  {check.requirement:8} {check.name}: {check.detail}")
        folder = output / f"{started:%Y%m%dT%H%M%SZ}"
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout.write("Operational tests")
        # Not held idle for the minutes the tests take (a server or pooler may end an idle connection): the
        # environment and the report reconnect.
        connections.close_all()
        results, problems = operational.run_tests(folder / "junit.xml", tests, workers)
        unknown = unknown_tags(known, results)
        if unknown:
            problems.append(f"tests name unknown requirements: {', '.join(sorted(unknown))}")
        run = Run(
            started_at=started, finished_at=timezone.now(), ran_by=operational.ran_by(by), host=operational.host(),
            portal_version=installation.project()["version"], commit=operational.commit(),
            environment=installation.environment(), checks=tuple(checks),
            rows=tuple(trace(known, results, checks)), tests=dict(Counter(r.outcome for r in results)),
            problems=tuple(problems),
        )
        report = store_report(run, folder)
        for row in run.rows:
            if row.status == NOT_VERIFIED:
                why = ", ".join(row.failing) or "no test ran"
                self.stdout.write(f"  not verified: {row.requirement.id} ({why})")
        for problem in problems:
            self.stdout.write(f"  {problem}")
        self.stdout.write(f"Outcome: {run.outcome.replace('_', ' ')}; {run.verified} of {len(run.rows)} requirements verified; "
                          f"report {report.pk} in {folder}")
        for document in report.documents.all():
            self.stdout.write(f"  {document.sha256}  {document.filename}")
        if run.outcome == FAILED_RUN:
            raise CommandError("validation failed: see the requirements named above")
