"""Hypothesis-generated input for every POST view a coordinator or investigator can reach (found from the
access matrix): never a 500, and nothing half-saved.

Each example starts from the form as the page renders it (a valid submission) and replaces some fields with
hostile values: unicode, huge, empty and control-character text, numbers as strings (NaN, 1e309 ...),
malformed dates, other objects' ids, and extra fields. Every example runs in a transaction that is rolled
back, so the examples are independent. "Nothing half-saved": a response that is not a success redirect left
every trial-data table as it was; a success wrote an audit event for each row it added, and each event
reached the ledger.
"""

from __future__ import annotations

import pghistory.models
import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.access_matrix import MATRIX, OK, PROCESSED, VIEWERS
from tests.security.conftest import World, client_as
from tests.security.forms_data import form_data
from tests.security.test_access_matrix import portal_urls, url_of
from trial.audit.ledger import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("ERR-01")]

# Take no input: logout ends the session, the calendar address is issued (200, shown once) or revoked.
NOT_FUZZED = {"logout", "followup_calendar_issue", "followup_calendar_revoke"}
COORDINATOR, INVESTIGATOR = VIEWERS.index("coordinator_a"), VIEWERS.index("investigator_a")
FUZZED = sorted(
    name for name, access in MATRIX.items()
    if name not in NOT_FUZZED and PROCESSED in (access.post[COORDINATOR], access.post[INVESTIGATOR])
)
# Field names of POST-only views (no page renders their form): posted with or without fuzzed values.
POST_ONLY_FIELDS = ["answer", "reason", "discontinued_on", "record_type", "object_id", "field", "text", "token",
                    "value", "test", "unit", "collected_on", "version"]

# -- strategies ------------------------------------------------------------------------------------------------

control_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=20)
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x2FFFF, exclude_categories=["Cs"]),
            max_size=40),
    control_text,
    st.sampled_from(["", " ", "\x00", "a\x00b", "A" * 5000, "€" * 2000, "'; DROP TABLE patients_patient; --",
                     "<script>alert(1)</script>", "{{ 7*7 }}", "%s%s%n", "\u202e", "\ufeff", "null", "None"]),
)
number_strings = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["0", "-1", "1e309", "-0", "1,5", "0x10", "9" * 40, "1_000", "٣", "NaN", "Infinity"]),
)
malformed_dates = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["2024-02-30", "0000-00-00", "9999-12-31", "0001-01-01", "1-1-1", "2024/01/01", "31.12.2024",
                     "2024-13-01", "tomorrow", "2024-01-01T25:61", "25:61", "24:00", "-1"]),
)
hostile_value = st.one_of(hostile_text, number_strings, malformed_dates)
extra_fields = st.dictionaries(st.text(min_size=1, max_size=12), hostile_value, max_size=3)


def pdf_uploads():
    return st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda tail: b"%PDF-1.4\n" + tail),
    ).map(lambda content: SimpleUploadedFile("form.pdf", content, content_type="application/pdf"))


def submissions(base: dict) -> st.SearchStrategy[dict]:
    """Each field either as rendered or hostile (files: random bytes), plus a few unexpected fields."""
    fields = {name: st.one_of(st.just(value), hostile_value) for name, value in base.items()}
    if not base:
        fields = {name: st.one_of(st.just(""), hostile_value) for name in POST_ONLY_FIELDS}
    return st.builds(lambda chosen, extra, pdf: {**extra, **chosen, **({"pdf": pdf} if "pdf" in base else {})},
                     st.fixed_dictionaries(fields), extra_fields, pdf_uploads())


# -- what "nothing half-saved" compares --------------------------------------------------------------------------

EVENT_MODELS = [model for model in apps.get_models() if issubclass(model, pghistory.models.Event)]
TRACKED_TABLES = {event._meta.db_table: event.pgh_tracked_model._meta.db_table for event in EVENT_MODELS}
# Sessions, login failures and the user's last login change on every request: not trial data.
NOT_TRIAL_DATA = {"auth_user", "trial_userevent"}


