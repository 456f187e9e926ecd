"""The central audit ledger: one append-only, hash-chained row per audit event, across every tracked model.

pghistory writes one event table per tracked model (``patients_patientevent``, ``trial_siteevent`` ...).
Answering "who changed what, when and why" for a monitor across all of them at once, fast, needs one table:
``trial_auditentry``. It is filled by the database itself: a statement-level AFTER INSERT trigger on every
pghistory event table hands the statement's events, in order, to ``trial_ledger_append_many``, which for each

- reads the context (user, url, ip, reason) of the event from ``pghistory_context``,
- computes ``changes`` ({field: [old, new]}) against the previous event of the same object in the same
  event table (insert: all fields new; delete: all fields old), with direct identifiers hidden,
- derives the site and the candidate the event belongs to, so scoping is one indexed column,
- chains it: ``hash = sha256(prev_hash || canonical serialisation)``, under a transaction-scoped advisory
  lock, so concurrent writers queue and the chain cannot fork; ids are then also in commit order, which is
  what makes keyset pagination safe under concurrent inserts.

The triggers are (re)installed by ``install_ledger`` from a ``post_migrate`` receiver, idempotently, so event
tables that other apps' migrations create later are covered without touching those migrations. Events that
were written before their table had the trigger (e.g. by a data migration) are appended then too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connections, models
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from trial.audit import append_only

GENESIS_HASH = "0" * 64
# pg_advisory_xact_lock key serialising ledger writers ("MC150AUD" read as hex-ish digits; any constant
# that no other code uses would do).
LEDGER_LOCK_KEY = 0x4D43_1500_A0D1
# Direct identifiers never enter the ledger: a change is shown, its value is not. Models may add their own
# through an ``identifier_fields`` attribute.
IDENTIFIER_FIELDS = frozenset({"full_name", "hospital_record_number"})
HIDDEN = "[hidden]"


class Action(models.TextChoices):
    INSERT = "insert", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")


class AuditEntry(models.Model):
    """One audit event of any tracked model, as monitors search it. Written only by the database trigger."""

    occurred_at = models.DateTimeField()
    event_table = models.CharField(max_length=63)
    event_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    record_type = models.CharField(max_length=100)  # the tracked model's label, e.g. patients.Patient
    object_id = models.CharField(max_length=64)
    # No database foreign keys: the ledger outlives nothing it points at being deleted, and a delete event
    # is written after its row is gone. The Django relations are for select_related only.
    site = models.ForeignKey(
        "trial.Site", null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+",
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+",
    )
    url = models.TextField(default="")
    ip = models.CharField(max_length=64, default="")
    reason = models.TextField(default="")
    changes = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        triggers = append_only("ledger_append_only")
        constraints = [
            models.UniqueConstraint(fields=["event_table", "event_id"], name="ledger_one_entry_per_event"),
        ]
        # Every filter of the audit log is an equality on one of these plus the keyset on id.
        indexes = [
            models.Index(models.F("site"), models.F("id").desc(), name="ledger_site_id_idx"),
            models.Index(models.F("patient"), models.F("id").desc(), name="ledger_patient_id_idx"),
            models.Index(models.F("user"), models.F("id").desc(), name="ledger_user_id_idx"),
            models.Index(
                models.F("record_type"), models.F("object_id"), models.F("id").desc(), name="ledger_record_id_idx"
            ),
            # User + date range: the range narrows within one user's entries (then a small sort by id).
            models.Index(fields=["user", "occurred_at"], name="ledger_user_occurred_idx"),
            models.Index(fields=["occurred_at"], name="ledger_occurred_at_idx"),
        ]
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.pk} {self.record_type} {self.object_id} {self.action}"


class VerificationRun(models.Model):
    """One run of ``verify_audit``: monitors see the last one (time, result, how many entries)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    entries_verified = models.BigIntegerField()
    broken_entry_id = models.BigIntegerField(null=True)
    message = models.TextField()
    # The chain head that was verified: the next run checks it is still there, so cutting entries off the
    # end of the ledger (which leaves a consistent shorter chain) is caught too.
    last_entry_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        triggers = append_only("verification_append_only")
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BROKEN'} ({self.entries_verified})"


# --- The database side -------------------------------------------------------------------------------------

_FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION trial_ledger_part(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
    -- Length-prefixed, so no field boundary can be shifted by the content of a field.
    SELECT CASE WHEN value IS NULL THEN '~' ELSE length(value)::text || ':' || value END
$f$;

CREATE OR REPLACE FUNCTION trial_ledger_hash(
    prev_hash text, entry_id bigint, occurred_at timestamptz, event_table text, event_id bigint,
    action text, record_type text, object_id text, site_id bigint, patient_id bigint, user_id bigint,
    url text, ip text, reason text, changes jsonb
) RETURNS text
LANGUAGE sql STABLE AS $f$
    SELECT encode(sha256(convert_to(
        prev_hash
        || trial_ledger_part(entry_id::text)
        || trial_ledger_part(to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'))
        || trial_ledger_part(event_table) || trial_ledger_part(event_id::text)
        || trial_ledger_part(action) || trial_ledger_part(record_type) || trial_ledger_part(object_id)
        || trial_ledger_part(site_id::text) || trial_ledger_part(patient_id::text)
        || trial_ledger_part(user_id::text)
        || trial_ledger_part(url) || trial_ledger_part(ip) || trial_ledger_part(reason)
        || trial_ledger_part(changes::text),
    'UTF8')), 'hex')
$f$;

-- The type of a column, to compare a value taken out of jsonb with it through its index.
CREATE OR REPLACE FUNCTION trial_ledger_column_type(table_name text, column_name text) RETURNS text
LANGUAGE sql STABLE AS $f$
    SELECT format_type(atttypid, atttypmod) FROM pg_attribute
     WHERE attrelid = to_regclass(quote_ident(table_name)) AND attname = column_name AND NOT attisdropped
$f$;

-- Appends the events of one statement (pgh_id order) to the ledger.
-- spec: record_type, patient_mode (none|self|column|via), patient_column, via_table, via_pk, via_patient,
--       site_mode (none|self|column|patient), site_column, redacted columns ('{a,b}'), patient table.
CREATE OR REPLACE FUNCTION trial_ledger_append_many(event_table text, events jsonb[], spec text[]) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE
    r record;
    ctx jsonb := '{}'::jsonb;
    ctx_id text;
    the_user bigint;
    prev text;
    entry trial_auditentry;
    entries trial_auditentry[] := '{}';
    -- The candidate: the event's own object, a column of it, or one step removed (a lab value's visit).
    patient_sql text := CASE spec[2]
        WHEN 'self' THEN '(u.e->>''pgh_obj_id'')::bigint'
        WHEN 'column' THEN format('(u.e->>%L)::bigint', spec[3])
        WHEN 'via' THEN format('(SELECT v.%I FROM %I v WHERE v.%I = (u.e->>%L)::%s)', spec[6], spec[4], spec[5],
                               spec[3], trial_ledger_column_type(spec[4], spec[5]))
        ELSE 'NULL::bigint' END;
    -- The site: its own, a column of the event, else (see below) the candidate's.
    site_sql text := CASE spec[7]
        WHEN 'self' THEN '(u.e->>''pgh_obj_id'')::bigint'
        WHEN 'column' THEN format('(u.e->>%L)::bigint', spec[8])
        ELSE 'NULL::bigint' END;
BEGIN
    IF coalesce(cardinality(events), 0) = 0 THEN
        RETURN;
    END IF;
    -- A REPEATABLE READ snapshot could predate the last committed entry and fork the chain.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit ledger: audited writes must run at READ COMMITTED (not %)',
            current_setting('transaction_isolation');
    END IF;

    -- Serialise writers: the chain head is read and extended by one transaction at a time, and the lock is
    -- held to commit, so ids are handed out in commit order. Held, the head read here stays the head.
    PERFORM pg_advisory_xact_lock(%(lock_key)s);
    SELECT hash INTO prev FROM trial_auditentry ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));

    -- One query for the whole batch, in pgh_id order: each event's fields, the previous event of the same
    -- object in the same table (through the pgh_obj_id index: the value is cast to the column's type; the
    -- batch's own events are in the table already, so two events of one object chain too), the action,
    -- ``changes`` with identifiers hidden, the candidate and the site.
    FOR r IN EXECUTE format($q$
        SELECT b.*,
               coalesce(b.own_site, (SELECT pt.site_id FROM %1$I pt WHERE pt.id = b.patient_id)) AS site_id,
               (SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_array(
                         CASE WHEN f.key = ANY($2) AND f.old_v IS NOT NULL AND f.old_v NOT IN ('null', '""')
                              THEN to_jsonb('[hidden]'::text) ELSE f.old_v END,
                         CASE WHEN f.key = ANY($2) AND f.new_v IS NOT NULL AND f.new_v NOT IN ('null', '""')
                              THEN to_jsonb('[hidden]'::text) ELSE f.new_v END)), '{}'::jsonb)
                  FROM (SELECT d.key,
                               CASE WHEN b.act = 'insert' THEN NULL
                                    ELSE coalesce(p.value, CASE WHEN b.act = 'delete' THEN d.value END) END AS old_v,
                               CASE WHEN b.act = 'delete' THEN NULL ELSE d.value END AS new_v
                          FROM jsonb_each(b.data) d
                          LEFT JOIN jsonb_each(coalesce(b.prev_data, '{}'::jsonb)) p ON p.key = d.key
                         WHERE b.act <> 'update' OR b.prev_data IS NULL OR p.value IS DISTINCT FROM d.value) f
               ) AS delta
          FROM (
            SELECT a.*,
                   CASE WHEN a.label IN ('insert', 'update', 'delete') THEN a.label
                        WHEN a.prev_data IS NULL THEN 'insert' ELSE 'update' END AS act
              FROM (
                SELECT u.ord, u.e->>'pgh_label' AS label, u.e->>'pgh_obj_id' AS obj,
                       (u.e->>'pgh_id')::bigint AS event_id, (u.e->>'pgh_created_at')::timestamptz AS at,
                       u.e->>'pgh_context_id' AS context_id,
                       u.e - $3 AS data,
                       (SELECT to_jsonb(p) - $3 FROM %2$I p
                         WHERE p.pgh_obj_id = (u.e->>'pgh_obj_id')::%3$s AND p.pgh_id < (u.e->>'pgh_id')::bigint
                         ORDER BY p.pgh_id DESC LIMIT 1) AS prev_data,
                       %4$s AS patient_id, %5$s AS own_site
                  FROM unnest($1) WITH ORDINALITY AS u(e, ord)
              ) a
          ) b
         ORDER BY b.ord
        $q$, spec[10], event_table, trial_ledger_column_type(event_table, 'pgh_obj_id'), patient_sql, site_sql)
        -- $3: pghistory's own columns (pgh_id, pgh_label ...), which are not the record's fields.
        USING events, spec[9]::text[], ARRAY(SELECT k FROM jsonb_object_keys(events[1]) k WHERE k LIKE 'pgh\_%')
    LOOP
        -- A statement's events share one context: read it once.
        IF r.context_id IS DISTINCT FROM ctx_id THEN
            ctx_id := r.context_id;
            ctx := NULL;
            IF ctx_id IS NOT NULL THEN
                SELECT metadata INTO ctx FROM pghistory_context WHERE id = ctx_id::uuid;
            END IF;
            ctx := coalesce(ctx, '{}'::jsonb);
            the_user := CASE WHEN ctx->>'user' ~ '^[0-9]+$' THEN (ctx->>'user')::bigint END;
        END IF;

        entry.id := nextval(pg_get_serial_sequence('trial_auditentry', 'id'));
        entry.occurred_at := r.at;
        entry.event_table := event_table;
        entry.event_id := r.event_id;
        entry.action := r.act;
        entry.record_type := spec[1];
        entry.object_id := r.obj;
        entry.site_id := r.site_id;
        entry.patient_id := r.patient_id;
        entry.user_id := the_user;
        entry.url := coalesce(ctx->>'url', '');
        entry.ip := coalesce(ctx->>'ip', '');
        entry.reason := coalesce(ctx->>'reason', '');
        entry.changes := r.delta;
        entry.prev_hash := prev;
        entry.hash := trial_ledger_hash(prev, entry.id, entry.occurred_at, event_table, entry.event_id,
                                        entry.action, entry.record_type, entry.object_id, entry.site_id,
                                        entry.patient_id, entry.user_id, entry.url, entry.ip, entry.reason,
                                        entry.changes);
        entries := entries || entry;
        prev := entry.hash;
    END LOOP;
    -- One INSERT for the batch (ids were drawn in order, under the lock).
    INSERT INTO trial_auditentry SELECT * FROM unnest(entries);
