"""``make bench``: generate (or reuse) the data set, measure the portal, print one table, write bench/results.json.

The data set is generated into ``<database>_template`` (by ``bench/generate.py`` in a subprocess) and
marked with a fingerprint of everything that shapes it: the scale, the generator, the migrations, the
ledger's SQL and the protocol file. A later run whose fingerprint matches reuses it; each run measures a
fresh copy (``CREATE DATABASE ... TEMPLATE``), because the measurements write (corrections, the sweep).
``--fresh`` regenerates regardless.

Usage: ``python bench/run.py [--scale full|smoke] [--fresh]``. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
if str(CHECKOUT) not in sys.path:
    sys.path.insert(0, str(CHECKOUT))

from bench.bench_audit import database_url  # noqa: E402

RESULTS = CHECKOUT / "bench/results.json"

TARGETS = {
    "evaluation_ms": 2.0,
    "audit_ratio": 1.3,
    "audit_search_p95_ms": 50.0,
    "page_p95_ms": 100.0,
    "sweep_s": 60.0,
}


# -- the database ---------------------------------------------------------------------------------------------


def schema_fingerprint() -> str:
    """What a migrated empty database depends on: the migrations and the SQL installed after them."""
    return _digest("schema", [CHECKOUT / "trial/audit/ledger.py", CHECKOUT / "trial/audit/__init__.py",
                              *sorted(CHECKOUT.glob("*/migrations/*.py"))])


def fingerprint(scale_name: str) -> str:
    """What the data set depends on: the schema, the scale, the generator and the protocol file."""
    return _digest(f"{scale_name}:{schema_fingerprint()}", [
        CHECKOUT / "bench/generate.py", CHECKOUT / "bench/bench_audit.py", CHECKOUT / "trial/protocols/mc-1-50.toml",
    ])


def _digest(prefix: str, paths: list[Path]) -> str:
    digest = hashlib.sha256(prefix.encode())
    for path in paths:
        digest.update(str(path.relative_to(CHECKOUT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def admin(server: str):
    import psycopg

    return psycopg.connect(database_url(server, "postgres"), autocommit=True)


def template_fingerprint(server: str, name: str) -> str | None:
    with admin(server) as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    return row[0] if row else None


def migrated_database(server: str) -> str:
    """An empty database migrated to the current schema, kept between runs (migrating takes about a minute;
    copying it a second)."""
    name, mark = "bench_migrated", schema_fingerprint()
    if template_fingerprint(server, name) != mark:
        with admin(server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": database_url(server, name), "DEBUG": "1"}
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=CHECKOUT, env=env,
                       check=True)
        with admin(server) as connection:
            connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{mark}'")
    return name


def generate_template(server: str, name: str, scale_name: str, mark: str) -> None:
    import psycopg

    migrated = migrated_database(server)
    copy_database(server, migrated, name)
    subprocess.run([sys.executable, "-m", "bench.generate", "--database-url", database_url(server, name),
                    "--scale", scale_name, "--fingerprint", mark, "--migrated"], cwd=CHECKOUT, check=True)
    with psycopg.connect(database_url(server, name), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")  # visibility map for index-only scans, statistics
    with admin(server) as connection:
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{mark}'")


def copy_database(server: str, template: str, name: str) -> None:
    with admin(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"  # production settings, as the web workers run
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
    import django

    django.setup()


# -- the measurements ----------------------------------------------------------------------------------------


def p50_p95(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2), "samples": len(ordered)}


FIRST_FORMAT_PROTOCOL = "tests/data/mc-1-50.format1.toml"


def measure_eligibility(runs: int, iterations: int, protocol: str = "trial/protocols/mc-1-50.toml") -> dict:
    """The engine alone on the shared example (bench_eligibility.py, median of ``runs``), under `protocol`."""
    done = subprocess.run([sys.executable, "bench/bench_eligibility.py", "--runs", str(runs),
                           "--iterations", str(iterations), "--protocol", protocol], cwd=CHECKOUT,
                          capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"bench_eligibility.py printed no result: {done.stderr}")
    return json.loads(lines[-1])


def measure_evaluation_from_database(samples: int) -> dict:
    """What the checklist pays per candidate: facts from the database plus the engine."""
    from patients.models import Patient
    from screening.evaluation import evaluate_eligibility

    ids = list(Patient.objects.values_list("pk", flat=True))
    rng = random.Random(3)
    durations = []
    for pk in rng.sample(ids, min(samples, len(ids))):
        patient = Patient.objects.select_related("site__trial").get(pk=pk)
        started = time.perf_counter()
        evaluate_eligibility(patient)
        durations.append((time.perf_counter() - started) * 1000)
    return p50_p95(durations)


def measure_audit_cost(samples: int) -> dict:
    """A lab correction through its service with the audit triggers on and off (pgtrigger.ignore on the
    LabResult's pghistory triggers, so neither the event nor its ledger entry is written), interleaved
    so both see the same cache and load. As the owner role: the runtime role cannot switch triggers off."""
    from trial.db_roles import as_owner

    with as_owner():
        return _measure_audit_cost(samples)


def _measure_audit_cost(samples: int) -> dict:
    import pgtrigger

    from screening.models import LabResult
    from screening.records.services import screening_record_update
    from trial.models import Role, StaffRole

    coordinators = {}
    for role in StaffRole.objects.filter(role=Role.COORDINATOR).select_related("user").order_by("pk"):
        coordinators.setdefault(role.site_id, role.user)
    labs = list(LabResult.objects.filter(test="creatinine", patient__sex="female").order_by("?")[:samples])
    on, off = [], []
    def save(lab: LabResult) -> float:
        lab.refresh_from_db()
        values = {"test": lab.test, "value": lab.value + 1 if lab.value < 80 else lab.value - 1, "unit": lab.unit,
                  "reference_low": lab.reference_low, "reference_high": lab.reference_high,
                  "collected_on": lab.collected_on}
        started = time.perf_counter()
        screening_record_update(acting_user=coordinators[lab.patient.site_id], record=lab, version=lab.version,
                                reason="benchmark: value re-entered from the lab report", values=values)
        return (time.perf_counter() - started) * 1000

    # Every candidate of the data set is signed: a first correction voids the signature (a rarer, heavier
    # save, re-evaluated and audited on three tables). Done once, unmeasured, so the pairs compare the
    # typical save of screening data.
    for lab in labs:
        save(lab)
    audited_before = _ledger_count()
    unaudited = ("screening.LabResult:insert_insert", "screening.LabResult:update_update")
    for index, lab in enumerate(labs):
        for audited in ((True, False) if index % 2 == 0 else (False, True)):
            if audited:
                on.append(save(lab))
            else:
                with pgtrigger.ignore(*unaudited):
                    off.append(save(lab))
    written = _ledger_count() - audited_before
    if written != len(on):  # the measurement is only worth something if "off" really was off
        raise RuntimeError(f"expected {len(on)} ledger entries from the audited saves, found {written}")
    audited_ms, plain_ms = statistics.median(on), statistics.median(off)
    return {"audited_ms": round(audited_ms, 2), "unaudited_ms": round(plain_ms, 2),
            "ratio": round(audited_ms / plain_ms, 3), "saves_each": len(on),
            "audited_p95_ms": p50_p95(on)["p95_ms"], "unaudited_p95_ms": p50_p95(off)["p95_ms"]}


def _ledger_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trial_auditentry")
        return cursor.fetchone()[0]


def measure_audit_search(dataset, samples: int) -> dict:
    """bench_audit.py's measurement (the audit engineer's), on this data set: a monitor of sites 1 and 2."""
    from django.contrib.auth import get_user_model

    from bench import bench_audit
    from trial.models import Site

    monitor = get_user_model().objects.get(username=dataset.monitors[0])
    sites = list(Site.objects.order_by("number"))
    return bench_audit.measure(monitor, sites, samples)


def simulated_users(dataset, count: int, run: int = 0):
    """``count`` users of the three roles; ``run``: how many page runs logged them in before (a recovery code
    is single use, so each run spends the next one)."""
    from bench.pages import SimulatedUser
    from patients.models import Patient
    from trial.models import Role, StaffRole

    rng = random.Random(5)
    candidates_of_site: dict[int, list[tuple[int, str]]] = {}
    for pk, number, site_id in Patient.objects.values_list("pk", "screening_number", "site_id"):
        candidates_of_site.setdefault(site_id, []).append((pk, number))
    sites_of_user: dict[str, list[int]] = {}
    for username, site_id in StaffRole.objects.values_list("user__username", "site_id"):
        sites_of_user.setdefault(username, []).append(site_id)
    pools = {Role.COORDINATOR: dataset.coordinators, Role.INVESTIGATOR: dataset.investigators,
             Role.MONITOR: dataset.monitors}
    pattern = [Role.COORDINATOR, Role.INVESTIGATOR, Role.MONITOR, Role.COORDINATOR, Role.INVESTIGATOR,
               Role.MONITOR, Role.COORDINATOR, Role.COORDINATOR, Role.INVESTIGATOR, Role.MONITOR]  # 8:6:6 of 20
    used: Counter[str] = Counter()
    users = []
    for index in range(count):
        role = pattern[index % len(pattern)]
        pool = pools[role]
        username = pool[used[role] % len(pool)]
        use = run + used[role] // len(pool)  # a user logged in twice spends a second recovery code
        used[role] += 1
        codes = dataset.recovery_codes.get(username)
        candidates = [c for site in sites_of_user[username] for c in candidates_of_site.get(site, [])]
        users.append(SimulatedUser(username, str(role), codes[use] if codes else None,
                                   rng.sample(candidates, min(300, len(candidates)))))
    return users


def measure_pages(dataset, url: str, *, users: int, seconds: float, max_requests: int, port: int,
                  think: tuple[float, float], runs: int = 1) -> dict:
    """``runs`` page loads, each against a fresh gunicorn; per page the median of the runs' p50 and p95 (the
    machines are noisy), with every run's figures kept."""
    each = [_page_run(dataset, url, users=users, seconds=seconds, max_requests=max_requests, port=port,
                      think=think, run=run) for run in range(runs)]
    pages = {}
    for page in sorted({page for result in each for page in result["pages"]}):
        figures = [result["pages"][page] for result in each if page in result["pages"]]
        pages[page] = {"p50_ms": round(statistics.median(f["p50_ms"] for f in figures), 1),
                       "p95_ms": round(statistics.median(f["p95_ms"] for f in figures), 1),
                       "requests": sum(f["requests"] for f in figures)}
    requests, wall = sum(r["requests"] for r in each), sum(r["seconds"] for r in each)
    peaks = [r["web_worker_peak_rss_mb"] for r in each if r["web_worker_peak_rss_mb"] is not None]
    return {
        "users": users, "think_seconds": list(think), "runs": runs, "requests": requests, "seconds": round(wall, 1),
        "requests_per_second": round(requests / wall, 1) if wall else 0.0,
        "errors": sum(r["errors"] for r in each), "first_errors": [e for r in each for e in r["first_errors"]][:5],
        "pages": pages, "web_worker_peak_rss_mb": max(peaks) if peaks else None,
        "web_workers": max(r["web_workers"] for r in each), "each_run": each,
    }


