"""Installation qualification of the configured system: each check names the requirement it verifies.

The checks read the database through a cursor passed in (any DB-API cursor: Django's, or a psycopg one of a
test's transaction), and judge the runtime role by name, so a test can break the installation inside a
transaction it rolls back and see the check fail. A check is "pass", "fail", or "warn" (Django's deployment
warnings, a ledger with no checkpoint yet): a warning is shown, it does not fail the qualification."""

from __future__ import annotations

import platform
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pgtrigger
import redis
from django.conf import settings
from django.core import checks as django_checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext_noop
from packaging.requirements import Requirement as Dependency
from packaging.specifiers import SpecifierSet

from trial.audit import checkpoints
from trial.audit.ignore_guard import HARDENED_IGNORE_SQL
from trial.audit.ledger import (
    TRIGGER_NAME,
    event_models,
    expected_functions,
    function_bodies,
)
from trial.audit.verify import verify
from trial.db_roles import table_classes

PASS, FAIL, WARN = "pass", "fail", "warn"
MINIMUM_POSTGRESQL = 140000  # Django 5.2 supports PostgreSQL 14 and later
ENABLED = {"O", "A"}  # pg_trigger.tgenabled: fires in origin mode, or always ("D" disabled, "R" replica only)


@dataclass(frozen=True)
class Check:
    name: str  # what was checked, in English (gettext_noop: the report translates it)
    requirement: str
    status: str
    detail: str

    @property
    def ok(self) -> bool:
        return self.status != FAIL


def _check(name: str, requirement: str, problems: Sequence[str], passed: str) -> Check:
    return Check(name, requirement, FAIL if problems else PASS, "; ".join(problems) if problems else passed)


def project() -> dict:
    with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]


def declared_dependencies(declared: dict | None = None) -> list[str]:
    """The portal's dependencies and its test dependencies (the operational tests run on the installation)."""
    declared = declared or project()
    return [*declared["dependencies"], *declared.get("optional-dependencies", {}).get("test", [])]


def python_check(required: str | None = None, version: str | None = None) -> Check:
    required = required or project()["requires-python"]
    version = version or platform.python_version()
    ok = SpecifierSet(required).contains(version)
    return _check(gettext_noop("Python version"), "VAL-01", [] if ok else [f"Python {version}: {required} required"],
                  f"Python {version} ({required} required)")


