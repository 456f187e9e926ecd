"""The central audit ledger: one append-only, hash-chained row per audit event, across every tracked model.

pghistory writes one event table per tracked model (``patients_patientevent``, ``trial_siteevent`` ...).
Answering "who changed what, when and why" for a monitor across all of them at once, fast, needs one table:
``trial_auditentry``. It is filled by the database itself: a statement-level AFTER INSERT trigger on every
pghistory event table hands the statement's events, in order, to that table's own append function
(``trial_ledger_append__<event table>``, generated from ``LedgerSpec``), which for each

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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connections, models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from trial.audit import append_only
from trial.audit.ignore_guard import harden_trigger_ignore

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

-- How verify_audit records a run: the runtime role may not write trial_verificationrun itself. A run that
-- says "intact" must name the real head (its id and hash), so a forged run cannot point past a rewrite;
-- the signed checkpoints outside the database are what a rewrite by the owner is caught against.
CREATE OR REPLACE FUNCTION trial_verification_record(
    started timestamptz, finished timestamptz, is_ok boolean, verified bigint, broken bigint, note text,
    head_id bigint, head_hash text
) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $f$
DECLARE
    new_id bigint;
BEGIN
    IF is_ok AND head_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM trial_auditentry WHERE id = head_id AND hash = head_hash) THEN
        RAISE EXCEPTION 'verification run: entry % with hash % is not in the ledger', head_id, head_hash;
    END IF;
    INSERT INTO trial_verificationrun (started_at, finished_at, ok, entries_verified, broken_entry_id, message,
                                       last_entry_id, last_hash)
    VALUES (started, finished, is_ok, verified, broken, note, head_id, coalesce(head_hash, ''))
    RETURNING id INTO new_id;
    RETURN new_id;
END
$f$;

-- Earlier versions: one generic function for every table, its look-ups planned on every call.
DROP FUNCTION IF EXISTS trial_ledger_append(text, jsonb, text[]);
DROP FUNCTION IF EXISTS trial_ledger_append_many(text, jsonb[], text[]);
DROP FUNCTION IF EXISTS trial_ledger_column_type(text, text);
DROP FUNCTION IF EXISTS trial_ledger_record() CASCADE;
"""

TRIGGER_NAME = "trial_ledger_record"

