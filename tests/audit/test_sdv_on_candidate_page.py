"""Source data verification where the data is: a monitor verifies a record from the candidate page, sees it
marked verified, and "changed since verified" once a coordinator corrects it. Others get no button."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from patients.clock import site_today
from tests.screening.records_setup import consent, reference_ranges
from tests.screening.signoff_setup import correct_lab, lab
from trial.audit.monitoring import DataQuery, Verification

pytestmark = pytest.mark.requirement("AUD-03")


@pytest.fixture
def alt(coordinator_a, patient_a, protocol_version):
    """A consented candidate's ALT result, entered by the site's coordinator."""
    today = site_today(patient_a.site)
    consent(patient_a, coordinator_a, today - dt.timedelta(days=5))
    reference_ranges(patient_a.site)
    return lab(patient_a, coordinator_a, "alt", "30", "U/L", today - dt.timedelta(days=3))


def test_a_monitor_verifies_a_record_from_the_candidate_page_and_sees_when_it_changes(
        client_of, monitor_a, coordinator_a, patient_a, alt):
    page_url = reverse("patient_detail", args=[patient_a.pk])
    monitor = client_of(monitor_a)
    assert f'data-testid="verify-labs-{alt.pk}"' in monitor.get(page_url).content.decode()

    response = monitor.post(reverse("record_verify", args=[patient_a.pk]), {
        "record_type": "screening.LabResult", "object_id": str(alt.pk), "next": f"{page_url}#panel-labs"})
    assert response.status_code == 302 and response.url == f"{page_url}#panel-labs"
    assert Verification.objects.filter(object_id=str(alt.pk), verified_by=monitor_a).exists()
    html = monitor.get(page_url).content.decode()
    row = html.split(f'data-testid="record-labs-{alt.pk}"')[1].split("</tr>")[0]
    assert ">verified<" in row and f'data-testid="verify-labs-{alt.pk}"' not in row

    correct_lab(alt, coordinator_a, "31")
    row = monitor.get(page_url).content.decode().split(f'data-testid="record-labs-{alt.pk}"')[1].split("</tr>")[0]
    assert "changed since verified" in row and f'data-testid="verify-labs-{alt.pk}"' in row  # verify again
    # Verifying is the monitor's: a coordinator sees no button (the client signs in as them now).
    assert f'data-testid="verify-labs-{alt.pk}"' not in client_of(coordinator_a).get(page_url).content.decode()


def test_verify_never_sends_the_monitor_off_site(client_of, monitor_a, coordinator_a, patient_a, alt):
    response = client_of(monitor_a).post(reverse("record_verify", args=[patient_a.pk]), {
        "record_type": "screening.LabResult", "object_id": str(alt.pk), "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response.url


def test_a_monitor_raises_a_query_on_a_field_from_the_records_row(client_of, monitor_a, coordinator_a, patient_a,
                                                                  alt):
    page_url = reverse("patient_detail", args=[patient_a.pk])
    monitor = client_of(monitor_a)
    row = monitor.get(page_url).content.decode().split(f'data-testid="record-labs-{alt.pk}"')[1].split("</tr>")[0]
    assert f'data-testid="query-labs-{alt.pk}"' in row and '<option value="value">' in row
    response = monitor.post(reverse("query_raise", args=[patient_a.pk]), {
        "record_type": "screening.LabResult", "object_id": str(alt.pk), "field": "value",
        "text": "The report reads 33 U/L.", "next": f"{page_url}#panel-labs"})
    assert response.status_code == 302 and response.url == f"{page_url}#panel-labs"
    query = DataQuery.objects.get()
    assert (query.object_id, query.field, query.status) == (str(alt.pk), "value", "open")
