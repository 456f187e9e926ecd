"""``manage.py load_demo``: the demo trial, sites and accounts, and candidates at every stage of the pipeline
(``followup.demo``); prints the logins the first time only."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from followup.demo import demo_candidates_load
from trial.demo import demo_load


class Command(BaseCommand):
    help = "Load the MC-1-50 demo trial with its two sites, one account per role and ten candidates (once)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():  # accounts and candidates together, or nothing (then it can run again)
            created = demo_load()
            candidates = [] if created is None else demo_candidates_load(
                {username: password for username, _role, password in created})
        if created is None:
            self.stdout.write("Demo data already loaded; logins are in .data/demo-logins.txt.")
            return
        self.stdout.write(f"Demo candidates: {len(candidates)} at every stage of the pipeline.")
        lines = [f"{username:<16} {role:<14} {password}" for username, role, password in created]
        logins = settings.DATA_DIR / "demo-logins.txt"
        logins.parent.mkdir(parents=True, exist_ok=True)
        logins.write_text("\n".join(lines) + "\n")
        logins.chmod(0o600)
        self.stdout.write("Demo logins (shown once; kept in .data/demo-logins.txt):")
        for line in lines:
            self.stdout.write("  " + line)
