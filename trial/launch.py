"""``make run``: set up the database, load the demo, then serve the portal with a worker and beat.

All three processes stop together on Ctrl-C (or when any one of them exits).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from trial import embedded

HOST_PORT = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True)


def main() -> int:
    # The demo serves plain HTTP on the loopback address: cookies marked Secure would not come back from
    # every browser there. Production (docker-compose, behind TLS) keeps the secure default.
    os.environ.setdefault("SECURE_COOKIES", "0")
    embedded.ensure_started()
    _manage("migrate", "--no-input", "-v", "0")
    _manage("load_protocol", "trial/protocols/mc-1-50.toml")
    _manage("load_demo")
    # A first verification at start (beat's nightly run comes a day later): the audit log and the monitor
    # dashboard show its time and result from the first page. A broken trail is reported, not fatal here.
    subprocess.run([sys.executable, "manage.py", "verify_audit"], check=False)
    _manage("collectstatic", "--no-input", "-v", "0")
    bindir = os.path.dirname(sys.executable)
    commands = {
        "web": [os.path.join(bindir, "gunicorn"), "trial.wsgi", "--bind", HOST_PORT, "--workers", "2",
                "--access-logfile", "-"],
        "worker": [os.path.join(bindir, "celery"), "-A", "trial", "worker", "--loglevel", "INFO",
                   "--concurrency", "1"],
        "beat": [os.path.join(bindir, "celery"), "-A", "trial", "beat", "--loglevel", "INFO",
                 "--schedule", str(embedded.DATA_DIR / "celerybeat-schedule")],
    }
    processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
    print(f"\nPortal: http://{HOST_PORT}/  (Ctrl-C stops the web server, worker and beat)\n", flush=True)
    try:
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