# One append function per event table, generated by ``LedgerSpec.sql``: the table, its columns and the way to
# the candidate and the site are written into the SQL, so PostgreSQL plans most of it once per session
# (a generic function would have to build them with EXECUTE, planned on every call: 1.8 ms for one event).
# The trigger is statement-level: pghistory writes a statement-level tracked table's events (the reminder
# sweep's UPDATE of 100 rows) with one INSERT, and the function appends them in one pass.
_APPEND_SQL = r"""
CREATE OR REPLACE FUNCTION @APPEND@(events jsonb[]) RETURNS void
LANGUAGE plpgsql
-- Runs as its owner (the schema owner): the runtime role may not write the ledger itself, and may not call
-- this function either (EXECUTE is revoked from PUBLIC below); only the trigger reaches it.
SECURITY DEFINER
SET search_path = public, pg_temp
-- One plan per session for the static queries below: a custom plan for each call (PostgreSQL's default for
-- its first five, and then whenever it estimates one cheaper) costs more than the query (1.05 ms against
-- 0.41 ms for one event). The look-up of previous events is the exception, planned on each call (EXECUTE).
SET plan_cache_mode = force_generic_plan
-- Every other look-up here is by primary key. A plan made while a table (pghistory_context) was empty,
-- and analysed as such, would otherwise scan it, and keep scanning it for the rest of the session.
SET enable_seqscan = off
AS $f$
DECLARE
    r record;
    ctx jsonb := '{}'::jsonb;
    ctx_id text;
    the_user bigint;
    prev text;
    entry trial_auditentry;
    entries trial_auditentry[] := '{}';
    previous jsonb[];
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
    PERFORM pg_advisory_xact_lock(@LOCK_KEY@);
    SELECT hash INTO prev FROM trial_auditentry ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));

    -- The previous event of each event's object, through the (pgh_obj_id, pgh_id) index (the statement's own
    -- events are in the table already, so two events of one object chain too). Planned on each call, with
    -- the table's size then: a plan kept from when the table was small walked its primary key backwards
    -- through every event (the 100,000-reminder sweep took 87 s instead of 35 s).
    EXECUTE $q$
        SELECT array_agg((SELECT to_jsonb(p) - $2 FROM @EVENT_TABLE@ p
                           WHERE p.pgh_obj_id = (u.e->>'pgh_obj_id')::@OBJ_TYPE@
                             AND p.pgh_id < (u.e->>'pgh_id')::bigint
                           ORDER BY p.pgh_id DESC LIMIT 1) ORDER BY u.ord)
          FROM unnest($1) WITH ORDINALITY AS u(e, ord)
    $q$ INTO previous USING events, @PGH_COLUMNS@;

    -- One query for the events in pgh_id order: each one's fields, the previous event, the action,
    -- ``changes`` with identifiers hidden, the candidate and the site.
    FOR r IN
        SELECT b.*,
               coalesce(b.own_site, (SELECT pt.site_id FROM @PATIENT_TABLE@ pt WHERE pt.id = b.patient_id)) AS site_id,
               (SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_array(
                         CASE WHEN f.key = ANY(@REDACTED@) AND f.old_v IS NOT NULL AND f.old_v NOT IN ('null', '""')
                              THEN to_jsonb('[hidden]'::text) ELSE f.old_v END,
                         CASE WHEN f.key = ANY(@REDACTED@) AND f.new_v IS NOT NULL AND f.new_v NOT IN ('null', '""')
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
                       u.e - @PGH_COLUMNS@ AS data,
                       previous[u.ord] AS prev_data,
                       @PATIENT@ AS patient_id, @SITE@ AS own_site
                  FROM unnest(events) WITH ORDINALITY AS u(e, ord)
                OFFSET 0  -- once per event: inlined, each use of data and prev_data would compute them again
              ) a
          ) b
         ORDER BY b.ord
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
        entry.event_table := @EVENT_TABLE_NAME@;
        entry.event_id := r.event_id;
        entry.action := r.act;
        entry.record_type := @RECORD_TYPE@;
        entry.object_id := r.obj;
        entry.site_id := r.site_id;
        entry.patient_id := r.patient_id;
        entry.user_id := the_user;
        entry.url := coalesce(ctx->>'url', '');
        entry.ip := coalesce(ctx->>'ip', '');
        entry.reason := coalesce(ctx->>'reason', '');
        entry.changes := r.delta;
        entry.prev_hash := prev;
        entry.hash := trial_ledger_hash(prev, entry.id, entry.occurred_at, entry.event_table, entry.event_id,
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

-- The trigger's function: the rows one INSERT statement wrote, in order.
CREATE OR REPLACE FUNCTION @RECORD@() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $f$
BEGIN
    PERFORM @APPEND@((SELECT array_agg(to_jsonb(n) ORDER BY n.pgh_id) FROM trial_ledger_new_events n));
    RETURN NULL;
END
$f$;

REVOKE EXECUTE ON FUNCTION @APPEND@(jsonb[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @RECORD@() FROM PUBLIC;
"""


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
    pgh_columns: tuple[str, ...] = ("pgh_context_id", "pgh_created_at", "pgh_id", "pgh_label", "pgh_obj_id")

    def function_names(self) -> tuple[str, str]:
        """(append function, trigger function) of this event table."""
        names = (f"trial_ledger_append__{self.event_table}", f"trial_ledger_record__{self.event_table}")
        if any(len(name) > 63 for name in names):  # PostgreSQL would silently truncate, and two could collide
            raise ValueError(f"event table name too long for its ledger functions: {self.event_table}")
        return names

    def sql(self, quote_name, obj_type: str, via_pk_type: str = "bigint") -> str:
        """The append and trigger functions of this event table (``_APPEND_SQL`` filled in). ``obj_type``:
        the type of its pgh_obj_id column, so the look-up of the previous event uses the index."""
        table = quote_name(self.event_table)
        own_id = "(u.e->>'pgh_obj_id')::bigint"
        patient = {
            "self": own_id,
            "column": f"(u.e->>{_sql_literal(self.patient_column)})::bigint",
            "via": f"(SELECT v.{quote_name(self.via_patient)} FROM {quote_name(self.via_table)} v"
                   f" WHERE v.{quote_name(self.via_pk)} = (u.e->>{_sql_literal(self.patient_column)})::{via_pk_type})",
        }.get(self.patient_mode, "NULL::bigint")
        site = {"self": own_id, "column": f"(u.e->>{_sql_literal(self.site_column)})::bigint"}.get(
            self.site_mode, "NULL::bigint")
        append, record = self.function_names()
        filled = {
            "@APPEND@": quote_name(append), "@RECORD@": quote_name(record), "@LOCK_KEY@": str(LEDGER_LOCK_KEY),
            "@EVENT_TABLE@": table, "@EVENT_TABLE_NAME@": _sql_literal(self.event_table),
            "@RECORD_TYPE@": _sql_literal(self.record_type), "@OBJ_TYPE@": obj_type,
            "@PATIENT_TABLE@": quote_name(self.patient_table), "@PATIENT@": patient, "@SITE@": site,
            "@REDACTED@": _sql_array(self.redacted), "@PGH_COLUMNS@": _sql_array(self.pgh_columns),
        }
        sql = _APPEND_SQL
        for placeholder, value in filled.items():
            sql = sql.replace(placeholder, value)
        return sql


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
    # pghistory's own columns, which are not the record's fields.
    spec["pgh_columns"] = tuple(sorted(column for column in event_columns if column.startswith("pgh_")))
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
    events that predate their table's trigger. Idempotent and atomic; returns the event tables covered."""
    covered = []
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_FUNCTIONS_SQL)
        harden_trigger_ignore(cursor)
        for spec, sql in _event_table_sql(cursor, connection.ops.quote_name, app_registry):
            quoted = connection.ops.quote_name(spec.event_table)
            cursor.execute(sql)
            append, record = (connection.ops.quote_name(name) for name in spec.function_names())
            # A statement-level trigger sees the statement's rows as one transition table (CREATE OR REPLACE
            # cannot turn the row-level trigger of earlier versions into one).
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON {quoted}")
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER_NAME} AFTER INSERT ON {quoted}"
                f" REFERENCING NEW TABLE AS trial_ledger_new_events FOR EACH STATEMENT EXECUTE FUNCTION {record}()"
            )
            cursor.execute(
                f"SELECT {append}(ARRAY("
                f"    SELECT to_jsonb(e) FROM {quoted} e"
                "      WHERE NOT EXISTS (SELECT 1 FROM trial_auditentry a"
                "                        WHERE a.event_table = %s AND a.event_id = e.pgh_id)"
                "      ORDER BY e.pgh_id))",
                [spec.event_table],
            )
            covered.append(spec.event_table)
    return covered


