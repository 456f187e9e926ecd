"""Audit-search benchmark on generated data: `python bench/bench_audit.py --events 1000000`.

Creates its own database (``bench_audit``) on the embedded PostgreSQL (or on the server of ``--database-url``),
migrates it, generates sites, staff and candidates through the ORM, then bulk-generates ledger entries in
SQL (INSERT ... SELECT generate_series, with the hash chain computed in SQL by the same function the
trigger uses), ANALYZEs, and times what a monitor of 2 of the 20 sites does, through the real selectors:

- a filtered page by candidate; by user + 90-day date range; by reason text (rare phrase),
- page 1,000 of the unfiltered listing (keyset: walk there, then time that page),
- the first page of a candidate's change history.

Prints a table and one JSON line. Target: p95 <= 50 ms for each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

TARGET_P95_MS = 50.0
SITES = 20
PATIENTS_PER_SITE = 100
REASONS = [
    "re-weighed at visit", "transcribed from lab report", "unit corrected", "value re-entered after review",
    "updated per source document", "visit date corrected", "typing error", "lab value received",
    "investigator review", "consent version updated", "status change", "query answered", "data entry",
    "SLEDAI re-scored", "medication dose updated", "steroid taper recorded", "ECG result added",
    "echocardiogram result added", "serology received", "eligibility criterion reviewed",
]
RARE_REASON = "transcription error corrected per source"  # about 1 in 1,000 entries


def database_url(base: str, name: str) -> str:
    """The same server as ``base``, database ``name`` (keeps ``?host=`` for the embedded socket)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def recreate_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(database_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url  # before settings are read
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def create_people():
    """20 sites, 3 data-entry staff per site, 100 candidates per site, one monitor of sites 1 and 2."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from patients.models import Patient
    from trial.models import Hospital, Site, StaffRole, Trial

    user_model = get_user_model()
    trial = Trial.objects.create(code="MC-1-50", title="bench")
    hospitals = Hospital.objects.bulk_create(Hospital(name=f"Site {n}", city="Hefei") for n in range(1, SITES + 1))
    sites = Site.objects.bulk_create(
        Site(trial=trial, number=n, hospital=hospital) for n, hospital in enumerate(hospitals, start=1)
    )
    staff = []
    for site in sites:
        for k in range(3):
            user = user_model.objects.create(username=f"s{site.number}_{k}")
            role = "investigator" if k == 2 else "coordinator"
            StaffRole.objects.create(user=user, site=site, role=role)
            staff.append(user)
    monitor = user_model.objects.create(username="bench_monitor")
    for site in sites[:2]:
        StaffRole.objects.create(user=monitor, site=site, role="monitor")
    patients = []
    for site in sites:
        patients += [
            Patient(site=site, sequence=n, screening_number=f"{site.number:02d}-{n:04d}", initials="ABC",
                    date_of_birth=dt.date(1985, 1, 1), sex="female", weight_kg=Decimal("58.0"),
                    childbearing_potential=True, registered_by=staff[0])
            for n in range(1, PATIENTS_PER_SITE + 1)
        ]
    Patient.objects.bulk_create(patients)
    return monitor, sites


GENERATE_SQL = """
SELECT setseed(0.42);
CREATE TEMP TABLE bench_patients AS
    SELECT row_number() OVER (ORDER BY id) AS n, id, site_id FROM patients_patient;
CREATE TEMP TABLE bench_staff AS
    SELECT row_number() OVER (PARTITION BY site_id ORDER BY user_id) AS k, user_id, site_id
      FROM trial_staffrole WHERE role IN ('coordinator', 'investigator');
CREATE TEMP TABLE bench_rows AS
WITH r AS (
    SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
      FROM generate_series(1, %(events)s) g
)
SELECT %(base)s + r.g AS id,
       now() - interval '5 years' + (r.g::float8 / %(events)s) * interval '5 years' AS occurred_at,
       'bench_generated'::text AS event_table, r.g::bigint AS event_id,
       CASE WHEN r.r5 < 0.05 THEN 'insert' ELSE 'update' END AS action,
       CASE WHEN r.r2 < 0.8 THEN 'patients.Patient' ELSE 'trial.StaffRole' END AS record_type,
       (CASE WHEN r.r2 < 0.8 THEN p.id ELSE 1 + floor(r.r3 * 60)::int END)::text AS object_id,
       p.site_id AS site_id,
       CASE WHEN r.r2 < 0.8 THEN p.id END AS patient_id,
       u.user_id AS user_id,
       '/patients/' || p.id || '/edit/' AS url,
       '10.0.0.' || (1 + floor(r.r3 * 200)::int) AS ip,
       CASE WHEN r.r5 < 0.001 THEN %(rare)s
            ELSE (%(reasons)s::text[])[1 + floor(r.r4 * %(reason_count)s)::int] END AS reason,
       jsonb_build_object('weight_kg', jsonb_build_array(50 + floor(r.r4 * 30), 50 + floor(r.r5 * 30))) AS changes
  FROM r
  JOIN bench_patients p ON p.n = 1 + floor(r.r1 * (SELECT count(*) FROM bench_patients))::int
  JOIN bench_staff u ON u.site_id = p.site_id AND u.k = 1 + floor(r.r3 * 3)::int;
"""

CHAIN_SQL = """
CREATE TEMP TABLE bench_chain (id bigint PRIMARY KEY, prev_hash text, hash text);
DO $$
DECLARE
    prev text := coalesce((SELECT hash FROM trial_auditentry ORDER BY id DESC LIMIT 1), repeat('0', 64));
    h text;
    e record;
BEGIN
    FOR e IN SELECT * FROM bench_rows ORDER BY id LOOP
        h := trial_ledger_hash(prev, e.id, e.occurred_at, e.event_table, e.event_id, e.action, e.record_type,
                               e.object_id, e.site_id, e.patient_id, e.user_id, e.url, e.ip, e.reason, e.changes);
        INSERT INTO bench_chain VALUES (e.id, prev, h);
        prev := h;
    END LOOP;
END
$$;
"""

LOAD_SQL = """
INSERT INTO trial_auditentry (id, occurred_at, event_table, event_id, action, record_type, object_id, site_id,
                              patient_id, user_id, url, ip, reason, changes, prev_hash, hash)
SELECT r.id, r.occurred_at, r.event_table, r.event_id, r.action, r.record_type, r.object_id, r.site_id,
       r.patient_id, r.user_id, r.url, r.ip, r.reason, r.changes, c.prev_hash, c.hash
  FROM bench_rows r JOIN bench_chain c USING (id) ORDER BY r.id;
SELECT setval(pg_get_serial_sequence('trial_auditentry', 'id'), (SELECT max(id) FROM trial_auditentry));
"""


def generate(events: int) -> dict[str, float]:
    from django.db import connection

    timings = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM trial_auditentry")
        base = cursor.fetchone()[0]
        started = time.perf_counter()
        cursor.execute(GENERATE_SQL, {"events": events, "base": base, "rare": RARE_REASON, "reasons": REASONS,
                                      "reason_count": len(REASONS)})
        timings["generate_s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(CHAIN_SQL)
        timings["chain_s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(LOAD_SQL)  # INSERT only: the ledger's protection refuses UPDATE/DELETE, not this
        timings["load_s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("ANALYZE trial_auditentry")
        timings["analyze_s"] = time.perf_counter() - started
    return timings


def percentiles(work: Callable[[], object], samples: int) -> dict[str, float]:
    durations = []
    for _ in range(samples):
        started = time.perf_counter()
        work()
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    return {
        "p50_ms": round(statistics.median(durations), 2),
        "p95_ms": round(durations[min(len(durations) - 1, int(0.95 * len(durations)))], 2),
        "samples": samples,
    }


def measure(monitor, sites, samples: int) -> dict[str, dict]:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from patients.models import Patient
    from trial.audit.search import AuditFilters, patient_history, search_entries

    rng = random.Random(7)
    monitored = [site.pk for site in sites[:2]]
    patients = list(Patient.objects.filter(site_id__in=monitored))
    staff = list(get_user_model().objects.filter(site_roles__site_id__in=monitored, site_roles__role="coordinator"))
    now = timezone.now()
    results: dict[str, dict] = {}

    def by_candidate():
        page = search_entries(monitor, AuditFilters(patient_id=rng.choice(patients).pk))
        assert page.entries

    def by_user_and_dates():
        until = now - dt.timedelta(days=rng.randrange(0, 1700))
        page = search_entries(monitor, AuditFilters(user_id=rng.choice(staff).pk, since=until - dt.timedelta(days=90),
                                                    until=until))
        assert page.entries

    def by_reason():
        page = search_entries(monitor, AuditFilters(reason="transcription error"))
        assert page.entries

    def history():
        assert patient_history(rng.choice(patients)).entries

    results["filter_candidate"] = percentiles(by_candidate, samples)
    results["filter_user_date_range"] = percentiles(by_user_and_dates, samples)
    results["filter_reason_text"] = percentiles(by_reason, samples)
    results["candidate_history_first_page"] = percentiles(history, samples)

    # Page 1,000 of the monitor's unfiltered listing: walk there by keyset, then time that page.
    before, walked = None, 0
    started = time.perf_counter()
    for _ in range(999):
        page = search_entries(monitor, AuditFilters(), before=before)
        if page.next_before is None:
            break
        before, walked = page.next_before, walked + 1
    walk_s = time.perf_counter() - started
    results["unfiltered_page_1000"] = {
        **percentiles(lambda: search_entries(monitor, AuditFilters(), before=before), samples),
        "pages_walked": walked + 1, "walk_s": round(walk_s, 2),
    }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--database", default="bench_audit")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a server to use instead of the embedded one (the database is created there)")
    args = parser.parse_args()

    started = time.perf_counter()
    if args.database_url:
        server = args.database_url
    else:
        from trial import embedded

        server = embedded.start_postgres()
    url = database_url(server, args.database)
    recreate_database(server, args.database)
    setup_django(url)

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    monitor, sites = create_people()
    timings = generate(args.events)
    results = measure(monitor, sites, args.samples)

    from trial.audit.ledger import AuditEntry

    total = AuditEntry.objects.count()
    print(f"audit search on {total:,} ledger entries ({args.events:,} generated); monitor of 2 of {SITES} sites")
    print(f"{'query':32} {'p50 ms':>8} {'p95 ms':>8}  target p95 <= {TARGET_P95_MS:.0f} ms")
    for name, numbers in results.items():
        verdict = "ok" if numbers["p95_ms"] <= TARGET_P95_MS else "SLOW"
        print(f"{name:32} {numbers['p50_ms']:8.2f} {numbers['p95_ms']:8.2f}  {verdict}")
    print("setup: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items())
          + f"; total {time.perf_counter() - started:.1f} s")
    print(json.dumps({
        "benchmark": "audit_search", "entries": total, "results": results,
        "setup_s": {name: round(seconds, 2) for name, seconds in timings.items()},
        "target_p95_ms": TARGET_P95_MS,
        "all_within_target": all(numbers["p95_ms"] <= TARGET_P95_MS for numbers in results.values()),
        "total_s": round(time.perf_counter() - started, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
