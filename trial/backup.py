"""``python -m trial.backup backup|restore``: the database to a file and back (``make backup`` / ``make restore``).

``backup`` writes ``pg_dump -Fc`` of the configured database (``DATABASE_URL``, else the embedded one) to
``backups/<UTC timestamp>.dump``. ``restore FILE`` loads such a file with ``pg_restore`` into the configured
database, and refuses one that already holds tables unless ``--force`` (``make restore FORCE=1``), which
drops and recreates every object the backup holds: a restore over live trial data must be a decision,
not a typo.

The dump holds everything, including the audit event tables, the hash-chained ledger and the triggers that
keep them append-only; ``pg_restore`` creates triggers after loading the data, so restoring rewrites no
history and ``manage.py verify_audit`` passes on the copy. The binaries are those shipped with the
``pgserver`` package (the same PostgreSQL 16 as the embedded server), else the ones on PATH.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

from trial import embedded
from trial.env import ConfigError, database_from_url

BACKUP_DIR = embedded.BASE_DIR / "backups"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def postgres_binary(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: pgserver's copy (matches the embedded server), else the one on PATH."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
            import pgserver

        bundled = Path(pgserver.__file__).resolve().parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the pgserver package or PostgreSQL's client tools")
    return found


def database_url(environ: dict[str, str] | os._Environ = os.environ) -> str:
    """The configured database as its owner (DATABASE_OWNER_URL: a restore creates the schema, which the
    runtime role may not), else DATABASE_URL; the embedded server is started when neither is set."""
    for name in ("DATABASE_OWNER_URL", "DATABASE_URL"):
        if name in environ:
            return environ[name]
    return embedded.start_postgres()


def libpq_environment(url: str) -> tuple[str, dict[str, str]]:
    """(database name, environment for the PostgreSQL tools): the password travels in PGPASSWORD, never
    on the command line where ``ps`` shows it."""
    settings = database_from_url(url)
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if settings[key]:
            env[variable] = settings[key]
    return settings["NAME"], env


def table_count(url: str) -> int:
    """How many tables the database holds outside PostgreSQL's own schemas."""
    import psycopg

    settings = database_from_url(url)
    with psycopg.connect(
        dbname=settings["NAME"], host=settings["HOST"] or None, port=settings["PORT"] or None,
        user=settings["USER"] or None, password=settings["PASSWORD"] or None,
    ) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg_toast%'"
        ).fetchone()
    return int(row[0])


def backup(url: str, directory: Path = BACKUP_DIR, now: dt.datetime | None = None) -> Path:
    """Dump the database at ``url`` into ``directory/<UTC timestamp>.dump``; returns the file."""
    name, env = libpq_environment(url)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{stamp}.dump"
    partial = target.with_suffix(".dump.partial")  # a failed dump never looks like a good one
    result = subprocess.run(
        [postgres_binary("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={name}"],
        env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    partial.chmod(0o600)  # it holds patient data
    partial.rename(target)
    return target


def restore(url: str, dump: Path, force: bool = False) -> None:
    """Load ``dump`` into the database at ``url``; a database that holds tables only with ``force``."""
    if not dump.is_file():
        raise BackupError(f"no backup file at {dump}")
    name, env = libpq_environment(url)
    tables = table_count(url)
    if tables and not force:
        raise BackupError(
            f"database {name!r} is not empty ({tables} tables); restore into an empty database, "
            "or replace its contents with FORCE=1 (make) / --force"
        )
    command = [postgres_binary("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
               f"--dbname={name}"]
    if tables:
        command += ["--clean", "--if-exists"]
    result = subprocess.run([*command, str(dump)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {result.stderr.strip()}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m trial.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    backup_parser = commands.add_parser("backup", help="dump the database into backups/<UTC timestamp>.dump")
    backup_parser.add_argument("--dir", type=Path, default=BACKUP_DIR, help="where to write (default: backups/)")
    restore_parser = commands.add_parser("restore", help="load a dump into the configured database")
    restore_parser.add_argument("file", type=Path)
    restore_parser.add_argument("--force", action="store_true", help="replace the contents of a non-empty database")
    args = parser.parse_args(argv)
    try:
        url = database_url()
        if args.command == "backup":
            print(f"backup written to {backup(url, args.dir)}")
        else:
            restore(url, args.file, force=args.force)
            print(f"restored {args.file}")
    except (BackupError, ConfigError) as error:
        print(f"{args.command} refused: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
