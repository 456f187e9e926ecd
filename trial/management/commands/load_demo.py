"""``manage.py load_demo``: the demo trial, sites and accounts; prints the logins the first time only."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from trial.demo import demo_load


class Command(BaseCommand):
    help = "Load the MC-1-50 demo trial with its two sites and one account per role (once)."

    def handle(self, *args, **options) -> None:
        created = demo_load()
        if created is None:
            self.stdout.write("Demo data already loaded; logins are in .data/demo-logins.txt.")
            return
        lines = [f"{username:<16} {role:<14} {password}" for username, role, password in created]
        logins = settings.DATA_DIR / "demo-logins.txt"
        logins.parent.mkdir(parents=True, exist_ok=True)
        logins.write_text("\n".join(lines) + "\n")
        logins.chmod(0o600)
        self.stdout.write("Demo logins (shown once; kept in .data/demo-logins.txt):")
        for line in lines:
            self.stdout.write("  " + line)