def _page_run(dataset, url: str, *, users: int, seconds: float, max_requests: int, port: int,
              think: tuple[float, float], run: int) -> dict:
    from bench import pages

    simulated = simulated_users(dataset, users, run)
    from django.db import connections

    connections.close_all()  # the web workers, not this process, hold the database now
    with pages.gunicorn(url, port) as server:
        load = pages.run_load(port, simulated, dataset.password, seconds=seconds, max_requests=max_requests,
                              think=think)
        peaks = server.worker_peak_rss_kb()
    return {
        "requests": load.requests, "seconds": round(load.seconds, 1), "errors": len(load.errors),
        "first_errors": load.errors[:5], "pages": load.summary(),
        "web_worker_peak_rss_mb": round(max(peaks.values()) / 1024, 1) if peaks else None,
        "web_workers": len(peaks),
    }


def measure_sweep(url: str, cap_seconds: float) -> dict:
    """The sweep task, called directly in a subprocess (``python -m bench.sweep``) as the Celery worker
    would, with every message counted in a file. If it has not finished after ``cap_seconds`` it is
    stopped (SIGTERM: its open transaction rolls back, as after a worker crash) and the time for all due
    reminders is extrapolated from its rate. A second sweep then runs (capped too): it must announce only
    what the first left. Sent twice: a reminder key in more than one message."""
    import tempfile

    from followup.models import Reminder, ReminderStatus

    due = Reminder.objects.filter(status=ReminderStatus.PENDING).count()
    with tempfile.TemporaryDirectory() as folder:
        keys_file = Path(folder) / "keys.tsv"
        first = _sweep_subprocess(url, keys_file, cap_seconds)
        announced = Reminder.objects.exclude(status=ReminderStatus.PENDING).count()
        first_lines = len(keys_file.read_text().splitlines()) if keys_file.exists() else 0
        second = _sweep_subprocess(url, keys_file, min(cap_seconds, 60) if cap_seconds else 0)
        lines = [line.split("\t") for line in keys_file.read_text().splitlines()] if keys_file.exists() else []
    per_reminder = Counter(line[0] for line in lines)
    first_messages = len({line[2] for line in lines[:first_lines]})
    rate = announced / first["seconds"] if first["seconds"] else None
    return {
        "due": due, "finished": first["finished"], "seconds": round(first["seconds"], 1),
        "announced": announced, "per_second": round(rate, 1) if rate else None,
        "seconds_for_all_due": round(first["seconds"] if first["finished"] else due / rate, 1) if rate else None,
        "messages": first_messages, "messages_second_sweep": len({line[2] for line in lines[first_lines:]}),
        "announcements": len(lines),
        "second_sweep_finished": second["finished"],
        "sent_twice": sum(1 for sent in per_reminder.values() if sent > 1),
        "cap_seconds": cap_seconds,
        "email_backend": "bench.mail.FileCountingBackend (renders each message like locmem, records the keys it names)",
    }