def table_counts() -> dict[str, int]:
    tables = (set(TRACKED_TABLES) | set(TRACKED_TABLES.values()) | {AuditEntry._meta.db_table}) - NOT_TRIAL_DATA
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in sorted(tables)))
        return dict(cursor.fetchall())


def check_nothing_half_saved(name: str, status: int, before: dict[str, int], after: dict[str, int]) -> None:
    if status != 302:
        changed = {table: (before[table], after[table]) for table in before if before[table] != after[table]}
        assert not changed, f"{name} answered {status} but changed {changed}"
        return
    events = 0
    for event_table, tracked in TRACKED_TABLES.items():
        if event_table in NOT_TRIAL_DATA:
            continue
        new_rows = after[tracked] - before[tracked]
        new_events = after[event_table] - before[event_table]
        assert new_events >= new_rows, f"{name}: {new_rows} new {tracked} rows but {new_events} audit events"
        events += new_events
    ledger = AuditEntry._meta.db_table
    assert after[ledger] - before[ledger] == events, f"{name}: audit events missing from the ledger"


def find_form(context) -> forms.BaseForm | None:
    """The page's main form, wherever the view put it in the context."""
    if not context:
        return None
    if "form" in context and isinstance(context["form"], forms.BaseForm):
        return context["form"]
    contexts = context if isinstance(context, list) else [context]
    for value in (value for each in contexts for value in each.flatten().values()):
        candidates = value.values() if isinstance(value, dict) else [value]
        for candidate in candidates:
            if isinstance(candidate, forms.BaseForm):
                return candidate
    return None


@pytest.mark.parametrize("name", FUZZED)
def test_post_view_survives_hostile_input(name: str, world: World):
    routes = portal_urls()
    if name not in routes:
        pytest.skip("not a URL any more")
    access = MATRIX[name]
    actor = "coordinator_a" if access.post[COORDINATOR] == PROCESSED else "investigator_a"
    client = client_as(world.users[actor])
    url = url_of(name, routes[name], access, world)
    base = {}
    if access.get[VIEWERS.index(actor)] == OK:
        page = client.get(url)
        form = find_form(page.context)
        base = form_data(form) if form is not None else {}

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
    @given(data=submissions(base))
    def post_hostile(data: dict) -> None:
        with transaction.atomic():
            before = table_counts()
            response = client.post(url, data)  # an exception here is the 500 a user would see
            assert response.status_code < 500, f"{name}: {response.status_code}"
            check_nothing_half_saved(name, response.status_code, before, table_counts())
            transaction.set_rollback(True)

    post_hostile()


def test_fuzzed_views_cover_the_data_entry():
    assert {"patient_register", "patient_edit", "consent_record", "consent_edit", "withdrawal_record",
            "icf_version_add", "query_answer"} <= set(FUZZED)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["site", "candidate", "user", "record_type", "action", "date_from",
                                              "date_to", "reason", "before", "after"]), hostile_value, max_size=5))
def test_audit_search_survives_hostile_filters(world: World, query: dict):
    monitor = client_as(world.users["monitor_a"])
    for name in ("audit_log", "audit_export", "patient_history"):
        url = reverse(name, args=[world.patient.pk]) if name == "patient_history" else reverse(name)
        response = monitor.get(url, query)
        assert response.status_code in (200, 400), f"{name} {query}: {response.status_code}"
        if response.streaming:
            b"".join(response.streaming_content)


# -- what the fuzzing found, pinned --------------------------------------------------------------------------


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_overlong_username_is_a_login_error_not_a_500(client, db, length):
    response = client.post(reverse("login"), {"username": "A" * length, "password": "wrong password 123"})
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()


@pytest.mark.parametrize("site", ["", "abc", "-1", "9" * 40])
def test_registration_with_a_malformed_site_is_a_form_error(site, site_a, coordinator_a):
    response = client_as(coordinator_a).post(reverse("patient_register"), {"site": site, "initials": "ABC"})
    assert response.status_code == 200
    assert response.context["form"].errors["site"]