END
$f$;

-- One call per INSERT statement on an event table, with all the rows it inserted: pghistory writes a
-- statement-level tracked table's events with one INSERT, and row-level ones one at a time.
CREATE OR REPLACE FUNCTION trial_ledger_record() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
    -- TG_ARGV counts from 0; a slice of it counts from 1 like every other array.
    PERFORM trial_ledger_append_many(
        TG_TABLE_NAME::text,
        (SELECT array_agg(to_jsonb(n) ORDER BY n.pgh_id) FROM trial_ledger_new_events n),
        TG_ARGV[0:array_upper(TG_ARGV, 1)]);
    RETURN NULL;
END
$f$;

DROP FUNCTION IF EXISTS trial_ledger_append(text, jsonb, text[]);
""".replace("%(lock_key)s", str(LEDGER_LOCK_KEY))

TRIGGER_NAME = "trial_ledger_record"


@dataclass(frozen=True)
class LedgerSpec:
    """How the trigger of one event table finds the record type, candidate, site and identifiers."""

    event_table: str
    record_type: str
    patient_mode: str = "none"  # none | self | column | via
    patient_column: str = ""
    via_table: str = ""
    via_pk: str = ""
    via_patient: str = ""
    site_mode: str = "none"  # none | self | column (else derived from the candidate)
    site_column: str = ""
    redacted: tuple[str, ...] = ()
    patient_table: str = "patients_patient"

    def arguments(self) -> list[str]:
        return [
            self.record_type, self.patient_mode, self.patient_column, self.via_table, self.via_pk,
            self.via_patient, self.site_mode, self.site_column, "{" + ",".join(self.redacted) + "}",
            self.patient_table,
        ]


def _foreign_key(model: type[models.Model], name: str) -> models.ForeignKey | None:
    try:
        field = model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist: the model simply has no such relation
        return None
    return field if isinstance(field, models.ForeignKey) else None


def spec_for(event_model: type[models.Model], app_registry=global_apps) -> LedgerSpec:
    """Work out, from the tracked model's fields, how its events reach a candidate and a site."""
    tracked = event_model.pgh_tracked_model
    concrete = tracked._meta.concrete_model
    patient_model = app_registry.get_model("patients", "Patient")
    site_model = app_registry.get_model("trial", "Site")
    event_columns = {f.column for f in event_model._meta.concrete_fields}
    spec: dict = {"event_table": event_model._meta.db_table, "record_type": tracked._meta.label}

    if concrete is patient_model:
        spec["patient_mode"] = "self"
    elif (fk := _foreign_key(concrete, "patient")) and fk.column in event_columns:
        spec.update(patient_mode="column", patient_column=fk.column)
    else:
        # One step removed: e.g. a lab value belonging to a visit that belongs to the candidate.
        for field in concrete._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or field.column not in event_columns:
                continue
            via = _foreign_key(field.related_model, "patient")
            if via is not None:
                spec.update(
                    patient_mode="via", patient_column=field.column, via_table=field.related_model._meta.db_table,
                    via_pk=field.target_field.column, via_patient=via.column,
                )
                break

    if concrete is site_model:
        spec["site_mode"] = "self"
    elif (fk := _foreign_key(concrete, "site")) and fk.column in event_columns:
        spec.update(site_mode="column", site_column=fk.column)

    identifiers = IDENTIFIER_FIELDS | set(getattr(tracked, "identifier_fields", ()))
    spec["redacted"] = tuple(
        sorted(f.column for f in concrete._meta.concrete_fields if f.name in identifiers and f.column in event_columns)
    )
    spec["patient_table"] = patient_model._meta.db_table
    return LedgerSpec(**spec)