def _event_table_sql(cursor, quote_name, app_registry=global_apps) -> Iterator[tuple[LedgerSpec, str]]:
    """Each event table's spec and the SQL of its append and trigger functions, for the tables this database
    has (one whose migration has not run yet is left out): what ``install_ledger`` runs and the installation
    qualification compares with."""
    for model in event_models(app_registry):
        spec = spec_for(model, app_registry)
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [spec.event_table])
        if not cursor.fetchone()[0]:
            continue
        via_pk_type = _column_type(cursor, spec.via_table, spec.via_pk) if spec.patient_mode == "via" else ""
        yield spec, spec.sql(quote_name, _column_type(cursor, spec.event_table, "pgh_obj_id"), via_pk_type)


# A function of the ledger's SQL (or the trigger guard's): its name, without a schema, and its body between
# the $f$ quotes, as PostgreSQL keeps it in pg_proc.prosrc.
_FUNCTION = re.compile(r'CREATE OR REPLACE FUNCTION\s+(?:"?\w+"?\.)?"?(\w+)"?\s*\(.*?\$f\$(.*?)\$f\$', re.S)


def function_bodies(sql: str) -> dict[str, str]:
    """{function name: body} of every function ``sql`` creates."""
    return dict(_FUNCTION.findall(sql))


def expected_functions(cursor, quote_name, app_registry=global_apps) -> dict[str, str]:
    """{function: its body as this code writes it}: the shared functions and each installed event table's
    append and trigger functions. The installation qualification compares them with what the database runs:
    a trigger present and enabled whose function records nothing would otherwise go unseen."""
    found = function_bodies(_FUNCTIONS_SQL)
    for _spec, sql in _event_table_sql(cursor, quote_name, app_registry):
        found.update(function_bodies(sql))
    return found


