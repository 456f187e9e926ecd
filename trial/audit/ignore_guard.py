"""The audit triggers honour ``pgtrigger.ignore`` only for the schema's owner.

``pgtrigger.ignore`` is a plain setting any role may ``SET LOCAL``, and pgtrigger's triggers skip themselves
when it names them: revoking privileges does not close that. This replaces pgtrigger's check so that the
runtime role's setting is ignored; the owner (who could drop a trigger anyway) keeps it for migrations.
"""

from __future__ import annotations

# pgtrigger's own function honours ``SET pgtrigger.ignore`` for every role. This one only for the owner (the
# role that ran the migrations, named at install) and superusers, who could disable a trigger anyway.
HARDENED_IGNORE_SQL = r"""
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN
LANGUAGE plpgsql STABLE AS $f$
DECLARE
    _pgtrigger_ignore TEXT[];
BEGIN
    IF session_user <> @OWNER@ AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        RETURN FALSE;
    END IF;
    BEGIN
        SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
    EXCEPTION WHEN OTHERS THEN
    END;
    RETURN coalesce(trigger_name = ANY(_pgtrigger_ignore), FALSE);
END
$f$;
"""


def harden_trigger_ignore(cursor) -> None:
    """Install ``HARDENED_IGNORE_SQL`` naming the current (migrating) role as the owner. Called after every
    migration: pgtrigger writes its own version back whenever a migration installs a trigger."""
    cursor.execute("SELECT quote_literal(current_user)")
    owner = cursor.fetchone()[0]
    cursor.execute(HARDENED_IGNORE_SQL.replace("@OWNER@", owner))
