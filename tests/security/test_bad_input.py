"""Bad input found by the security review: each a clear form error, never a 500; dates outside 1900-2100
are refused wherever a date is typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("ERR-01")]


def test_an_audit_search_to_the_year_9999_is_a_form_error(client_of, monitor_a, patient_a):
    response = client_of(monitor_a).get(reverse("audit_log"), {"date_to": "9999-12-31"})
    assert response.status_code == 400
    assert "between 1900-01-01 and 2100-12-31" in response.content.decode()


@pytest.mark.parametrize("slug_and_view", ["new", "preview"])
def test_a_reference_high_too_small_for_a_number_is_a_form_error(client_of, coordinator_a, consented, slug_and_view):
    client = client_of(coordinator_a)
    data = {"test": "creatinine", "value": "70", "unit": "umol/L", "reference_high": "1e-400",
            "collected_on": dt.date.today().isoformat()}
    name = "screening_record_new" if slug_and_view == "new" else "screening_record_preview"
    response = client.post(reverse(name, args=[consented.pk, "labs"]), data)
    assert response.status_code in (200, 400)
    assert response.status_code != 500


def test_an_enrollment_date_in_year_one_is_a_form_error(client_of, coordinator_a, patient_a, protocol_version):
    response = client_of(coordinator_a).post(reverse("followup_enrollment", args=[patient_a.pk]), {
        "dose_level": "1.0", "planned_lymphodepletion_on": "0001-01-01", "planned_infusion_on": "0001-01-03"})
    assert response.status_code == 400
    assert "between 1900-01-01 and 2100-12-31" in response.content.decode()


@pytest.mark.parametrize("day", ["1899-12-31", "2101-01-01"])
def test_dates_outside_1900_to_2100_are_refused_by_every_date_field(day):
    from django import forms

    field = forms.DateField()
    with pytest.raises(forms.ValidationError, match="between 1900-01-01 and 2100-12-31"):
        field.clean(day)
    assert field.clean("2026-12-01") == dt.date(2026, 12, 1)
