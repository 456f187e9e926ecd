"""Query counts of the key pages, pinned, and checked not to grow with the data (no N+1).

Each page is counted on a small benchmark data set, then again after more candidates (with all their
records and reminders), more ledger entries and more records of the viewed candidate were added: the count
must not move. The pins are the counts as measured; a change that adds queries must say why here.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import generate
from trial.db_roles import as_owner
from patients.models import Patient
from screening.models import LabResult

# Committed: the data set is loaded as the owner role (its bulk load switches the triggers off), on a
# connection of its own, and the pages are then read as the runtime role.
pytestmark = pytest.mark.django_db(transaction=True)

SMALL = generate.Scale(sites=2, candidates=4, audit_events=0, reminders=8)

# page -> (role, the most queries it may make): counted alone, plus one for a lookup other tests in the same
# process can leave uncached. The user's roles are read once a request (trial.selectors.RoleCacheMiddleware)
# and the session is written at most once a minute (trial.session_limits).
PINNED = {
    # 27: the panels' records (one query per record kind, the generic measurements included) and attestations
    # are read once and handed to the checklist (screening.facts_builder), which is handed the protocol too.
    "candidate_page": ("coordinator", 27),
    "checklist_refresh": ("coordinator", 18),
    # 14: each reminder list reads its own 20 rows, one aggregate counts all three, and the ready-to-enroll
    # list its first 20 (+1 counting them when there are more).
    "dashboard_coordinator": ("coordinator", 16),
    # 10: the worklist reads its 20 summaries in one query (screening.models.worklist: nothing is evaluated).
    "dashboard_investigator": ("investigator", 10),
    "dashboard_monitor": ("monitor", 11),
    # 15: the 10 of the search, and the page's records named: one query per record type shown (each with its
    # foreign keys joined) and one per type of record a changed field points to (trial.audit.presenting).
    "audit_log": ("monitor", 15),
}


@pytest.fixture
def dataset():
    return generate.populate(SMALL, log=lambda line: None)


def _url(page: str, candidate: Patient) -> str:
    return {
        "candidate_page": reverse("patient_detail", args=[candidate.pk]),
        "checklist_refresh": reverse("eligibility_checklist", args=[candidate.pk]),
        "dashboard_coordinator": reverse("dashboard_coordinator"),
        "dashboard_investigator": reverse("dashboard_investigator"),
        "dashboard_monitor": reverse("dashboard_monitor"),
        "audit_log": reverse("audit_log"),
    }[page]


def _count(client, url: str) -> int:
    client.get(url)  # warm: the session, the protocol cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _more_data(candidate: Patient) -> None:
    generate.add_candidates(per_site=5)
    with as_owner():  # the ledger is filled in bulk by the owner (the runtime role may not write it)
        generate._audit_top_up(generate.Scale(audit_events=connection_count() + 300))
    for lab in LabResult.objects.filter(patient=candidate):  # the viewed candidate's own records, doubled
        lab.pk = None
        lab.save()


def connection_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trial_auditentry")
        return cursor.fetchone()[0]


def test_key_pages_query_counts_are_pinned_and_do_not_grow_with_the_data(dataset, client, client_of,
                                                                         django_assert_max_num_queries):
    """One data set for all six pages (generating it is most of the time)."""
    candidate = Patient.objects.filter(site_id=dataset.sites[0]).exclude(full_name__startswith="Prototype").first()
    users = {"coordinator": dataset.coordinators[0], "investigator": dataset.investigators[0],
             "monitor": dataset.monitors[0]}

    def counts() -> dict[str, int]:
        found = {}
        for page, (role, _pinned) in PINNED.items():
            client.logout()
            found[page] = _count(client_of(get_user_model().objects.get(username=users[role])), _url(page, candidate))
        return found

    before = counts()
    _more_data(candidate)
    after = counts()
    grown = {page: (before[page], after[page]) for page in PINNED if after[page] > before[page]}
    assert not grown, f"queries per page (before, after more data): {grown} - a query per row?"
    for page, (role, pinned) in PINNED.items():
        client.logout()
        logged_in = client_of(get_user_model().objects.get(username=users[role]))
        logged_in.get(_url(page, candidate))
        with django_assert_max_num_queries(pinned, info=f"{page} (counted {after[page]})"):
            assert logged_in.get(_url(page, candidate)).status_code == 200
