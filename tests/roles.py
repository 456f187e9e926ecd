"""The owner role in tests: what an operator (a migration, a bulk load, a restore) or an attacker holding the
owner's credentials does. The suite itself runs as the runtime role (tests/conftest.py)."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import connection


def owner_settings() -> dict:
    """The test database as the owner: the runtime connection's database with the owner's credentials."""
    owner = settings.DATABASES["owner"]
    return {**connection.settings_dict, **{key: owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}}


@contextmanager
def owner_cursor(dbname: str | None = None):
    """A cursor on a connection of its own as the owner, autocommitting (what it does is committed)."""
    owner = owner_settings()
    with psycopg.connect(dbname=dbname or owner["NAME"], host=owner["HOST"] or None, port=owner["PORT"] or None,
                         user=owner["USER"] or None, password=owner["PASSWORD"] or None, autocommit=True) as conn:
        with conn.cursor() as cursor:
            yield cursor


@contextmanager
def owner_transaction():
    """A cursor as the owner in a transaction that is rolled back: an installation broken for one test."""
    owner = owner_settings()
    with psycopg.connect(dbname=owner["NAME"], host=owner["HOST"] or None, port=owner["PORT"] or None,
                         user=owner["USER"] or None, password=owner["PASSWORD"] or None) as conn:
        try:
            with conn.cursor() as cursor:
                yield cursor
        finally:
            conn.rollback()


def trigger_names(*uris: str) -> str:
    """What ``pgtrigger.ignore(*uris)`` sets (no URI: every registered trigger), by both of each trigger's
    names, as a PostgreSQL array literal for ``set_config('pgtrigger.ignore', ...)``, honoured for the owner
    role only."""
    from pgtrigger import registry

    names = []
    for model, trigger in registry.registered(*uris):
        pgid = trigger.get_pgid(model)
        names += [f"{model._meta.db_table}:{pgid}", pgid]
    return "{" + ",".join(names) + "}"


def every_trigger() -> str:
    return trigger_names()