def package_check(requirements: Iterable[str] | None = None) -> Check:
    """Every declared dependency installed, at a version its declaration allows."""
    problems, count = [], 0
    for declared in requirements if requirements is not None else declared_dependencies():
        dependency = Dependency(declared)
        count += 1
        try:
            version = metadata.version(dependency.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{dependency.name}: not installed ({dependency.specifier or 'any version'} required)")
            continue
        if not dependency.specifier.contains(version, prereleases=True):
            problems.append(f"{dependency.name} {version}: {dependency.specifier} required")
    return _check(gettext_noop("Installed packages"), "VAL-01", problems,
                  f"{count} declared packages installed at allowed versions")


def postgresql_check(cursor) -> Check:
    cursor.execute("SELECT current_setting('server_version_num')::int, current_setting('server_version')")
    number, version = cursor.fetchone()
    problems = [] if number >= MINIMUM_POSTGRESQL else [f"PostgreSQL {version}: 14 or later required"]
    return _check(gettext_noop("PostgreSQL version"), "VAL-01", problems, f"PostgreSQL {version}")


def redis_check(url: str | None = None) -> Check:
    try:
        client = redis.Redis.from_url(url or settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        version = client.info("server").get("redis_version", "?")
    except (redis.RedisError, OSError) as error:
        return Check(gettext_noop("Redis"), "FUP-01", FAIL, f"Redis does not answer: {error}")
    return Check(gettext_noop("Redis"), "FUP-01", PASS, f"Redis {version} answers")


def migrations_check() -> Check:
    """Every migration of the code applied to the configured database."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    problems = [f"{len(pending)} migrations not applied: {', '.join(pending[:5])}"] if pending else []
    return _check(gettext_noop("Migrations applied"), "VAL-01", problems, "every migration applied")


def role_check(cursor, role: str, owner: str | None) -> Check:
    """The runtime role is a plain login: no superuser, owns nothing, cannot create in the schema, and is not
    the owner role itself."""
    cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication FROM pg_roles"
                   " WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is None:
        return Check(gettext_noop("Runtime role attributes"), "REC-02", FAIL, f"role {role} does not exist")
    problems = [f"{role} has {name}" for name, held in
                zip(("SUPERUSER", "CREATEROLE", "CREATEDB", "BYPASSRLS", "REPLICATION"), row, strict=True) if held]
    cursor.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                   " WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = %s", [role])
    owned = cursor.fetchone()[0]
    if owned:
        problems.append(f"{role} owns {owned} relations of the schema")
    cursor.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [role])
    if cursor.fetchone()[0]:
        problems.append(f"{role} may CREATE in the schema public")
    cursor.execute("SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
                   " JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s ORDER BY 1", [role])
    problems += [f"{role} is a member of role {group} (it may act with that role's rights)"
                 for (group,) in cursor.fetchall()]
    if owner is not None and owner == role:
        problems.append(f"{role} is also the owner role: configure DATABASE_OWNER_URL with another role")
    return _check(gettext_noop("Runtime role attributes"), "REC-02", problems,
                  f"{role}: no superuser or other attribute, member of no role, owns nothing, no CREATE")


# What the runtime role may not do, by the class of the table (trial.db_roles.table_classes).
_NEVER = ("TRUNCATE", "TRIGGER")
_FORBIDDEN = {"insert_only": ("UPDATE", "DELETE"), "read_only": ("INSERT", "UPDATE", "DELETE")}


def grant_check(cursor, role: str, classes: dict[str, list[str]] | None = None) -> Check:
    """The runtime role's table and function privileges are what ``trial.db_roles`` grants and no more."""
    classes = classes or table_classes()
    class_of = {table: name for name, tables in classes.items() for table in tables}
    privileges = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
    cursor.execute(
        "SELECT c.relname, " + ", ".join(f"has_table_privilege(%s, c.oid, '{p}')" for p in privileges) +
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        [role] * len(privileges),
    )
    problems, tables = [], 0
    for table, *held in cursor.fetchall():
        tables += 1
        granted = {name for name, has in zip(privileges, held, strict=True) if has}
        forbidden = granted & {*_NEVER, *_FORBIDDEN.get(class_of.get(table, ""), ())}
        if forbidden:
            problems.append(f"{table}: {role} may {', '.join(sorted(forbidden))}")
    cursor.execute("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                   " WHERE n.nspname = 'public' AND p.proname LIKE 'trial\\_ledger\\_append\\_\\_%%'"
                   " AND has_function_privilege(%s, p.oid, 'EXECUTE') ORDER BY p.proname", [role])
    problems += [f"{name}(): {role} may EXECUTE it (only the ledger's trigger may)" for (name,) in cursor.fetchall()]
    return _check(gettext_noop("Runtime role grants"), "REC-02", problems,
                  f"{tables} tables: append-only and read-only ones as granted, no TRUNCATE or TRIGGER")


def _body(sql: str) -> str:
    """A trigger function's body from pgtrigger's installation SQL, as PostgreSQL keeps it (``prosrc``)."""
    found = re.search(r"RETURNS TRIGGER AS \$\$(.*?)\$\$ LANGUAGE plpgsql;", sql, re.S)
    return _words(found.group(1)) if found else ""


def _words(text: str) -> str:
    return " ".join(text.split())


def expected_triggers() -> list[tuple[str, str, str | None]]:
    """(table, trigger, its function's body or None) of every trigger the code declares: pgtrigger's
    (append-only, immutability, history), whose functions must be the code's to the letter, and the ledger's
    on every event table (its function is checked by the chain: ``verify_audit``)."""
    expected = {(model._meta.db_table, trigger.get_pgid(model), _body(trigger.compile(model).install_sql))
                for model, trigger in pgtrigger.registered()}
    expected |= {(model._meta.db_table, TRIGGER_NAME, None) for model in event_models()}
    return sorted(expected, key=lambda found: found[:2])


def trigger_check(cursor, expected: Iterable[tuple[str, str, str | None]] | None = None) -> Check:
    """Every trigger present and enabled, and pgtrigger's functions as the code wrote them: a function
    replaced by one that lets an UPDATE through would leave the trigger present and enabled."""
    cursor.execute("SELECT c.relname, t.tgname, t.tgenabled, p.proname, p.prosrc FROM pg_trigger t"
                   " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                   " JOIN pg_proc p ON p.oid = t.tgfoid WHERE n.nspname = 'public' AND NOT t.tgisinternal")
    present = {(table, name): (enabled, function, source) for table, name, enabled, function, source
               in cursor.fetchall()}
    problems, count = [], 0
    for table, name, body in expected if expected is not None else expected_triggers():
        count += 1
        state = present.get((table, name))
        if state is None:
            problems.append(f"{table}: trigger {name} is missing")
            continue
        enabled, function, source = state
        if enabled not in ENABLED:
            problems.append(f"{table}: trigger {name} is disabled")
        if body is not None and _words(source) != body:
            problems.append(f"{table}: trigger {name} runs {function}(), which differs from the code's")
    return _check(gettext_noop("Audit triggers present and enabled"), "AUD-01", problems,
                  f"{count} triggers present and enabled, their functions as the code declares them")


def ledger_function_check(cursor, quote_name=connection.ops.quote_name) -> Check:
    """The ledger's functions (the hash, each event table's append and trigger functions) as the code writes
    them: the owner replacing one with a function that records nothing leaves every trigger in place."""
    expected = expected_functions(cursor, quote_name)
    cursor.execute("SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                   " WHERE n.nspname = 'public' AND p.proname = ANY(%s)", [list(expected)])
    installed = dict(cursor.fetchall())
    problems = [f"{name}() is missing" if name not in installed else f"{name}() differs from the code's"
                for name, body in sorted(expected.items())
                if name not in installed or _words(installed[name]) != _words(body)]
    return _check(gettext_noop("Audit ledger functions as the code declares them"), "AUD-01", problems,
                  f"{len(expected)} functions as the code declares them")


def ignore_guard_check(cursor) -> Check:
    """pgtrigger's ``pgtrigger.ignore`` honoured for the owner only: ``_pgtrigger_should_ignore`` is the guard
    ``trial.audit.ignore_guard`` installs, naming the role that owns the ledger, to the letter."""
    cursor.execute("SELECT quote_literal(pg_get_userbyid(relowner)) FROM pg_class"
                   " WHERE oid = 'trial_auditentry'::regclass")
    owner = cursor.fetchone()[0]
    expected = function_bodies(HARDENED_IGNORE_SQL.replace("@OWNER@", owner))["_pgtrigger_should_ignore"]
    cursor.execute("SELECT prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                   " WHERE n.nspname = 'public' AND p.proname = '_pgtrigger_should_ignore'")
    row = cursor.fetchone()
    guarded = row is not None and _words(row[0]) == _words(expected)
    problems = [] if guarded else ["_pgtrigger_should_ignore is not the guard that honours pgtrigger.ignore for "
                                   "the owner only (run manage.py migrate as the owner)"]
    return _check(gettext_noop("Trigger bypass closed to the runtime role"), "REC-02", problems,
                  "pgtrigger.ignore is honoured for the owner only")


def checkpoint_checks(using: str = "default") -> list[Check]:
    """The signing key readable, and the chain since the newest signed checkpoint intact. A new installation
    has neither key nor checkpoint (the first checkpoint creates the key): a warning, not a failure; a key
    missing once checkpoints exist, or one that cannot be read, fails."""
    result = verify(using=using, incremental=True)
    name = gettext_noop("Checkpoint key readable")
    written = Path(settings.AUDIT_CHECKPOINT_DIR).is_dir() and any(Path(settings.AUDIT_CHECKPOINT_DIR).glob("*.json"))
    if not Path(settings.AUDIT_CHECKPOINT_KEY).exists() and not written:
        key = Check(name, "AUD-02", WARN, f"{settings.AUDIT_CHECKPOINT_KEY}: not created yet (the first checkpoint "
                                          f"creates it; beat writes one every AUDIT_CHECKPOINT_SECONDS)")
    else:
        try:
            checkpoints.private_key()
        except checkpoints.CheckpointError as error:
            key = Check(name, "AUD-02", FAIL, str(error))
        else:
            key = Check(name, "AUD-02", PASS, str(settings.AUDIT_CHECKPOINT_KEY))
    name = gettext_noop("Audit chain against the last checkpoint")
    if not result.ok:
        chain = Check(name, "AUD-02", FAIL, result.message)
    elif result.checkpoints == 0:
        chain = Check(name, "AUD-02", WARN, f"no signed checkpoint yet in {settings.AUDIT_CHECKPOINT_DIR}: the "
                                            f"chain is intact ({result.message})")
    else:
        chain = Check(name, "AUD-02", PASS, result.message)
    return [key, chain]


def deployment_check() -> Check:
    """Django's system checks with the deployment ones (``check --deploy``): errors fail, warnings warn."""
    found = [m for m in django_checks.run_checks(include_deployment_checks=True) if not m.is_silenced()]
    errors = [m for m in found if m.level >= django_checks.ERROR]
    warnings = [m for m in found if django_checks.WARNING <= m.level < django_checks.ERROR]
    name = gettext_noop("Deployment settings (check --deploy)")
    if errors or warnings:
        detail = "; ".join(f"{m.id}: {m.msg}" for m in (*errors, *warnings))
        return Check(name, "SEC-01", FAIL if errors else WARN, detail)
    return Check(name, "SEC-01", PASS, "no issue")


def runtime_role() -> str:
    return settings.DATABASE_RUNTIME_ROLE["USER"]


def owner_role() -> str | None:
    owner = settings.DATABASES.get("owner")
    return owner["USER"] if owner else None


def qualify() -> list[Check]:
    """Every check on the configured system, in the report's order."""
    role = runtime_role()
    with connection.cursor() as cursor:
        database = [postgresql_check(cursor), role_check(cursor, role, owner_role()), grant_check(cursor, role),
                    trigger_check(cursor), ledger_function_check(cursor), ignore_guard_check(cursor)]
    return [python_check(), package_check(), database[0], redis_check(), migrations_check(), *database[1:],
            *checkpoint_checks(), deployment_check()]


def environment() -> dict[str, str]:
    """What the report names as the environment: the platform, the servers and every declared package."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        postgresql = cursor.fetchone()[0]
    found = {"Python": platform.python_version(), "Platform": platform.platform(), "PostgreSQL": postgresql}
    for declared in declared_dependencies():
        name = Dependency(declared).name
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found
