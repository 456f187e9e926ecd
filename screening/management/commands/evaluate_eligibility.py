"""``manage.py evaluate_eligibility FACTS.json --protocol FILE``: the engine on the command line.

Needs no database (manage.py does not start one for it). Exit 0 with the result JSON, or exit 2 with
one line naming the bad key; never a traceback.
"""

from __future__ import annotations

import io
import sys

from django.core.management.base import BaseCommand

from screening.eligibility.cli import run


class Command(BaseCommand):
    help = "Evaluate a screening facts document against a protocol file and print the result JSON."
    requires_system_checks = []  # the system checks would query the database, which this must not need
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("facts")
        parser.add_argument("--protocol", default="trial/protocols/mc-1-50.toml")

    def handle(self, *args, facts: str, protocol: str, **options) -> None:
        # Django's output wrappers end every write() with a newline; json.dump writes in pieces.
        out, err = io.StringIO(), io.StringIO()
        code = run(facts, protocol, out, err)
        self.stdout.write(out.getvalue(), ending="")
        self.stderr.write(err.getvalue(), ending="")
        if code:
            sys.exit(code)
