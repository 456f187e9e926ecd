"""The live eligibility checklist on the candidate page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from screening.models import LabResult

pytestmark = pytest.mark.django_db



def lab_form(**changes):
    return {"test": "creatinine", "value": "70", "unit": "umol/L",
            "collected_on": site_today_iso(), **changes}


def site_today_iso():
    return (dt.date.today() - dt.timedelta(days=2)).isoformat()


def test_candidate_page_shows_every_criterion_with_its_badge(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).get(reverse("patient_detail", args=[consented.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for code in ("I01", "I02", "I03a", "I03b", "I04", "I05", "I06a", "I06b", "I06c", "I06d", "I06e", "I07",
                 "I08", "I09"):
        assert f'data-testid="status-{code}"' in html
    assert 'class="badge badge-met" data-testid="status-I02"' in html  # adult on the consent date
    assert 'data-testid="status-I06b" data-status="missing"' in html
    assert "What is still missing" in html and "I06b: creatinine dated" in html
    # The fragment reloads itself when a form on the page saves.
    assert 'hx-trigger="facts-changed from:body"' in html
    assert f'hx-get="{reverse("eligibility_checklist", args=[consented.pk])}"' in html


def test_checklist_links_each_criterion_to_the_records_it_used(client_of, coordinator_a, consented):
    client = client_of(coordinator_a)
    response = client.post(reverse("screening_record_new", args=[consented.pk, "labs"]), lab_form())
    assert response.status_code == 302
    lab = LabResult.objects.get()
    html = client.get(reverse("eligibility_checklist", args=[consented.pk])).content.decode()
    row = html[html.index('data-testid="criterion-I06b"'):html.index('data-testid="criterion-I06c"')]
    assert 'data-status="met"' in row
    assert reverse("screening_record_edit", args=["labs", lab.pk]) in row
    assert "Cockcroft-Gault" in row and "x ULN" in row  # the evidence shows both numbers


def test_htmx_save_answers_with_the_panel_and_a_facts_changed_event(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(
        reverse("screening_record_new", args=[consented.pk, "labs"]), lab_form(), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"facts-changed": {}}  # the checklist listens for it
    html = response.content.decode()
    assert 'id="panel-labs"' in html and "<html" not in html
    assert LabResult.objects.count() == 1


def test_htmx_error_re_renders_the_panel_without_the_event(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(
        reverse("screening_record_new", args=[consented.pk, "labs"]), lab_form(value="abc"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert "Enter a number." in response.content.decode()
    assert LabResult.objects.count() == 0


def test_checklist_of_another_sites_candidate_is_not_found(client_of, coordinator_b, consented):
    assert client_of(coordinator_b).get(reverse("eligibility_checklist", args=[consented.pk])).status_code == 404


def test_monitor_sees_the_checklist_but_no_entry_forms(client_of, monitor_a, consented):
    html = client_of(monitor_a).get(reverse("patient_detail", args=[consented.pk])).content.decode()
    assert 'data-testid="checklist"' in html
    assert 'data-testid="form-labs"' not in html


def test_without_a_protocol_the_page_says_so(client_of, coordinator_a, patient_a):
    html = client_of(coordinator_a).get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    assert "No protocol is loaded" in html


def test_candidate_page_query_count_is_pinned(client_of, coordinator_a, consented, django_assert_max_num_queries):
    client = client_of(coordinator_a)
    for value in ("70", "72", "75"):
        client.post(reverse("screening_record_new", args=[consented.pk, "labs"]), lab_form(value=value))
    client.get(reverse("patient_detail", args=[consented.pk]))  # warm the session and protocol caches
    # One query per record kind, not per record (47 when this was written, with 1 or 10 records).
    with django_assert_max_num_queries(50):
        response = client.get(reverse("patient_detail", args=[consented.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("eligibility_checklist", args=[consented.pk])).status_code == 200


def test_correction_and_in_error_forms_open_in_the_panel_or_as_pages(client_of, coordinator_a, consented):
    client = client_of(coordinator_a)
    client.post(reverse("screening_record_new", args=[consented.pk, "labs"]), lab_form())
    lab = LabResult.objects.get()
    edit = reverse("screening_record_edit", args=["labs", lab.pk])
    fragment = client.get(edit, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith("\n<section id=\"panel-labs\"") or 'id="panel-labs"' in fragment[:200]
    assert 'name="reason"' in fragment and f'name="version" value="{lab.version}"' in fragment
    page = client.get(edit).content.decode()  # without JavaScript: a page of its own
    assert "<html" in page and 'name="reason"' in page
    in_error = client.get(reverse("screening_record_mark_in_error", args=["labs", lab.pk])).content.decode()
    assert "no longer counts for eligibility" in in_error