def event_models(app_registry=global_apps) -> list[type[models.Model]]:
    """Every pghistory event model of the project (one event table each)."""
    import pghistory.models

    return [
        model
        for model in app_registry.get_models()
        if issubclass(model, pghistory.models.Event)
        and getattr(model, "pgh_tracked_model", None) is not None
        and not model._meta.proxy
        and model._meta.managed
    ]


def install_ledger(using: str = "default", app_registry=global_apps) -> list[str]:
    """Create or replace the ledger functions and the trigger on every existing event table, then append
    events that predate their table's trigger. Idempotent; returns the event tables covered."""
    covered = []
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_FUNCTIONS_SQL)
        for model in event_models(app_registry):
            spec = spec_for(model, app_registry)
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [spec.event_table])
            if not cursor.fetchone()[0]:
                continue  # its migration has not run on this database yet
            quoted = connection.ops.quote_name(spec.event_table)
            arguments = ", ".join(_sql_literal(value) for value in spec.arguments())
            # A statement-level trigger sees the statement's rows as one transition table (CREATE OR REPLACE
            # cannot turn the row-level trigger of earlier versions into one).
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON {quoted}")
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER_NAME} AFTER INSERT ON {quoted}"
                " REFERENCING NEW TABLE AS trial_ledger_new_events"
                f" FOR EACH STATEMENT EXECUTE FUNCTION trial_ledger_record({arguments})"
            )
            cursor.execute(
                "SELECT trial_ledger_append_many(%s, ARRAY("
                f"    SELECT to_jsonb(e) FROM {quoted} e"
                "      WHERE NOT EXISTS (SELECT 1 FROM trial_auditentry a"
                "                        WHERE a.event_table = %s AND a.event_id = e.pgh_id)"
                "      ORDER BY e.pgh_id), %s::text[])",
                [spec.event_table, spec.event_table, spec.arguments()],
            )
            covered.append(spec.event_table)
    return covered


