"""A laboratory panel per draw: several tests of one collection in one form, units per test, the hospital's
reference range for the test and sex filled in and editable, all saved or none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from patients.clock import site_today
from screening.models import LabResult
from screening.records.services import screening_record_create

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("DAT-01")]


def draw_url(patient):
    return reverse("lab_draw_new", args=[patient.pk])


def days_ago(patient, days: int) -> str:
    return (site_today(patient.site) - dt.timedelta(days=days)).isoformat()


CANONICAL = {"creatinine": "umol/L", "alt": "U/L", "ast": "U/L", "total_bilirubin": "umol/L"}


def draw(patient, **rows) -> dict:
    """A posted draw: ``rows`` as test=(value, unit, low, high, unit the range is written in); the other
    tests are sent empty, as the form sends them."""
    data = {"collected_on": days_ago(patient, 2), "source": "screening"}
    for test, canonical in CANONICAL.items():
        value, unit, low, high, written_in = rows.get(test, ("", canonical, "", "", canonical))
        data.update({f"{test}__value": value, f"{test}__unit": unit, f"{test}__reference_low": low,
                     f"{test}__reference_high": high, f"{test}__reference_unit": written_in})
    return data


def test_the_form_has_a_row_per_catalogue_test_with_the_hospitals_range_for_the_sex(client_of, coordinator_a,
                                                                                   consented):
    page = client_of(coordinator_a).get(draw_url(consented)).content.decode()
    for test in ("creatinine", "alt", "ast", "total_bilirubin"):
        assert f'data-testid="draw-{test}"' in page
    row = page[page.index('data-testid="draw-creatinine"'):page.index('data-testid="draw-alt"')]
    assert 'value="84' in row and 'value="45' in row and "µmol/L" in row


def test_the_entered_tests_of_a_draw_are_saved_with_one_date_and_the_empty_ones_skipped(client_of, coordinator_a,
                                                                                     consented):
    response = client_of(coordinator_a).post(draw_url(consented), draw(
        consented, creatinine=("70", "umol/L", "45", "84", "umol/L"), alt=("30", "U/L", "7", "40", "U/L")))
    assert response.status_code == 302
    results = {lab.test: lab for lab in LabResult.objects.all()}
    assert set(results) == {"creatinine", "alt"}
    assert {lab.collected_on.isoformat() for lab in results.values()} == {days_ago(consented, 2)}
    assert (results["creatinine"].reference_high, results["creatinine"].loinc) == (Decimal("84"), "2160-0")
    assert results["alt"].entered_by == coordinator_a


def test_a_range_written_in_another_unit_than_the_value_is_converted(client_of, coordinator_a, consented):
    """The prefilled range is in µmol/L; the value is typed in mg/dL: the result keeps its range in mg/dL."""
    client_of(coordinator_a).post(draw_url(consented), draw(
        consented, creatinine=("0.9", "mg/dL", "45", "84", "umol/L")))
    lab = LabResult.objects.get()
    assert (lab.unit, lab.reference_low, lab.reference_high) == ("mg/dL", Decimal("0.509"), Decimal("0.950"))


def test_a_problem_in_one_test_saves_nothing_of_the_draw_and_names_that_test(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(draw_url(consented), draw(
        consented, creatinine=("70", "umol/L", "45", "84", "umol/L"), ast=("99999", "U/L", "13", "40", "U/L")))
    assert response.status_code == 400
    page = response.content.decode()
    row = page[page.index('data-testid="draw-ast"'):page.index('data-testid="draw-total_bilirubin"')]
    assert "text-danger" in row
    assert LabResult.objects.count() == 0


def test_a_draw_dated_before_consent_is_refused_on_its_date(client_of, coordinator_a, consented):
    data = draw(consented, creatinine=("70", "umol/L", "45", "84", "umol/L"))
    data["collected_on"] = days_ago(consented, 30)  # consent was ten days ago
    response = client_of(coordinator_a).post(draw_url(consented), data)
    assert response.status_code == 400 and "consent" in response.content.decode()
    assert LabResult.objects.count() == 0


def test_an_empty_draw_asks_for_a_result(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(draw_url(consented), draw(consented))
    assert response.status_code == 400 and "at least one result" in response.content.decode()


def test_the_draw_through_htmx_returns_the_panel_and_refreshes_the_checklist(client_of, coordinator_a, consented):
    response = client_of(coordinator_a).post(draw_url(consented), draw(
        consented, creatinine=("70", "umol/L", "45", "84", "umol/L")), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "HX-Trigger" in response
    assert 'data-testid="panel-labs"' in response.content.decode()


def test_only_the_coordinator_of_the_site_enters_a_draw(client_of, coordinator_b, monitor_a, consented):
    for user in (coordinator_b, monitor_a):
        response = client_of(user).post(draw_url(consented), draw(consented, creatinine=("70", "umol/L", "", "", "umol/L")))
        assert response.status_code in (403, 404)
    assert LabResult.objects.count() == 0


def test_the_last_collection_date_is_offered_again_for_the_next_result_and_draw(client_of, coordinator_a, consented):
    day = site_today(consented.site) - dt.timedelta(days=2)
    screening_record_create(acting_user=coordinator_a, kind="serology", patient=consented, values={
        "test": "ana", "result": "positive", "titer": 640, "pattern": "homogeneous", "collected_on": day, "source": ""})
    client = client_of(coordinator_a)
    serology = client.get(reverse("screening_record_new", args=[consented.pk, "serology"])).content.decode()
    assert f'value="{day.isoformat()}"' in serology
    draw = client.get(reverse("lab_draw_new", args=[consented.pk])).content.decode()
    assert f'value="{day.isoformat()}"' not in draw  # no lab yet: a draw's date is its own
    screening_record_create(acting_user=coordinator_a, kind="labs", patient=consented, values={
        "test": "alt", "value": Decimal("30"), "unit": "U/L", "reference_low": Decimal("7"),
        "reference_high": Decimal("40"), "collected_on": day, "source": ""})
    draw = client.get(reverse("lab_draw_new", args=[consented.pk])).content.decode()
    assert f'value="{day.isoformat()}"' in draw
