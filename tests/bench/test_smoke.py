"""`make bench` at a tiny scale, so the benchmark code cannot rot: the generator, then every measurement
(the page load against the live test server instead of gunicorn), each checked for a sane result."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from bench import generate, pages, run
from bench.bench_audit import database_url
from followup.models import Reminder
from patients.models import Patient
from screening.models import EligibilitySignature
from screening.signoff.rules import sha256_of
from screening.signoff.selectors import assess
from trial import embedded
from trial.audit.ledger import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)  # the live server's threads must see the data


def test_generator_and_every_measurement_run_at_a_tiny_scale(live_server, settings):
    scale = generate.SMOKE
    dataset = generate.populate(scale, log=lambda line: None)
    assert Patient.objects.count() == scale.candidates + 2  # and the two prototypes
    assert Reminder.objects.filter(status="pending").count() == scale.reminders
    assert AuditEntry.objects.count() >= scale.audit_events
    signatures = list(EligibilitySignature.objects.select_related("patient__site__trial", "signer", "protocol_version"))
    signed_clones = [p for p in Patient.objects.filter(full_name__startswith="Bench candidate")
                     if p.sequence % generate.SIGNED_EVERY <= 1]
    assert signed_clones and len(signatures) == 2 + len(signed_clones)
    for signature in signatures:  # each the candidate's own evaluation, signed by its own site's investigator
        assert signature.status == "valid" and signature.voided_by is None
        assert signature.signer.site_roles.filter(site=signature.patient.site, role="investigator").exists()
        assert signature.printed_name == signature.signer.get_full_name()
        assert signature.patient.status == ("eligible" if signature.outcome == "eligible" else "screen_failed")
        rebuilt = assess(signature.patient, signature.evaluated_on, signature.protocol_version)
        assert signature.sha256 == sha256_of(signature.document) == rebuilt.sha256
    unsigned = Patient.objects.exclude(eligibility_signatures__isnull=False)
    assert set(unsigned.values_list("status", flat=True)) == {"screening"}

    results = {
        "eligibility": run.measure_eligibility(1, 20),
        "evaluation_from_database": run.measure_evaluation_from_database(2),
        "audit_cost": run.measure_audit_cost(2),
        "audit_search": run.measure_audit_search(dataset, 2),
    }
    assert results["eligibility"]["evaluate_per_second"] > 0
    assert results["audit_cost"]["ratio"] > 0  # and the audited saves wrote their ledger entries (checked inside)
    assert set(results["audit_search"]) >= {"filter_candidate", "filter_user_date_range", "filter_reason_text",
                                            "unfiltered_page_1000"}

    users = run.simulated_users(dataset, 3)
    assert {user.role for user in users} == {"coordinator", "investigator", "monitor"}
    load = pages.run_load(urlsplit(live_server.url).port, users, dataset.password, seconds=8, max_requests=12,
                          think=(0.0, 0.05))
    assert load.errors == [] and load.requests == 12

    from django.db import connection

    test_database = database_url(os.environ.get("DATABASE_URL") or embedded.postgres_url(),
                                 connection.settings_dict["NAME"])
    sweep = run.measure_sweep(test_database, 60)
    assert sweep["finished"] and sweep["second_sweep_finished"]
    assert sweep["due"] == scale.reminders == sweep["announced"] == sweep["announcements"]
    assert 0 < sweep["messages"] <= 2 * scale.sites  # a digest per site for the overdue ones and one for the rest
    assert sweep["sent_twice"] == 0 and sweep["messages_second_sweep"] == 0

    verified = run.verify_ledger()
    assert verified["ok"], verified["message"]

    results.update(
        pages={"users": 3, "think_seconds": [0, 0.05], "requests": load.requests, "requests_per_second": 1.0,
               "errors": 0, "pages": load.summary(), "web_worker_peak_rss_mb": None, "web_workers": 0},
        reminder_sweep=sweep, verify_audit=verified,
    )
    printed = run.table(results)
    assert "audit cost: lab correction" in printed and "reminders sent twice" in printed
