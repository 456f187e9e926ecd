"""``python manage.py verify_audit``: walk the audit ledger's hash chain and record the result.

Exit 0 and print the number of entries verified when the chain is intact; exit 1 and name the first broken
entry otherwise. Each run is stored (``VerificationRun``); monitors see the last one.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from trial.ledger import VerificationRun, chain_rows, record_verification, verify_chain


class Command(BaseCommand):
    help = "Verify the audit ledger's SHA-256 chain; exit 1 naming the first broken entry."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default")

    def handle(self, *args, database: str, **options) -> None:
        started = timezone.now()
        previous = VerificationRun.objects.using(database).filter(ok=True, last_entry_id__isnull=False).order_by("-id").first()
        anchor = (previous.last_entry_id, previous.last_hash) if previous else None
        result = verify_chain(chain_rows(using=database), anchor=anchor)
        record_verification(result, started, timezone.now(), using=database)
        if not result.ok:
            raise CommandError(f"audit trail BROKEN at {result.message}; {result.verified} entries before it verified")
        self.stdout.write(f"audit trail intact: {result.verified} entries verified")
