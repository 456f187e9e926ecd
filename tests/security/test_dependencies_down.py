"""Dependencies down: the portal survives a lost PostgreSQL connection and works without Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from followup.models import UrgentAlert
from patients.clock import site_today
from patients.models import Patient
from tests.security.conftest import client_as, enrolled_with_a_pregnancy_test
from tests.security.test_backup import url_of

pytestmark = pytest.mark.requirement("ERR-01")

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def gunicorn(tmp_path):
    """The portal under a real gunicorn (one sync worker, connections kept 60 s) on the test database."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url_of(connection.settings_dict),
        "CONN_MAX_AGE": "60",
        "DEBUG": "0",
        "STATIC_MANIFEST": "0",  # no collectstatic in the test checkout
        "DJANGO_SETTINGS_MODULE": "trial.settings",
    }
    log = open(tmp_path / "gunicorn.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "trial.wsgi:application", "--workers", "1", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def portal_backends() -> list[int]:
    """The test database's connections other than the test's own: gunicorn's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_next_request_succeeds_after_the_database_connection_is_lost(gunicorn, coordinator_a, patient_a):
    client = Client()
    client.force_login(coordinator_a)
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"
    page = f"{gunicorn}{reverse('dashboard_coordinator')}"

    # Connections this process left open (a live server's, a browser test's) are not gunicorn's: ending them
    # would end a later test's connection in this worker.
    earlier = set(portal_backends())
    status, body = fetch(page, cookie)
    assert status == 200 and patient_a.screening_number in body
    backends = [pid for pid in portal_backends() if pid not in earlier]
    assert backends, "gunicorn kept no connection open (CONN_MAX_AGE is not in effect)"
    with connection.cursor() as cursor:  # as a PostgreSQL restart would
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [backends])
    deadline = time.monotonic() + 10
    while set(backends) & set(portal_backends()) and time.monotonic() < deadline:
        time.sleep(0.05)

    status, body = fetch(page, cookie)
    assert status == 200, body[:2000]
    assert patient_a.screening_number in body
    assert not set(backends) & set(portal_backends())  # a new connection served it


# -- Redis down -------------------------------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings, tmp_path):
    dead = tmp_path / "dead.sock"  # nothing listens here
    settings.REDIS_URL = f"unix://{dead}"
    settings.CELERY_BROKER_URL = f"redis+socket://{dead}"
    return dead


@contextmanager
def must_finish(seconds: int = 60):
    """Fail instead of hanging if the block never finishes (a generous bound, not a timing assertion)."""

    def give_up(signum, frame):
        raise AssertionError(f"still waiting after {seconds} s: something blocks on Redis")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.django_db
def test_healthz_says_redis_is_down(client, redis_down):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "down"}


REGISTRATION = {
    "initials": "LMN", "date_of_birth": "1979-11-23", "sex": "female", "weight_kg": "70.2",
    "childbearing_potential": "yes", "non_childbearing_reason": "", "gilbert_syndrome": "no",
    "full_name": "", "hospital_record_number": "",
}


@pytest.mark.django_db
def test_data_entry_works_with_redis_down(redis_down, site_a, coordinator_a, protocol_version,
                                          django_capture_on_commit_callbacks):
    coordinator = client_as(coordinator_a)
    with must_finish():
        registered = coordinator.post(reverse("patient_register"), {**REGISTRATION, "site": site_a.pk})
    assert registered.status_code == 302
    patient = Patient.objects.get(initials="LMN")
    assert registered.url == reverse("patient_detail", args=[patient.pk])

    # A positive pregnancy test alerts the investigators: a sweep is queued after commit, the broker is down,
    # the result is saved regardless.
    reminder = enrolled_with_a_pregnancy_test(patient, coordinator_a)
    with must_finish(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        completed = coordinator.post(reverse("followup_reminder_complete", args=[reminder.pk]), {
            "result": "positive", "tested_on": site_today(site_a).isoformat(),
        })
    assert completed.status_code == 302, completed.context["form"].errors
    assert callbacks, "no sweep was queued: the broker was never tried"
    assert UrgentAlert.objects.filter(reminder=reminder).exists()


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_answers_503_with_the_layout_not_500(coordinator_a, settings, tmp_path):
    """The session, the user and the page all need PostgreSQL; with it unreachable the reader gets the
    portal's layout and a plain message, with Retry-After."""
    client = Client(raise_request_exception=False)
    client.force_login(coordinator_a)
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["HOST"] = str(tmp_path)  # no PostgreSQL listens on this socket directory
    try:
        response = client.get(reverse("dashboard_coordinator"))
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    page = response.content.decode()
    assert 'data-testid="database-down"' in page and "cannot reach its database" in page
    assert response["Retry-After"] == "30"
