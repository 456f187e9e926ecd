"""``python manage.py verify_audit``: check the audit trail and record the result.

The hash chain, against every signed checkpoint outside the database; every event row against its ledger
entry and back; every live row against its latest event (``trial.audit.verify``). Exit 0 and print the
number of entries verified when all agree; exit 1 naming the first disagreement otherwise. Each run is
stored (``VerificationRun``, shown on the audit log and the monitor dashboard); a failure is mailed to
``AUDIT_ALERT_EMAILS``. ``--incremental``: from the newest checkpoint only (the nightly run).
``--chain-only``: the chain and the checkpoints, without the event and live-row comparisons (a data set
bulk-loaded with its triggers off, as the benchmark's, has rows without events by construction).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from trial.audit import checkpoints
from trial.audit import verify as audit_verify
from trial.audit.ledger import ChainResult, VerificationRun, record_verification


class Command(BaseCommand):
    help = "Verify the audit trail against its hash chain and signed checkpoints; exit 1 naming the first break."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default")
        parser.add_argument("--incremental", action="store_true",
                            help="walk the chain from the newest signed checkpoint only")
        parser.add_argument("--chain-only", action="store_true",
                            help="the chain and the checkpoints, not the event and live-row comparisons")
        parser.add_argument("--public-key", type=Path,
                            help="verify the checkpoints with this public key (a sponsor's copy)")

    def handle(self, *args, database: str, incremental: bool, chain_only: bool, public_key: Path | None,
               **options) -> None:
        started = timezone.now()
        previous = (VerificationRun.objects.using(database).filter(ok=True, last_entry_id__isnull=False)
                    .order_by("-id").first())
        anchor = (previous.last_entry_id, previous.last_hash) if previous else None
        try:
            key = checkpoints.load_public_key(public_key) if public_key else None
        except checkpoints.CheckpointError as error:
            raise CommandError(str(error)) from None
        verification = audit_verify.verify(using=database, incremental=incremental, chain_only=chain_only,
                                           anchor=anchor, public_key=key)
        result, ok, message = verification.chain, verification.ok, verification.message
        recorded = ChainResult(ok, result.verified, result.broken_entry_id, message, result.last_entry_id,
                               result.last_hash)
        record_verification(recorded, started, timezone.now(), using=database)
        if not ok:
            audit_verify.alert(message)
            raise CommandError(f"audit trail BROKEN at {message}; {result.verified} entries before it verified")
        self.stdout.write(f"audit trail intact: {message}")
