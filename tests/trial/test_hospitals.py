"""Several trials at once: a hospital is one record with a site in each trial it runs.

Its name, time zone, language and laboratory reference ranges are shared by those sites; screening numbers
are unique per trial; the duplicate warning and the lists look across the hospital's trials."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from patients import services as patient_services
from patients.clock import site_today
from screening.records import services as record_services
from screening.records.ranges import reference_range_of
from tests import factories

CANDIDATE = {
    "initials": "ZXL", "date_of_birth": date(1990, 5, 4), "sex": "female", "weight_kg": Decimal("55.5"),
    "childbearing_potential": True,
}


@pytest.fixture
def other_trial(db):
    return factories.create_trial(code="LN-2", title="A lupus nephritis trial")


@pytest.fixture
def site_a_other(other_trial, site_a):
    """The Hefei hospital's site in the second trial: site number 1 there too."""
    return factories.create_site(other_trial, hospital=site_a.hospital, number=1)


@pytest.fixture
def coordinator_of_both(site_a, site_a_other):
    return factories.create_staff("coord_both", "coordinator", site_a, site_a_other)


def register(user, site, **fields):
    return patient_services.patient_register(acting_user=user, site=site, **{**CANDIDATE, **fields})


def test_a_hospital_has_one_site_per_trial(site_a, site_a_other, other_trial):
    assert site_a_other.name == site_a.name and site_a_other.city == "Hefei"
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.create_site(other_trial, hospital=site_a.hospital, number=5)


def test_screening_numbers_are_unique_per_trial_not_across_trials(site_a, site_a_other, coordinator_of_both):
    first = register(coordinator_of_both, site_a)
    other = register(coordinator_of_both, site_a_other, initials="QW")
    assert (first.screening_number, other.screening_number) == ("01-0001", "01-0001")
    assert (first.site.trial.code, other.site.trial.code) == ("MC-1-50", "LN-2")


def test_the_duplicate_warning_looks_across_the_hospitals_trials(site_a, site_a_other, coordinator_of_both):
    first = register(coordinator_of_both, site_a)
    with pytest.raises(patient_services.PossibleDuplicate) as refused:
        register(coordinator_of_both, site_a_other)
    assert refused.value.duplicates == [first]
    assert "01-0001 (MC-1-50)" in refused.value.message_dict["confirm_duplicate"][0]
    assert register(coordinator_of_both, site_a_other, duplicate_confirmed=True).screening_number == "01-0001"


def test_the_same_hospital_record_number_is_a_possible_duplicate_whatever_the_initials(
        site_a, site_a_other, coordinator_of_both):
    register(coordinator_of_both, site_a, hospital_record_number="H-778899")
    with pytest.raises(patient_services.PossibleDuplicate):
        register(coordinator_of_both, site_a_other, initials="QW", date_of_birth=date(1971, 1, 2),
                 hospital_record_number="H-778899")


def test_another_hospital_in_the_other_trial_is_no_duplicate(site_a, site_b, other_trial, coordinator_a):
    register(coordinator_a, site_a)
    hangzhou_other = factories.create_site(other_trial, hospital=site_b.hospital, number=2)
    coordinator = factories.create_staff("coord_hz", "coordinator", hangzhou_other)
    assert register(coordinator, hangzhou_other).screening_number == "02-0001"


def test_reference_ranges_belong_to_the_hospital_and_serve_its_site_in_every_trial(
        protocol_version, site_a, site_a_other, coordinator_a):
    record_services.reference_range_save(acting_user=coordinator_a, site=site_a, test="creatinine", sex="female",
                                         low=Decimal("45"), high=Decimal("84"), unit="umol/L")
    shared = reference_range_of(site_a_other, "creatinine", "female")
    assert shared is not None and shared.high == Decimal("84") and shared.hospital == site_a.hospital


def test_a_coordinator_of_the_other_trial_sees_the_hospitals_ranges_and_is_told_why_none_can_be_added(
        client_of, protocol_version, site_a, site_a_other, coordinator_a, other_trial):
    record_services.reference_range_save(acting_user=coordinator_a, site=site_a, test="creatinine", sex="female",
                                         low=Decimal("45"), high=Decimal("84"), unit="umol/L")
    coordinator = factories.create_staff("coord_ln", "coordinator", site_a_other)
    response = client_of(coordinator).get(reverse("reference_ranges"))
    page = response.content.decode()
    # LN-2 has no protocol loaded: the shared range is listed, and no form offers tests of an unknown catalogue.
    assert response.status_code == 200 and "Anhui Provincial Hospital" in page and "84" in page
    assert 'data-testid="no-catalogue"' in page and 'name="test"' not in page


