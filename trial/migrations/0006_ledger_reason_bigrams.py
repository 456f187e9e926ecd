"""Reason search on every PostgreSQL: a GIN index over the reason's lower-cased character bigrams.

The embedded server has no pg_trgm, and word-based full-text search misses words inside Chinese
phrases; bigrams of characters serve both scripts. The search narrows by the index (every bigram of
the query must be among the reason's), then ILIKE checks the exact substring.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION trial_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}')
    FROM generate_series(1, char_length(t) - 1) AS i
$$;
CREATE INDEX IF NOT EXISTS ledger_reason_bigrams_idx ON trial_auditentry USING gin (trial_bigrams(reason));
"""

BACKWARD = """
DROP INDEX IF EXISTS ledger_reason_bigrams_idx;
DROP FUNCTION IF EXISTS trial_bigrams(text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trial", "0005_staff_preference"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
