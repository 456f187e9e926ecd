"""Reason search: a trigram index where the server has pg_trgm (postgres:16 in production does).

The embedded pgserver build ships no contrib extensions; there the reason filter is a plain ILIKE over the
rows the other filters (site, candidate, user) already narrowed through their indexes.
"""

from django.db import migrations

FORWARD = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX IF NOT EXISTS ledger_reason_trgm_idx ON trial_auditentry USING gin (reason gin_trgm_ops);
    END IF;
END
$$;
"""

BACKWARD = "DROP INDEX IF EXISTS ledger_reason_trgm_idx;"


class Migration(migrations.Migration):
    dependencies = [
        ("trial", "0002_audit_ledger_and_monitoring"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
