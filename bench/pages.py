"""Page load: gunicorn with the production settings, and N logged-in simulated users hitting the key pages.

The equivalent of ``locust --headless`` with ``wait_time = between(...)``: a thread per user, each with its
own session cookie, logging in through the real login form (and the second factor for investigators and
monitors), then requesting pages with a think time between them. Bounded in requests and in seconds, and
only ever against 127.0.0.1.

Cookies: production sets them ``Secure``. Browsers send secure cookies to http://127.0.0.1 (a secure
context) and so does this client; Python's cookiejar would not, hence the small jar below.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

CHECKOUT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # never anything else
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def production_environment(database_url: str) -> dict[str, str]:
    """The environment of a production web process, pointed at the benchmark database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=database_url, DEBUG="0", ALLOWED_HOSTS=HOST, LOG_LEVEL="WARNING")
    return env  # SECRET_KEY: the environment's, else .data/secret_key (read by the settings; `make` creates it)


@dataclass
class Server:
    base_port: int
    master_pid: int

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_peak_rss_kb(self) -> dict[int, int]:
        """VmHWM (peak resident set) of each web worker, in kB."""
        peaks = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = int(line.split()[1])
        return peaks


@contextmanager
def gunicorn(database_url: str, port: int, workers: int = 3) -> Iterator[Server]:
    """gunicorn as docker-compose runs it (sync workers, ``--workers 3``), DEBUG off, static files collected."""
    env = production_environment(database_url)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=CHECKOUT, env=env,
                   check=True)
    binary = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(binary), "trial.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(workers), "--log-level", "warning"],
        cwd=CHECKOUT, env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            try:
                if Browser(port).request("GET", "/login/").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.3)
        yield Server(port, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    ms: float


class Browser:
    """One user's session against 127.0.0.1: cookies, CSRF token, no automatic redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> Response:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        sent = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"http://{HOST}:{self.port}{path}"
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        ms = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, content, ms)

    def post_form(self, path: str, data: dict) -> Response:
        page = self.request("GET", path)
        token = CSRF_FIELD.search(page.body)
        if token is None:
            raise RuntimeError(f"no CSRF token on {path} (status {page.status})")
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": token.group(1)})

    def log_in(self, username: str, password: str, second_factor: str | None = None) -> None:
        response = self.post_form("/login/", {"username": username, "password": password})
        if response.status != 302:
            raise RuntimeError(f"login of {username} failed ({response.status})")
        if second_factor is not None:
            response = self.post_form("/account/2fa/verify/", {"token": second_factor})
            if response.status != 302:
                raise RuntimeError(f"second factor of {username} refused ({response.status})")


@dataclass
class SimulatedUser:
    username: str
    role: str  # coordinator | investigator | monitor
    second_factor: str | None
    candidates: list[tuple[int, str]]  # (id, screening number) of candidates at the user's site(s)


@dataclass
class Load:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, ms: float, problem: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.samples.setdefault(page, []).append(ms)
            if problem:
                self.errors.append(problem)

    def summary(self) -> dict[str, dict]:
        return {page: percentiles(values) for page, values in sorted(self.samples.items())}


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "requests": len(ordered),
    }


# Each role's mix of pages, (page, weight); the path is built per request.
MIX = {
    "coordinator": [("dashboard_coordinator", 2), ("candidate_page", 4), ("checklist_refresh", 4)],
    "investigator": [("dashboard_investigator", 3), ("candidate_page", 4), ("checklist_refresh", 3)],
    "monitor": [("dashboard_monitor", 2), ("audit_log", 3), ("audit_log_by_candidate", 2), ("candidate_page", 3)],
}
# What each page must contain for its response to count as the real page (not a login or error page).
MARKERS = {
    "dashboard_coordinator": 'data-testid="dashboard-title"', "dashboard_investigator": 'data-testid="dashboard-title"',
    "dashboard_monitor": 'data-testid="dashboard-title"', "candidate_page": 'data-testid="patient-title"',
    "checklist_refresh": 'data-testid="checklist"', "audit_log": "<table", "audit_log_by_candidate": "<table",
}


def _path(page: str, user: SimulatedUser, rng: random.Random) -> tuple[str, dict]:
    candidate, screening_number = rng.choice(user.candidates)
    return {
        "dashboard_coordinator": ("/dashboard/coordinator/", {}),
        "dashboard_investigator": ("/dashboard/investigator/", {}),
        "dashboard_monitor": ("/dashboard/monitor/", {}),
        "candidate_page": (f"/patients/{candidate}/", {}),
        "checklist_refresh": (f"/screening/patients/{candidate}/checklist/", {"HX-Request": "true"}),
        "audit_log": ("/audit/", {}),
        "audit_log_by_candidate": (f"/audit/?candidate={screening_number}", {}),
    }[page]


def run_load(port: int, users: list[SimulatedUser], password: str, *, seconds: float, max_requests: int,
             think: tuple[float, float] = (0.5, 1.5), seed: int = 11) -> Load:
    """Log every user in, then let them browse concurrently until ``seconds`` pass or ``max_requests``
    requests were made (whichever first). Latency is the full request as the client sees it."""
    load = Load()
    browsers = []
    for user in users:  # logins are not measured: they hash a password on purpose
        browser = Browser(port)
        browser.log_in(user.username, password, user.second_factor)
        browsers.append(browser)
        # Warm-up, not measured: every worker compiles templates and reads the protocol once after start.
        for page, _weight in MIX[user.role]:
            path, headers = _path(page, user, random.Random(seed))
            browser.request("GET", path, headers=headers)
    budget = threading.Semaphore(max_requests)
    deadline = time.monotonic() + seconds

    def browse(index: int) -> None:
        user, browser = users[index], browsers[index]
        rng = random.Random(seed + index)
        pages, weights = zip(*MIX[user.role])
        time.sleep(rng.uniform(0, think[1]))  # users do not all start in the same millisecond
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            page = rng.choices(pages, weights)[0]
            path, headers = _path(page, user, rng)
            try:
                response = browser.request("GET", path, headers=headers)
            except OSError as error:
                load.add(page, 60_000.0, f"{page} {path}: {error}")
                continue
            problem = None
            if response.status != 200 or MARKERS[page] not in response.body:
                problem = f"{page} {path}: HTTP {response.status}"
            load.add(page, response.ms, problem)
            time.sleep(rng.uniform(*think))

    started = time.monotonic()
    threads = [threading.Thread(target=browse, args=(i,), daemon=True) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    load.seconds = time.monotonic() - started
    return load
