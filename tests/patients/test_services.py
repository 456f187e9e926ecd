"""Registration and correction services: numbers, refusals, duplicates, versions and reasons."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from patients import services
from patients.clock import site_today
from patients.models import Patient, SiteCounter
from patients.versioning import StaleVersion
from screening.consent.services import patient_withdraw
from tests import factories

CANDIDATE = {
    "initials": "zxl", "date_of_birth": date(1990, 5, 4), "sex": "female", "weight_kg": Decimal("55.5"),
    "childbearing_potential": True,
}


def register(user, site, **fields):
    return services.patient_register(acting_user=user, site=site, **{**CANDIDATE, **fields})


def events_of(obj):
    return obj.pgh_event_models["insert"].objects.filter(pgh_obj_id=obj.pk).order_by("pgh_id")


def test_screening_numbers_run_per_site(site_a, site_b, coordinator_a, coordinator_b):
    first = register(coordinator_a, site_a)
    second = register(coordinator_a, site_a, initials="AB")
    other_site = register(coordinator_b, site_b)
    assert [first.screening_number, second.screening_number, other_site.screening_number] == [
        "01-0001", "01-0002", "02-0001",
    ]
    assert first.initials == "ZXL"


def test_numbers_are_never_reused_even_past_imported_candidates(site_a, coordinator_a):
    factories.create_patient(site_a, registered_by=coordinator_a, sequence=41)
    assert register(coordinator_a, site_a).screening_number == "01-0042"
    SiteCounter.objects.filter(site=site_a).update(last_sequence=50)  # e.g. numbers handed out, rows gone
    assert register(coordinator_a, site_a, initials="AB").screening_number == "01-0051"


def test_registration_is_audited_with_user_and_reason(site_a, coordinator_a):
    patient = register(coordinator_a, site_a)
    event = events_of(patient).get()
    assert event.pgh_context.metadata["user"] == coordinator_a.pk
    assert event.pgh_context.metadata["reason"] == "candidate registered"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date_of_birth": date(2999, 1, 1)}, "date_of_birth", "in the future"),
        ({"date_of_birth": date(1890, 1, 1)}, "date_of_birth", "over 120 years"),
        ({"weight_kg": Decimal("19.9")}, "weight_kg", "outside 20-350 kg"),
        ({"weight_kg": Decimal("351")}, "weight_kg", "outside 20-350 kg"),
        ({"childbearing_potential": False}, "non_childbearing_reason", "Say why"),
    ],
)
def test_implausible_registration_is_refused_and_nothing_saved(site_a, coordinator_a, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        register(coordinator_a, site_a, **fields)
    assert message in refused.value.message_dict[field][0]
    assert not Patient.objects.exists()
    assert not SiteCounter.objects.exists()


def test_possible_duplicate_needs_confirmation(site_a, coordinator_a):
    first = register(coordinator_a, site_a)
    with pytest.raises(services.PossibleDuplicate) as refused:
        register(coordinator_a, site_a, initials="ZXL")
    assert refused.value.duplicates == [first]
    assert "01-0001" in refused.value.message_dict["confirm_duplicate"][0]
    assert Patient.objects.count() == 1
    second = register(coordinator_a, site_a, duplicate_confirmed=True)
    assert second.screening_number == "01-0002"  # the refused attempt handed out no number


def test_same_initials_and_birth_date_at_another_site_is_no_duplicate(site_a, site_b, coordinator_a, coordinator_b):
    register(coordinator_a, site_a)
    assert register(coordinator_b, site_b).screening_number == "02-0001"


@pytest.mark.parametrize("who", ["monitor_a", "investigator_a", "coordinator_b"])
def test_only_coordinators_of_the_site_register(request, site_a, who):
    with pytest.raises(PermissionDenied):
        register(request.getfixturevalue(who), site_a)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_numbers(site_a, coordinator_a):
    """Four connections registering at once at one site: twelve distinct, gap-free numbers."""
    start = threading.Barrier(4)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            start.wait()
            for round_ in range(3):
                patient = register(coordinator_a, site_a, initials=f"C{'ABCD'[index]}", duplicate_confirmed=True,
                                   date_of_birth=date(1980, 1, 1) + timedelta(days=round_))
                numbers.append(patient.screening_number)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [f"01-{n:04d}" for n in range(1, 13)]


def test_correction_bumps_version_and_stores_the_reason(patient_a, coordinator_a):
    assert patient_a.version == 1
    updated = services.patient_update(
        acting_user=coordinator_a, patient=patient_a, version=1, reason="weighed again", weight_kg=Decimal("60.0")
    )
    assert updated.version == 2
    event = events_of(patient_a).last()
    assert event.weight_kg == Decimal("60.0")
    assert event.pgh_context.metadata["reason"] == "weighed again"
    assert event.pgh_context.metadata["user"] == coordinator_a.pk


def test_correction_needs_a_reason(patient_a, coordinator_a):
    with pytest.raises(ValidationError) as refused:
        services.patient_update(acting_user=coordinator_a, patient=patient_a, version=1, reason=" ", initials="XY")
    assert "reason" in refused.value.message_dict
    patient_a.refresh_from_db()
    assert patient_a.initials == "ABC"


def test_stale_correction_is_refused_showing_the_other_change(patient_a, coordinator_a, site_a):
    colleague = factories.create_staff("coord_a2", "coordinator", site_a)
    services.patient_update(acting_user=colleague, patient=patient_a, version=1, reason="typo",
                            weight_kg=Decimal("61.0"))
    with pytest.raises(StaleVersion) as refused:
        services.patient_update(acting_user=coordinator_a, patient=patient_a, version=1, reason="mine",
                                initials="XY")
    message = refused.value.messages[0]
    assert message.startswith("changed by someone else meanwhile:")
    assert "58.0 → 61.0" in message and "Coord_A2" in message
    assert refused.value.current_version == 2
    patient_a.refresh_from_db()
    assert (patient_a.initials, patient_a.weight_kg) == ("ABC", Decimal("61.0"))


def test_correction_of_withdrawn_candidate_is_refused(patient_a, coordinator_a):
    patient_withdraw(acting_user=coordinator_a, patient=patient_a, withdrawn_on=site_today(patient_a.site),
                     reason="moved away")
    patient_a.refresh_from_db()
    with pytest.raises(ValidationError, match="withdrawn on .*no further data entry"):
        services.patient_update(acting_user=coordinator_a, patient=patient_a, version=patient_a.version,
                                reason="typo", initials="XY")


def test_correction_is_validated_like_registration(patient_a, coordinator_a):
    with pytest.raises(ValidationError) as refused:
        services.patient_update(acting_user=coordinator_a, patient=patient_a, version=1, reason="typo",
                                weight_kg=Decimal("400"))
    assert "weight_kg" in refused.value.message_dict