def test_a_range_set_in_one_trial_is_corrected_by_the_coordinator_of_the_other(
        client_of, protocol_version, site_a, site_a_other, coordinator_a, other_trial, settings):
    from trial.protocol_versions import protocol_version_load

    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    protocol_version_load(text=text.replace('id = "MC-1-50"', 'id = "LN-2"', 1))
    reference = record_services.reference_range_save(
        acting_user=coordinator_a, site=site_a, test="creatinine", sex="female", low=Decimal("45"),
        high=Decimal("84"), unit="umol/L")
    coordinator = factories.create_staff("coord_ln", "coordinator", site_a_other)
    url = reverse("reference_range_edit", args=[reference.pk])
    response = client_of(coordinator).post(url, {
        "high": "90", "low": "45", "unit": "umol/L", "version": reference.version, "reason": "new analyser",
    })
    assert response.status_code == 302
    reference.refresh_from_db()
    assert reference.high == Decimal("90")


def test_the_time_zone_is_the_hospitals(site_a, site_a_other):
    site_a.hospital.time_zone = "Pacific/Kiritimati"  # UTC+14: its calendar day is ahead of Shanghai's
    site_a.hospital.save()
    site_a_other.refresh_from_db()
    assert site_a_other.time_zone == "Pacific/Kiritimati" and site_today(site_a_other) == site_today(site_a)


def test_the_screening_log_names_and_filters_by_trial(client_of, site_a, site_a_other, coordinator_of_both):
    register(coordinator_of_both, site_a)
    register(coordinator_of_both, site_a_other, initials="QW")
    client = client_of(coordinator_of_both)
    text = b"".join(client.get(reverse("screening_log_export")).streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((row["trial"], row["screening_number"]) for row in rows) == [
        ("LN-2", "01-0001"), ("MC-1-50", "01-0001")]
    only = b"".join(client.get(reverse("screening_log_export"), {"trial": site_a_other.trial_id})
                    .streaming_content).decode("utf-8-sig")
    assert [row["trial"] for row in csv.DictReader(io.StringIO(only))] == ["LN-2"]


def test_the_audit_log_asks_for_the_trial_when_a_screening_number_exists_in_two(
        client_of, site_a, site_a_other, coordinator_of_both):
    register(coordinator_of_both, site_a)
    register(coordinator_of_both, site_a_other, initials="QW")
    monitor = factories.create_staff("monitor_both", "monitor", site_a, site_a_other)
    client = client_of(monitor)
    ambiguous = client.get(reverse("audit_log"), {"candidate": "01-0001"})
    assert "choose the trial" in ambiguous.content.decode()
    chosen = client.get(reverse("audit_log"), {"candidate": "01-0001", "trial": site_a_other.trial_id})
    assert chosen.status_code == 200 and "choose the trial" not in chosen.content.decode()
    entries = chosen.context["page"].entries
    assert entries and {entry.site_id for entry in entries} == {site_a_other.pk}


def test_the_dashboard_lists_the_candidates_of_the_trial_chosen(client_of, site_a, site_a_other, coordinator_of_both):
    register(coordinator_of_both, site_a)
    register(coordinator_of_both, site_a_other, initials="QW")
    client = client_of(coordinator_of_both)
    both = client.get(reverse("dashboard_coordinator")).content.decode()
    assert 'data-testid="trial-filter"' in both and "ZXL" in both and "QW" in both
    only = client.get(reverse("dashboard_coordinator"), {"trial": site_a_other.trial_id}).content.decode()
    assert "QW" in only and "ZXL" not in only


def test_the_dashboards_queries_panel_follows_the_trial_chosen(client_of, site_a, site_a_other, coordinator_of_both):
    from trial.audit.review import query_raise

    first = register(coordinator_of_both, site_a)
    other = register(coordinator_of_both, site_a_other, initials="QW")
    monitor = factories.create_staff("monitor_both", "monitor", site_a, site_a_other)
    for patient, text in ((first, "weight of MC-1-50's candidate?"), (other, "weight of LN-2's candidate?")):
        query_raise(acting_user=monitor, patient=patient, record_type="patients.Patient", object_id=str(patient.pk),
                    field="weight_kg", text=text)
    client = client_of(coordinator_of_both)
    both = client.get(reverse("dashboard_coordinator")).content.decode()
    assert both.count('<span class="text-muted">LN-2</span>') == 1 and both.count(
        '<span class="text-muted">MC-1-50</span>') == 1
    only = client.get(reverse("dashboard_coordinator"), {"trial": site_a_other.trial_id}).content.decode()
    assert '<span class="text-muted">LN-2</span>' in only and '<span class="text-muted">MC-1-50</span>' not in only


def test_a_hospital_is_named_in_the_readers_language_where_it_has_a_chinese_name(site_a):
    from django.utils import translation

    hospital = site_a.hospital
    hospital.name_zh = "安徽省立医院"
    hospital.save()
    with translation.override("zh-hans"):
        assert site_a.name == "安徽省立医院"
    with translation.override("en"):
        assert site_a.name == hospital.name
    hospital.name_zh = ""
    with translation.override("zh-hans"):
        assert site_a.name == hospital.name  # no Chinese name: the one it has