def _sweep_subprocess(url: str, keys_file: Path, cap_seconds: float) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "BENCH_MAIL_KEYS": str(keys_file),
           "EMAIL_BACKEND": "bench.mail.FileCountingBackend"}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bench.sweep"], cwd=CHECKOUT, env=env)
    try:
        process.wait(timeout=cap_seconds or None)
        finished = process.returncode == 0
    except subprocess.TimeoutExpired:
        process.terminate()
        process.wait()
        finished = False
    return {"finished": finished, "seconds": time.perf_counter() - started}


def verify_ledger() -> dict:
    from trial.audit.ledger import chain_rows, verify_chain

    started = time.perf_counter()
    result = verify_chain(chain_rows())
    return {"ok": result.ok, "entries": result.verified, "message": result.message,
            "seconds": round(time.perf_counter() - started, 1)}


# -- the machine and the report -------------------------------------------------------------------------------


def machine() -> dict:
    from django.db import connection

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal:"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=CHECKOUT, capture_output=True,
                            text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "postgresql": postgres, "os": platform.platform(),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit}


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "MISSED")


def table(results: dict) -> str:
    rows: list[tuple[str, str, str, str]] = []
    for key, label in (("eligibility", "eligibility"), ("eligibility_first_format", "eligibility, first format")):
        e = results.get(key)
        if e:
            rows.append((f"{label}: evaluate (example facts)",
                         f"{e['evaluate_ms']:.3f} ms = {e['evaluate_per_second']:,}/s",
                         "<= 2 ms", verdict(e["evaluate_ms"] <= TARGETS["evaluation_ms"])))
            rows.append((f"{label}: parse + evaluate", f"{e['parse_and_evaluate_ms']:.3f} ms = "
                         f"{e['parse_and_evaluate_per_second']:,}/s", "<= 2 ms",
                         verdict(e["parse_and_evaluate_ms"] <= TARGETS["evaluation_ms"])))
    d = results.get("evaluation_from_database")
    if d:
        rows.append(("eligibility: facts from DB + evaluate", f"p50 {d['p50_ms']} / p95 {d['p95_ms']} ms", "", ""))
    a = results.get("audit_cost")
    if a:
        rows.append(("audit cost: lab correction (service)",
                     f"{a['audited_ms']} ms audited / {a['unaudited_ms']} ms not = {a['ratio']:.2f}x", "<= 1.3x",
                     verdict(a["ratio"] <= TARGETS["audit_ratio"])))
    for name, numbers in (results.get("audit_search") or {}).items():
        rows.append((f"audit search: {name}", f"p50 {numbers['p50_ms']} / p95 {numbers['p95_ms']} ms",
                     "p95 <= 50 ms", verdict(numbers["p95_ms"] <= TARGETS["audit_search_p95_ms"])))
    p = results.get("pages")
    if p:
        for page, numbers in p["pages"].items():
            think = f"{p['think_seconds'][0]:g}-{p['think_seconds'][1]:g} s"
            runs = f", median of {p['runs']} runs" if p.get("runs", 1) > 1 else ""
            rows.append((f"page ({p['users']} users, think {think}{runs}): {page}",
                         f"p50 {numbers['p50_ms']} / p95 {numbers['p95_ms']} ms (n={numbers['requests']})",
                         "p95 <= 100 ms", verdict(numbers["p95_ms"] <= TARGETS["page_p95_ms"])))
        rows.append(("pages: throughput, errors", f"{p['requests_per_second']} req/s, {p['errors']} errors", "0 errors",
                     verdict(p["errors"] == 0)))
        rows.append(("web worker peak RSS (VmHWM)", f"{p['web_worker_peak_rss_mb']} MB (max of {p['web_workers']})",
                     "", ""))
    s = results.get("reminder_sweep")
    if s:
        if s["finished"]:
            text = f"{s['due']:,} due: all announced in {s['seconds']} s ({s['per_second']}/s)"
        else:
            text = (f"{s['due']:,} due: {s['announced']:,} in {s['seconds']} s (cap), {s['per_second']}/s "
                    f"=> ~{s['seconds_for_all_due']:.0f} s for all")
        rows.append(("reminder sweep", text, "<= 60 s",
                     verdict(s["seconds_for_all_due"] <= TARGETS["sweep_s"]) if s["due"] >= 100_000 else ""))
        rows.append(("reminders sent twice", f"{s['sent_twice']} ({s.get('announcements', 0):,} announced in "
                     f"{s['messages']:,} + {s['messages_second_sweep']:,} digests, two sweeps)", "0",
                     verdict(s["sent_twice"] == 0)))
    v = results.get("verify_audit")
    if v:
        rows.append(("verify_audit on the whole ledger", f"{'ok' if v['ok'] else 'BROKEN'}: {v['entries']:,} entries "
                     f"in {v['seconds']} s", "ok", verdict(v["ok"])))
    widths = [max(len(row[i]) for row in rows + [("measure", "result", "target", "")]) for i in range(4)]
    lines = [" | ".join(text.ljust(widths[i]) for i, text in enumerate(("measure", "result", "target", ""))),
             "-+-".join("-" * width for width in widths)]
    lines += [" | ".join(text.ljust(widths[i]) for i, text in enumerate(row)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["full", "smoke"], default="full")
    parser.add_argument("--database", default="bench_portal")
    parser.add_argument("--fresh", action="store_true", help="regenerate even if the fingerprint matches")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--page-seconds", type=float, default=60.0)
    parser.add_argument("--page-runs", type=int, default=3, help="page loads; the table shows their medians")
    parser.add_argument("--page-requests", type=int, default=2000)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"),
                        help="seconds a simulated user waits between two pages (uniform), as locust's between()")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--sweep-cap", type=float, default=240.0,
                        help="stop the sweep after this many seconds and extrapolate (0: no cap)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        from trial import embedded

        server = embedded.start_postgres()
    template = f"{args.database}_template"
    mark = fingerprint(args.scale)
    reused = not args.fresh and template_fingerprint(server, template) == mark
    print(f"data set ({args.scale}): {'reusing' if reused else 'generating'} {template} (fingerprint {mark})",
          flush=True)
    generation_s = 0.0
    if not reused:
        begun = time.perf_counter()
        generate_template(server, template, args.scale, mark)
        generation_s = time.perf_counter() - begun
    copy_database(server, template, args.database)
    url = database_url(server, args.database)
    setup_django(url)

    from bench.generate import load_dataset

    dataset = load_dataset()
    results: dict = {"data_set": {"scale": args.scale, "database": args.database, "reused": reused,
                                  "fingerprint": mark, "generation_s": round(generation_s, 1),
                                  "generation_steps_s": dataset.timings, "ledger_entries": _ledger_count()}}
    results["machine"] = machine()

    def step(name: str, work, *work_args, **work_kwargs) -> None:
        begun = time.perf_counter()
        print(f"measuring {name} ...", flush=True)
        results[name] = work(*work_args, **work_kwargs)
        results.setdefault("step_seconds", {})[name] = round(time.perf_counter() - begun, 1)
        # Written after every step: a long or interrupted run still leaves what it measured.
        args.output.write_text(json.dumps({**results, "partial": True}, indent=2, default=str) + "\n",
                               encoding="utf-8")

    smoke = args.scale == "smoke"
    step("eligibility", measure_eligibility, 3 if smoke else 7, 50 if smoke else 2000)
    step("eligibility_first_format", measure_eligibility, 3 if smoke else 7, 50 if smoke else 2000, FIRST_FORMAT_PROTOCOL)
    step("evaluation_from_database", measure_evaluation_from_database, 5 if smoke else 200)
    step("audit_cost", measure_audit_cost, 3 if smoke else 30)
    step("audit_search", measure_audit_search, dataset, 3 if smoke else args.samples)
    step("pages", measure_pages, dataset, url, users=args.users, seconds=args.page_seconds,
         max_requests=args.page_requests, port=args.port, think=tuple(args.think),
         runs=1 if smoke else args.page_runs)
    from django.db import connections

    connections.close_all()
    step("reminder_sweep", measure_sweep, url, args.sweep_cap)
    step("verify_audit", verify_ledger)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    results["targets"] = TARGETS

    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    m = results["machine"]
    print()
    print(f"MC-1-50 portal benchmark, {args.scale} scale: {results['data_set']['ledger_entries']:,} ledger entries; "
          f"{m['cores']} cores {m['cpu']}, {m['memory_gib']} GiB, Python {m['python']}, PostgreSQL {m['postgresql']}, "
          f"{m['date']}")
    print(table(results))
    how = "reused" if reused else f"generated in {generation_s:.0f} s"
    print(f"data set {how}; total wall time {results['wall_seconds']:.0f} s; results in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