def _sql_literal(value: str) -> str:
    """Trigger arguments must be literals in CREATE TRIGGER (no parameters there); the values are our own
    model labels and column names, quoted anyway."""
    return "'" + value.replace("'", "''") + "'"


def install_ledger_after_migrate(sender, using: str = "default", apps=None, **kwargs) -> None:
    """post_migrate receiver: the event tables of every app exist by now."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regclass('trial_auditentry') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # migrating backwards past the ledger
    install_ledger(using)


# --- Verifying the chain -----------------------------------------------------------------------------------


def _part(value: object) -> str:
    if value is None:
        return "~"
    text = str(value)
    return f"{len(text)}:{text}"


def entry_hash(prev_hash: str, row: dict) -> str:
    """The same computation as ``trial_ledger_hash`` in SQL, done independently in Python."""
    import datetime as dt

    occurred = row["occurred_at"].astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    text = prev_hash + "".join(
        _part(value)
        for value in (
            row["id"], occurred, row["event_table"], row["event_id"], row["action"], row["record_type"],
            row["object_id"], row["site_id"], row["patient_id"], row["user_id"], row["url"], row["ip"],
            row["reason"], row["changes_text"],
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


CHAIN_FIELDS = (
    "id", "occurred_at", "event_table", "event_id", "action", "record_type", "object_id", "site_id",
    "patient_id", "user_id", "url", "ip", "reason", "changes_text", "prev_hash", "hash",
)


def chain_rows(using: str = "default", chunk_size: int = 5000) -> Iterator[dict]:
    """The ledger in id order through a server-side cursor, with ``changes`` as PostgreSQL renders it."""
    return (
        AuditEntry.objects.using(using)
        .order_by("id")
        .annotate(changes_text=Cast("changes", models.TextField()))
        .values(*CHAIN_FIELDS)
        .iterator(chunk_size=chunk_size)
    )


@dataclass(frozen=True)
class ChainResult:
    ok: bool
    verified: int
    broken_entry_id: int | None
    message: str
    last_entry_id: int | None
    last_hash: str


def verify_chain(rows: Iterable[dict], anchor: tuple[int, str] | None = None) -> ChainResult:
    """Walk the chain: each entry must link to the previous hash and hash to its own stored value.
    ``anchor`` (id, hash) is the head a previous run verified; it must still be there unchanged."""
    expected_prev = GENESIS_HASH
    verified = 0
    last_id: int | None = None
    anchor_seen = anchor is None
    for row in rows:
        if row["prev_hash"] != expected_prev:
            return ChainResult(False, verified, row["id"],
                               f"entry {row['id']}: link to the previous entry is broken (an entry before it was"
                               " removed or altered)", last_id, expected_prev)
        if entry_hash(row["prev_hash"], row) != row["hash"]:
            return ChainResult(False, verified, row["id"],
                               f"entry {row['id']}: content does not match its hash (altered)", last_id,
                               expected_prev)
        if anchor is not None and row["id"] == anchor[0]:
            if row["hash"] != anchor[1]:
                return ChainResult(False, verified, row["id"],
                                   f"entry {row['id']}: differs from the head verified earlier", last_id,
                                   expected_prev)
            anchor_seen = True
        expected_prev = row["hash"]
        last_id = row["id"]
        verified += 1
    if not anchor_seen:
        return ChainResult(False, verified, anchor[0],
                           f"entry {anchor[0]}: verified earlier, now missing (the ledger was cut short)",
                           last_id, expected_prev)
    return ChainResult(True, verified, None, f"{verified} entries verified", last_id,
                       expected_prev if verified else "")
