"""The monitor's audit log: filters, keyset pages, CSV, site scoping, and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pghistory
import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from tests import factories
from trial.audit.ledger import AuditEntry
from trial.audit.naming import record_type_label
from trial.audit.search import AuditFilters, search_entries

pytestmark = pytest.mark.requirement("AUD-03")

LOG = reverse("audit_log")
EXPORT = reverse("audit_export")


def shown_ids(response) -> list[int]:
    return [entry.pk for entry, _changes, _label in response.context["rows"]]


def scoped_ids(**conditions) -> list[int]:
    return list(AuditEntry.objects.filter(**conditions).order_by("-id").values_list("id", flat=True))


@pytest.fixture
def two_sites(patient_a, patient_b, reweigh, coordinator_b):
    reweigh(patient_a, 61, reason="scale recalibrated")
    reweigh(patient_b, 71, reason="wrong unit corrected", user=coordinator_b)
    return patient_a, patient_b


def test_monitor_sees_only_entries_of_their_sites_newest_first(client_of, monitor_a, two_sites, site_a):
    response = client_of(monitor_a).get(LOG)
    assert response.status_code == 200
    assert shown_ids(response) == scoped_ids(site_id=site_a.pk)
    assert "wrong unit corrected" not in response.content.decode()


def test_entries_without_a_site_are_for_sponsor_admins_only(client_of, monitor_a, sponsor_admin, two_sites):
    account_entry = AuditEntry.objects.filter(record_type="trial.TrackedUser").first()
    assert account_entry.site_id is None
    assert client_of(monitor_a).get(reverse("audit_entry", args=[account_entry.pk])).status_code == 404
    response = client_of(sponsor_admin).get(LOG)
    assert account_entry.pk in shown_ids(response)


def test_each_filter_narrows_to_the_matching_entries(client_of, monitor_a, two_sites, coordinator_a, site_a):
    patient_a, _ = two_sites
    client = client_of(monitor_a)
    cases = {
        "site": ({"site": site_a.pk}, dict(site_id=site_a.pk)),
        "candidate": ({"candidate": patient_a.screening_number}, dict(patient_id=patient_a.pk)),
        "user": ({"user": coordinator_a.username}, dict(site_id=site_a.pk, user_id=coordinator_a.pk)),
        "record_type": ({"record_type": "trial.StaffRole"}, dict(site_id=site_a.pk, record_type="trial.StaffRole")),
        "action": ({"action": "update"}, dict(site_id=site_a.pk, action="update")),
        "reason": ({"reason": "RECALIBRATED"}, dict(site_id=site_a.pk, reason__icontains="recalibrated")),
    }
    for name, (params, expected) in cases.items():
        ids = shown_ids(client.get(LOG, params))
        assert ids == scoped_ids(**expected), name
        assert ids, name


def test_date_range_is_in_the_site_calendar(client_of, monitor_a, patient_a, reweigh, site_a):
    reweigh(patient_a, 61, reason="change of today")
    today = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date()  # Asia/Shanghai
    client = client_of(monitor_a)
    assert "change of today" in client.get(LOG, {"date_from": today, "date_to": today}).content.decode()
    yesterday = today - dt.timedelta(days=1)
    assert shown_ids(client.get(LOG, {"date_from": yesterday, "date_to": yesterday})) == []


@pytest.mark.parametrize("params, field", [
    ({"site": "abc"}, "site"),
    ({"date_from": "2025-13-45"}, "date_from"),
    ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to"),
    ({"before": "-4"}, "before"),
    ({"before": "x"}, "before"),
    ({"action": "drop table"}, "action"),
    ({"record_type": "auth.Permission"}, "record_type"),
    ({"user": "nobody-of-that-name"}, "user"),
    ({"candidate": "99-9999"}, "candidate"),
])
def test_malformed_filters_are_form_errors_not_500(client_of, monitor_a, site_a, params, field):
    response = client_of(monitor_a).get(LOG, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert client_of(monitor_a).get(EXPORT, params).status_code == 400


def test_another_sites_data_is_unreachable_by_filter_id_and_export(client_of, monitor_a, two_sites, site_b):
    _, patient_b = two_sites
    client = client_of(monitor_a)
    assert "site" in client.get(LOG, {"site": site_b.pk}).context["form"].errors
    assert "candidate" in client.get(LOG, {"candidate": patient_b.screening_number}).context["form"].errors
    other = AuditEntry.objects.filter(site_id=site_b.pk).first()
    assert client.get(reverse("audit_entry", args=[other.pk])).status_code == 404
    exported = b"".join(client.get(EXPORT).streaming_content).decode("utf-8-sig")
    assert "wrong unit corrected" not in exported and patient_b.screening_number not in exported


def test_keyset_pages_neither_skip_nor_repeat_under_concurrent_inserts(monitor_a, patient_a, reweigh, site_a):
    for kg in range(40, 65):
        reweigh(patient_a, kg)
    expected = scoped_ids(site_id=site_a.pk)
    filters = AuditFilters()
    seen, before = [], None
    while True:
        page = search_entries(monitor_a, filters, before=before, limit=7)
        seen += [entry.pk for entry in page.entries]
        reweigh(patient_a, 100 + len(seen))  # someone writes between page loads
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == expected


def test_pages_follow_the_older_link(client_of, monitor_a, patient_a, reweigh, site_a):
    for kg in range(40, 100):
        reweigh(patient_a, kg)
    client = client_of(monitor_a)
    first = client.get(LOG, {"candidate": patient_a.screening_number})
    second = client.get(f"{LOG}?{first.context['next_query']}")
    ids = shown_ids(first) + shown_ids(second)
    assert ids == scoped_ids(patient_id=patient_a.pk)[: len(ids)] and len(set(ids)) == len(ids)
    assert len(shown_ids(first)) == 50


def test_csv_equals_the_filtered_page_set(client_of, monitor_a, patient_a, reweigh, coordinator_a):
    for kg in range(40, 100):
        reweigh(patient_a, kg, reason=f"visit weight {kg}")
    client = client_of(monitor_a)
    params = {"candidate": patient_a.screening_number, "action": "update"}
    paged, query = [], None
    while True:
        response = client.get(f"{LOG}?{query}" if query else LOG, params if not query else None)
        paged += shown_ids(response)
        query = response.context["next_query"]
        if not query:
            break
    response = client.get(EXPORT, params)
    assert response["Content-Type"].startswith("text/csv") and response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [int(row["entry"]) for row in rows] == paged
    assert rows[0]["reason"] == "visit weight 99" and rows[0]["user"] == coordinator_a.username
    assert rows[0]["candidate"] == patient_a.screening_number


def test_csv_and_page_never_contain_identifiers(client_of, monitor_a, site_a, coordinator_a):
    patient = factories.create_patient(site_a, registered_by=coordinator_a, full_name="Zhou Enlai",
                                       hospital_record_number="MRN-31337")
    with pghistory.context(user=coordinator_a.pk, reason="name corrected"):
        Patient.objects.filter(pk=patient.pk).update(full_name="Zhou En-Lai")
    client = client_of(monitor_a)
    page = client.get(LOG).content.decode()
    exported = b"".join(client.get(EXPORT).streaming_content).decode("utf-8-sig")
    for text in (page, exported):
        assert "Zhou" not in text and "MRN-31337" not in text and "full_name" not in text


def test_entry_page_shows_old_and_new_values_reason_user_and_path(client_of, monitor_a, patient_a, reweigh):
    reweigh(patient_a, 61, reason="scale recalibrated")
    entry = AuditEntry.objects.get(reason="scale recalibrated")
    html = client_of(monitor_a).get(reverse("audit_entry", args=[entry.pk])).content.decode()
    for text in (">58<", ">61<", "scale recalibrated", "coord_a", f"/patients/{patient_a.pk}/edit/"):
        assert text in html
    assert "weight kg" in html.lower()


def test_only_monitors_and_sponsor_admins_open_the_audit_log(client_of, coordinator_a, investigator_a):
    assert client_of(coordinator_a).get(LOG).status_code == 403
    assert client_of(investigator_a).get(EXPORT).status_code == 403


def test_audit_log_query_count_is_pinned(client_of, monitor_a, patient_a, reweigh, django_assert_max_num_queries):
    for kg in range(40, 100):
        reweigh(patient_a, kg)
    client = client_of(monitor_a)
    with django_assert_max_num_queries(17):  # ~8 are session, auth, roles and other apps' middleware; 1 names the records
        response = client.get(LOG, {"candidate": patient_a.screening_number, "user": "coord_a"})
    assert len(shown_ids(response)) == 50


def test_the_log_reads_as_people_read_the_portal_yes_no_names_and_local_times(client_of, monitor_a, patient_a,
                                                                               coordinator_a):
    """Not True/False, not a foreign-key id, not a microsecond ISO time, not "Icf version"."""
    with pghistory.context(user=coordinator_a.pk, reason="Gilbert confirmed"):
        Patient.objects.filter(pk=patient_a.pk).update(gilbert_syndrome=True)
    html = client_of(monitor_a).get(LOG).content.decode()
    row = html.split("Gilbert confirmed")[1].split("</table>")[0]  # the entry's changes
    assert ">no<" in row and ">yes<" in row and "True" not in row and "False" not in row
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", html)  # no microsecond time anywhere on the page
    assert f"Patient: {patient_a}" in html  # the record by what it is, not "patients.Patient 7"
    assert record_type_label("screening.ICFVersion") == "ICF version"  # capitalize() made it "Icf version"
    assert record_type_label("trial.TrackedUser") == "User account"


def test_fields_without_a_name_of_their_own_are_named_in_the_pages_language():
    from django.utils import translation

    from trial.audit.naming import field_labels

    with translation.override("en"):
        assert field_labels("screening.EligibilitySignature", "en")["void_changes"] == "what changed"
        assert field_labels("screening.LabResult", "en")["patient_id"] == "candidate"
    with translation.override("zh-hans"):
        labels = field_labels("screening.EligibilitySignature", "zh-hans")
        assert labels["void_changes"] != "void changes" and not labels["void_changes"].isascii()
