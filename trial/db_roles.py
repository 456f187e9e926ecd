"""The two database roles: an owner that runs migrations and owns the schema, and the runtime role the web
app, the worker and beat connect as.

The runtime role (``DATABASE_URL``) is no superuser, owns nothing and has no CREATE on the schema, so it can
neither disable, drop or replace a trigger or a function, nor set ``session_replication_role``, nor run
``COPY ... FROM PROGRAM``. It may not TRUNCATE anything; on the append-only tables (every event table,
``AuthEvent``, protocol versions) it may only SELECT and INSERT; on the ledger and the verification runs
only SELECT (entries are appended by the owner's SECURITY DEFINER trigger functions, runs recorded by
``trial_verification_record``). pgtrigger's ``pgtrigger.ignore`` setting, which any role may SET, is
honoured for the owner only (``_pgtrigger_should_ignore`` is replaced after every migration).

``manage.py migrate`` with ``DATABASE_OWNER_URL`` set migrates as the owner and then creates or updates the
runtime role named in ``DATABASE_URL`` (with its password) and its grants: ``ensure_runtime_role``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pgtrigger
from django.apps import apps as global_apps
from django.db import models

from trial.audit.ledger import AuditEntry, VerificationRun, event_models

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


@contextmanager
def credentials_of(connection, settings_dict: dict) -> Iterator[None]:
    """Connect ``connection`` (its database name unchanged) with another role's credentials for a while: the
    migrations as the owner. The connection is closed on the way in and out, so each side opens its own."""
    saved = {key: connection.settings_dict.get(key, "") for key in CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: settings_dict.get(key, "") for key in CREDENTIALS})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _is_append_only(model: type[models.Model]) -> bool:
    """A model whose rows the database refuses to change or delete (``trial.audit.append_only``)."""
    for trigger in getattr(model._meta, "triggers", ()):
        operation = str(getattr(trigger, "operation", ""))
        if isinstance(trigger, pgtrigger.Protect) and "UPDATE" in operation and "DELETE" in operation:
            return True
    return False


def table_classes(app_registry=global_apps) -> dict[str, list[str]]:
    """The project's tables by what the runtime role may do with them."""
    events = {model._meta.db_table for model in event_models(app_registry)}
    read_only = {AuditEntry._meta.db_table, VerificationRun._meta.db_table, "django_migrations"}
    append_only = {model._meta.db_table for model in app_registry.get_models() if _is_append_only(model)}
    return {
        "read_only": sorted(read_only),
        "insert_only": sorted((events | append_only) - read_only),
    }


def ensure_runtime_role(connection, *, user: str, password: str, app_registry=global_apps) -> None:
    """Create or update the runtime role and grant it exactly what it needs, as the owner (idempotent). When
    both URLs name the same role there is no runtime role to make, and nothing is done.

    Tables created by later migrations are covered because migrate calls this after every run."""
    if not user:
        raise ValueError("DATABASE_URL names no user: the runtime role needs one")
    quote = connection.ops.quote_name
    quoted = quote(user)
    classes = table_classes(app_registry)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        if owner == user:
            return  # one role configured twice (the benchmark's own database): nothing to grant
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [user])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {quoted} LOGIN")
        cursor.execute(f"ALTER ROLE {quoted} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                       "NOBYPASSRLS")
        if password:
            cursor.execute(f"ALTER ROLE {quoted} WITH PASSWORD %s", [password])
        # No one but the owner creates anything in the schema (PostgreSQL before 15 let PUBLIC).
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        cursor.execute(f"REVOKE ALL ON SCHEMA public FROM {quoted}")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
        for table in classes["insert_only"]:
            cursor.execute(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {quoted}")
        for table in classes["read_only"]:
            cursor.execute(f"REVOKE INSERT, UPDATE, DELETE ON {quote(table)} FROM {quoted}")
        cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")


@contextmanager
def as_owner(alias: str = "default") -> Iterator[None]:
    """The connection ``alias`` as the owner role for a while, when one is configured (else unchanged): the
    benchmark's bulk load and its triggers-off measurement, which the runtime role may not do."""
    from django.conf import settings
    from django.db import connections

    owner = settings.DATABASES.get("owner")
    if owner is None:
        yield
        return
    with credentials_of(connections[alias], owner):
        yield
