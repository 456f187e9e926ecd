"""Security headers on every page, and a clean `check --deploy` under production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.requirement("SEC-01")

BASE_DIR = Path(__file__).resolve().parents[2]


def test_pages_carry_a_csp_without_inline_scripts(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_hold_no_inline_script_or_style():
    """The CSP would block them in the browser; catch them before a user does. The validation report is no
    page of the portal but a file to download and keep: it carries its own style so that it reads the same
    when opened years later from the trial master file."""
    offenders = []
    standalone = {BASE_DIR / "templates" / "validation" / "report.html"}
    for template in set((BASE_DIR / "templates").rglob("*.html")) - standalone:
        text = template.read_text()
        for marker in ("<script>", "<script type=", "<style", " style=\"", " onclick=", " onload=", " onchange="):
            if marker in text:
                offenders.append(f"{template.relative_to(BASE_DIR)}: {marker.strip()}")
    assert offenders == []


def test_check_deploy_is_clean_under_production_settings():
    # DJANGO_ALLOW_ASYNC_UNSAFE (set for the browser tests) makes check --deploy warn; production never sets it.
    env = {
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "portal.example.org",
        "SECURE_SSL_REDIRECT": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_under_the_compose_files_own_variables():
    """The web service's environment as docker-compose would give it (defaults taken, secrets filled)."""
    import re

    import yaml

    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    given = {"SECRET_KEY": secrets.token_urlsafe(60), "ALLOWED_HOSTS": "portal.example.org",
             "PORTAL_DB_PASSWORD": "runtime-secret", "REDIS_PASSWORD": "redis-secret", "POSTGRES_PASSWORD": "x"}

    def resolve(value: str) -> str:
        return re.sub(r"\$\{(\w+)(?::[-?]([^}]*))?\}",
                      lambda m: given.get(m.group(1), m.group(2) if m.group(0).find(":-") > 0 else ""), str(value))

    env = {name: value for name, value in os.environ.items()
           if name not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_OWNER_URL")}
    env.update({name: resolve(value) for name, value in compose["services"]["web"]["environment"].items()})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