def _column_type(cursor, table: str, column: str) -> str:
    cursor.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attname = %s AND NOT attisdropped",
        [table, column],
    )
    return cursor.fetchone()[0]


def _sql_literal(value: str) -> str:
    """Names written into the generated SQL; the values are our own model labels and column names, quoted
    anyway."""
    return "'" + value.replace("'", "''") + "'"


def _sql_array(values) -> str:
    return "ARRAY[" + ", ".join(_sql_literal(value) for value in values) + "]::text[]"


def install_ledger_after_migrate(sender, using: str = "default", apps=None, **kwargs) -> None:
    """post_migrate receiver: the event tables of every app exist by now."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regclass('trial_auditentry') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # migrating backwards past the ledger
        # The runtime role creates nothing (a test database's flush also sends post_migrate): the owner's
        # migrate installs the ledger.
        cursor.execute("SELECT has_schema_privilege('public', 'CREATE')")
        if not cursor.fetchone()[0]:
            return
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


def chain_rows(using: str = "default", chunk_size: int = 5000, after: int | None = None) -> Iterator[dict]:
    """The ledger in id order through a server-side cursor, with ``changes`` as PostgreSQL renders it;
    ``after``: only the entries after that id (the incremental check from a checkpoint)."""
    entries = AuditEntry.objects.using(using)
    if after is not None:
        entries = entries.filter(id__gt=after)
    return (
        entries.order_by("id")
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


def verify_chain(rows: Iterable[dict], anchor: tuple[int, str] | None = None, *,
                 anchors: Iterable[tuple[int, str, str]] = (), start: tuple[int, str] | None = None) -> ChainResult:
    """Walk the chain: each entry must link to the previous hash and hash to its own stored value.

    ``anchor`` (id, hash) is the head a previous run verified; ``anchors`` (id, hash, what) are the signed
    checkpoints: each must still be there, unchanged. ``start`` (id, hash): ``rows`` begin after that entry,
    which a checkpoint vouches for (the incremental check)."""
    pinned = {entry_id: (expected, what) for entry_id, expected, what in anchors}
    if anchor is not None:
        pinned.setdefault(anchor[0], (anchor[1], "the head verified earlier"))
    if start is not None:
        pinned.pop(start[0], None)
        pinned = {entry_id: value for entry_id, value in pinned.items() if entry_id > start[0]}
    expected_prev = start[1] if start else GENESIS_HASH
    verified = 0
    last_id: int | None = start[0] if start else None
    for row in rows:
        if row["prev_hash"] != expected_prev:
            return ChainResult(False, verified, row["id"],
                               f"entry {row['id']}: link to the previous entry is broken (an entry before it was"
                               " removed or altered)", last_id, expected_prev)
        if entry_hash(row["prev_hash"], row) != row["hash"]:
            return ChainResult(False, verified, row["id"],
                               f"entry {row['id']}: content does not match its hash (altered)", last_id,
                               expected_prev)
        if row["id"] in pinned:
            expected, what = pinned.pop(row["id"])
            if row["hash"] != expected:
                return ChainResult(False, verified, row["id"],
                                   f"entry {row['id']}: differs from {what} (the chain was rewritten)", last_id,
                                   expected_prev)
        expected_prev = row["hash"]
        last_id = row["id"]
        verified += 1
    if pinned:
        entry_id = min(pinned)
        what = pinned[entry_id][1]
        return ChainResult(False, verified, entry_id,
                           f"entry {entry_id}: named by {what}, now missing (the ledger was cut short or rewritten)",
                           last_id, expected_prev)
    return ChainResult(True, verified, None, f"{verified} entries verified", last_id,
                       expected_prev if (verified or start) else "")


def record_verification(result: ChainResult, started, finished, using: str = "default") -> None:
    """Store one run of ``verify_audit`` through ``trial_verification_record`` (the only way in)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT trial_verification_record(%s, %s, %s, %s, %s, %s, %s, %s)",
            [started, finished, result.ok, result.verified, result.broken_entry_id, result.message,
             result.last_entry_id if result.ok else None, result.last_hash if result.ok else ""],
        )
