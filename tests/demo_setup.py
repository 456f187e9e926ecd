"""``make run``'s demo data in a test database, for the tests that look at the portal as its users see it."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command

PROTOCOL = Path(__file__).resolve().parents[1] / "trial/protocols/mc-1-50.toml"


def load_demo(settings, tmp_path) -> str:
    """Load the protocol and the demo (accounts and candidates) as ``make run`` does; returns what it printed.
    Sweeps queued on commit go nowhere, and the demo's login file is written under ``tmp_path``."""
    settings.CELERY_BROKER_URL = "redis+socket:///nonexistent/redis.sock"
    settings.DATA_DIR = tmp_path
    call_command("load_protocol", str(PROTOCOL), stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()
