"""The screening log: scoping per site and role, key dates and failure reasons, the funnel and reasons
charts as server-drawn SVG, and the streamed CSV without direct identifiers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from screening.signoff import log
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(protocol_version, site_a, site_b, coordinator_a, coordinator_b, investigator_a):
    """Site A: one registered only, one consented, one screen failure (I06b), one signed eligible and
    infused. Site B: one registered."""
    icf = factories.create_icf_version(site_a, coordinator_a)

    def consent(patient, staff, signed_on):
        factories.create_consent(patient, icf, staff, signed_on=signed_on)

    registered = factories.create_patient(site_a, registered_by=coordinator_a, full_name="Wang Identifiable",
                                          hospital_record_number="HRN-SECRET")
    consented = factories.create_patient(site_a, registered_by=coordinator_a)
    consent(consented, coordinator_a, dt.date(2026, 11, 2))
    failed = factories.create_patient(site_a, registered_by=coordinator_a, status="screen_failed")
    consent(failed, coordinator_a, dt.date(2026, 11, 3))
    factories.create_signature(failed, investigator_a, outcome="not_eligible", screen_failure_reasons=["I06b", "I04"])
    infused = factories.create_patient(site_a, registered_by=coordinator_a, status="eligible")
    consent(infused, coordinator_a, dt.date(2026, 11, 4))
    from followup.models import Enrollment

    Enrollment.objects.create(patient=infused, dose_level=1, dose_unit="x 10^5 CAR+ cells/kg",
                              planned_lymphodepletion_on=dt.date(2026, 11, 20),
                              planned_infusion_on=dt.date(2026, 11, 23), infused_on=dt.date(2026, 11, 23),
                              eligibility_signed_on=dt.date(2026, 11, 18), consented_on=dt.date(2026, 11, 4),
                              recorded_by=coordinator_a)
    other = factories.create_patient(site_b, registered_by=coordinator_b)
    return {"registered": registered, "consented": consented, "failed": failed, "infused": infused, "other": other}


def test_funnel_and_failure_reasons(screened, site_a):
    rows = list(log.log_rows([site_a]))
    assert log.funnel(rows) == [("registered", 4), ("consented", 3), ("evaluated", 2), ("signed eligible", 1),
                                ("infused", 1)]
    assert log.failure_reasons(rows) == [("I04", 1), ("I06b", 1)]
    failed = next(r for r in rows if r.screening_number == screened["failed"].screening_number)
    assert failed.consented_on == dt.date(2026, 11, 3) and failed.failure_reasons == ("I06b", "I04")


def test_bar_chart_scales_to_the_largest_count():
    chart = log.bar_chart([("registered", 10), ("consented", 5), ("infused", 0)], width=600, label_width=150)
    assert [bar.width for bar in chart.bars] == [390, 195, 0]
    assert chart.bars[1].y > chart.bars[0].y
    assert log.bar_chart([]).bars == []


def test_each_user_sees_their_sites_only(screened, client_of, coordinator_a, coordinator_b, monitor_a,
                                         django_assert_max_num_queries):
    client = client_of(monitor_a)
    client.get(reverse("screening_log"))  # warm the session
    # The rows are one query whatever their number; the rest is session, roles and the site filter.
    with django_assert_max_num_queries(13):
        page = client.get(reverse("screening_log"))
    body = page.content.decode()
    assert screened["infused"].screening_number in body
    assert screened["other"].screening_number not in body
    assert 'data-testid="funnel-chart"' in body and "<rect" in body and 'data-count="4"' in body
    assert 'data-testid="reasons-chart"' in body and 'data-label="I06b"' in body
    assert "style=" not in body  # no inline styles (CSP): presentation attributes only
    b_page = client_of(coordinator_b).get(reverse("screening_log")).content.decode()
    assert screened["other"].screening_number in b_page and screened["infused"].screening_number not in b_page


def test_a_site_filter_outside_ones_sites_is_a_form_error(screened, client_of, coordinator_b, site_a):
    response = client_of(coordinator_b).get(reverse("screening_log"), {"site": site_a.pk})
    assert response.status_code == 400
    assert screened["infused"].screening_number not in response.content.decode()
    assert client_of(coordinator_b).get(reverse("screening_log"), {"site": "abc"}).status_code == 400


def test_csv_is_streamed_without_direct_identifiers(screened, client_of, coordinator_a):
    response = client_of(coordinator_a).get(reverse("screening_log_export"))
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["screening_number"] for r in rows] == [
        screened[k].screening_number for k in ("registered", "consented", "failed", "infused")
    ]
    failed = rows[2]
    assert failed["signature_outcome"] == "not_eligible" and failed["screen_failure_reasons"] == "I06b I04"
    assert rows[3]["infused_on"] == "2026-11-23"
    assert "Wang Identifiable" not in text and "HRN-SECRET" not in text and "1985-03-14" not in text
    assert "initials" not in text
