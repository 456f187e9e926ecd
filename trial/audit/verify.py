"""What ``verify_audit`` checks, beyond the hash chain itself (``trial.audit.ledger.verify_chain``):

- the chain against every signed checkpoint outside the database (``trial.audit.checkpoints``): a rewrite by the
  owner role, re-hashed to look intact, differs from a checkpoint written before it;
- every pghistory event row against its ledger entry and back (an event without an entry was written with
  the ledger's trigger off; an entry without its event means the event was deleted);
- every live row of a tracked table against its latest event (a change made with the event triggers off).

A full run does all of it; ``incremental`` walks the chain from the newest checkpoint only (the nightly run)
and checks the events and entries written since; ``chain_only`` is the chain and the checkpoints alone (a
data set bulk-loaded with its triggers off). The first disagreement is named.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connections

from trial.audit import checkpoints
from trial.audit.ledger import ChainResult, chain_rows, event_models, verify_chain

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    chain: ChainResult
    problem: str  # the first disagreement outside the chain walk, "" when none
    checkpoints: int
    incremental_from: int | None

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problem

    @property
    def message(self) -> str:
        if not self.chain.ok:
            return self.chain.message
        if self.problem:
            return self.problem
        since = f" since checkpoint entry {self.incremental_from}" if self.incremental_from is not None else ""
        return f"{self.chain.message}{since}; {self.checkpoints} signed checkpoints agree"


def verify(*, using: str = "default", incremental: bool = False, chain_only: bool = False,
           anchor: tuple[int, str] | None = None, public_key=None) -> Verification:
    try:
        signed = checkpoints.load_checkpoints(public_key=public_key)
    except checkpoints.CheckpointError as error:
        failed = ChainResult(False, 0, None, str(error), None, "")
        return Verification(failed, "", 0, None)
    pins = [(c.entry_id, c.hash, f"the signed checkpoint {c.name}") for c in signed]
    start = None
    if incremental and signed:
        newest = signed[-1]
        start = (newest.entry_id, newest.hash)
        # The walk starts after it: that entry itself must still carry the signed hash.
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT hash FROM trial_auditentry WHERE id = %s", [newest.entry_id])
            row = cursor.fetchone()
        if row is None or row[0] != newest.hash:
            state = "missing" if row is None else "different"
            failed = ChainResult(False, 0, newest.entry_id,
                                 f"entry {newest.entry_id}: {state} from the signed checkpoint {newest.name} "
                                 "(the chain was rewritten)",
                                 None, "")
            return Verification(failed, "", len(signed), newest.entry_id)
        rows = chain_rows(using=using, after=newest.entry_id)
    else:
        rows = chain_rows(using=using)
    result = verify_chain(rows, anchor=anchor, anchors=pins, start=start)
    if not result.ok or chain_only:
        return Verification(result, "", len(signed), start[0] if start else None)
    problem = events_and_entries_problem(using, after_entry=start[0] if start else None)
    if not problem and not incremental:
        problem = live_rows_problem(using)
    return Verification(result, problem, len(signed), start[0] if start else None)


def events_and_entries_problem(using: str = "default", after_entry: int | None = None) -> str:
    """The first event row without its ledger entry, or entry without its event row; "" when they agree."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in event_models():
            table = model._meta.db_table
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if not cursor.fetchone()[0]:
                continue
            floor = ""
            params: list = [table]
            if after_entry is not None:
                # Events newer than the checkpoint's: those of the entries after it, and any without an entry.
                floor = (" AND e.pgh_id > coalesce((SELECT max(x.event_id) FROM trial_auditentry x"
                         " WHERE x.event_table = %s AND x.id <= %s), 0)")
                params += [table, after_entry]
            cursor.execute(
                f"SELECT e.pgh_id FROM {quote(table)} e WHERE NOT EXISTS (SELECT 1 FROM trial_auditentry a"
                f" WHERE a.event_table = %s AND a.event_id = e.pgh_id){floor} ORDER BY e.pgh_id LIMIT 1", params)
            row = cursor.fetchone()
            if row:
                return f"{table} event {row[0]}: no ledger entry (written with the ledger's trigger off)"
            cursor.execute(
                f"SELECT a.id, a.event_id FROM trial_auditentry a WHERE a.event_table = %s"
                f"{' AND a.id > %s' if after_entry is not None else ''} AND NOT EXISTS"
                f" (SELECT 1 FROM {quote(table)} e WHERE e.pgh_id = a.event_id) ORDER BY a.id LIMIT 1",
                [table] + ([after_entry] if after_entry is not None else []))
            row = cursor.fetchone()
            if row:
                return f"entry {row[0]}: its {table} event {row[1]} is gone (deleted)"
    return ""


def live_rows_problem(using: str = "default") -> str:
    """The first live row whose tracked fields differ from its latest event (or that has none); "" if none."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in event_models():
            tracked = model.pgh_tracked_model._meta.concrete_model
            table, events = tracked._meta.db_table, model._meta.db_table
            tracked_columns = {f.column for f in tracked._meta.concrete_fields}
            columns = sorted(f.column for f in model._meta.concrete_fields
                             if not f.column.startswith("pgh_") and f.column in tracked_columns)
            pk = tracked._meta.pk.column
            if not columns:
                continue
            live = ", ".join(f"t.{quote(c)}" for c in columns)
            last = ", ".join(f"e.{quote(c)}" for c in columns)
            cursor.execute(
                f"SELECT t.{quote(pk)}, e.pgh_id IS NULL FROM {quote(table)} t"
                f" LEFT JOIN LATERAL (SELECT * FROM {quote(events)} e WHERE e.pgh_obj_id = t.{quote(pk)}"
                f"  ORDER BY e.pgh_id DESC LIMIT 1) e ON true"
                f" WHERE e.pgh_id IS NULL OR e.pgh_label = 'delete' OR ROW({live}) IS DISTINCT FROM ROW({last})"
                f" ORDER BY t.{quote(pk)} LIMIT 1")
            row = cursor.fetchone()
            if row:
                state = "has no event" if row[1] else "differs from its latest event (changed with the triggers off)"
                return f"{tracked._meta.label} {row[0]}: the live row {state}"
    return ""


def alert(message: str) -> None:
    """Tell the sponsor a verification failed (best effort: the failed run is recorded and shown anyway)."""
    from django.conf import settings
    from django.core.mail import send_mail

    recipients = list(settings.AUDIT_ALERT_EMAILS)
    if not recipients:
        return
    try:
        send_mail(f"[{settings.PORTAL_NAME}] audit trail verification FAILED",
                  f"verify_audit found: {message}\n\nThe audit trail may have been altered; investigate before "
                  "relying on it.", None, recipients)
    except Exception:  # noqa: BLE001 - the mail server is not ours
        logger.exception("could not mail the audit verification failure")
