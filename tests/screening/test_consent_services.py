"""Consent services: ICF versions, consents, re-consent, withdrawal and the guards other features use."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from patients.clock import site_datetime, site_today
from patients.models import PatientStatus
from patients.versioning import StaleVersion
from screening.consent import selectors, services
from screening.consent.guards import (
    ensure_dated_on_or_after_consent,
    ensure_open_for_entry,
)
from screening.models import Consent, ICFVersion, Withdrawal
from tests import factories

pytestmark = pytest.mark.requirement("OPS-01")

PDF = b"%PDF-1.7\n% a consent form\n%%EOF\n"


def pdf_upload(content: bytes = PDF, name: str = "icf.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def add_version(user, site, label, effective_on, approved_on=None, language="en", content=PDF):
    return services.icf_version_add(
        acting_user=user, site=site, language=language, label=label,
        ethics_approved_on=approved_on or effective_on - dt.timedelta(days=10), effective_on=effective_on,
        pdf=pdf_upload(content),
    )


def days_ago(site, days: int) -> dt.date:
    return site_today(site) - dt.timedelta(days=days)


def record(user, patient, version, signed_on, **fields):
    values = {"signer": "patient", "obtained_by": user, "copy_given": True,
              # Midnight: never in the future, even when signed_on is the site's today.
              "signed_at": site_datetime(patient.site, signed_on, dt.time(0, 0)), **fields}
    return services.consent_record(acting_user=user, patient=patient, icf_version=version, **values)


@pytest.fixture
def icf_v1(site_a, coordinator_a):
    return add_version(coordinator_a, site_a, "1.0", days_ago(site_a, 100))


# ICF versions

def test_icf_version_stores_the_pdf_and_its_sha256(icf_v1):
    assert icf_v1.sha256 == hashlib.sha256(PDF).hexdigest()
    with icf_v1.pdf.open("rb") as stored:
        assert stored.read() == PDF
    assert icf_v1.superseded_on is None


def test_new_version_supersedes_the_current_one_from_its_effective_date(site_a, coordinator_a, icf_v1):
    v2 = add_version(coordinator_a, site_a, "2.0", days_ago(site_a, 5), content=PDF + b"v2")
    icf_v1.refresh_from_db()
    assert icf_v1.superseded_on == v2.effective_on
    assert list(selectors.icf_versions_in_effect(site_a, days_ago(site_a, 6))) == [icf_v1]
    assert list(selectors.icf_versions_in_effect(site_a, days_ago(site_a, 5))) == [v2]


def test_languages_have_their_own_current_version(site_a, coordinator_a, icf_v1):
    zh = add_version(coordinator_a, site_a, "1.0-zh", days_ago(site_a, 50), language="zh-hans")
    icf_v1.refresh_from_db()
    assert icf_v1.superseded_on is None and zh.superseded_on is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not a pdf", "not a PDF"),
        (b"%PDF-" + b"0" * (20 * 1024 * 1024), "at most 20 MB"),
    ],
)
def test_bad_icf_file_is_refused(site_a, coordinator_a, content, message):
    with pytest.raises(ValidationError) as refused:
        add_version(coordinator_a, site_a, "1.0", days_ago(site_a, 1), content=content)
    assert message in refused.value.message_dict["pdf"][0]
    assert not ICFVersion.objects.exists()


def test_second_current_version_is_refused_and_nothing_changes(site_a, coordinator_a, icf_v1):
    with pytest.raises(ValidationError) as refused:
        add_version(coordinator_a, site_a, "1.1", icf_v1.effective_on)
    assert "second current version" in refused.value.message_dict["effective_on"][0]
    icf_v1.refresh_from_db()
    assert icf_v1.superseded_on is None
    assert ICFVersion.objects.count() == 1


def test_database_holds_one_current_version_per_site_and_language(site_a, coordinator_a, icf_v1):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.create_icf_version(site_a, coordinator_a, label="9.9")


def test_approval_after_effective_date_is_refused(site_a, coordinator_a):
    with pytest.raises(ValidationError) as refused:
        add_version(coordinator_a, site_a, "1.0", days_ago(site_a, 10), approved_on=days_ago(site_a, 5))
    assert "must not be after the effective date" in refused.value.message_dict["ethics_approved_on"][0]


def test_same_label_twice_is_refused(site_a, coordinator_a, icf_v1):
    with pytest.raises(ValidationError) as refused:
        add_version(coordinator_a, site_a, "1.0", days_ago(site_a, 1))
    assert "already exists" in refused.value.message_dict["label"][0]


def test_sponsor_admin_may_add_monitor_may_not(site_a, sponsor_admin, monitor_a, coordinator_b):
    assert add_version(sponsor_admin, site_a, "1.0", days_ago(site_a, 1)).pk
    for outsider in (monitor_a, coordinator_b):
        with pytest.raises(PermissionDenied):
            add_version(outsider, site_a, "2.0", days_ago(site_a, 0))


# Consent records

def test_consent_is_recorded_with_the_site_date_and_audited(patient_a, coordinator_a, icf_v1):
    signed_on = days_ago(patient_a.site, 3)
    consent = record(coordinator_a, patient_a, icf_v1, signed_on)
    assert consent.signed_on == signed_on
    event = consent.pgh_event_models["insert"].objects.get(pgh_obj_id=consent.pk)
    assert event.pgh_context.metadata == {"user": coordinator_a.pk, "reason": "consent recorded"}
    assert selectors.current_consent(patient_a) == consent


def test_signing_date_in_site_time_zone(patient_a, coordinator_a, icf_v1):
    """07:00 in Shanghai is 23:00 UTC the day before: the consent carries the Shanghai date."""
    signed_on = days_ago(patient_a.site, 2)
    consent = record(coordinator_a, patient_a, icf_v1, signed_on, signed_at=site_datetime(
        patient_a.site, signed_on, dt.time(7, 0)))  # 23:00 UTC the day before
    assert consent.signed_on == signed_on


@pytest.mark.parametrize(
    ("offset_days", "message"),
    [(-1, "in the future"), (101, "takes effect on")],
)
def test_signing_date_outside_the_version_is_refused(patient_a, coordinator_a, icf_v1, offset_days, message):
    with pytest.raises(ValidationError) as refused:
        record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, offset_days))
    assert message in refused.value.message_dict["signed_on"][0]
    assert not Consent.objects.exists()


def test_signing_before_ethics_approval_is_refused(patient_a, coordinator_a):
    # A version effective (backdated) before its approval cannot be stored; approval after signing can be tried.
    version = add_version(coordinator_a, patient_a.site, "1.0", days_ago(patient_a.site, 10),
                          approved_on=days_ago(patient_a.site, 10))
    with pytest.raises(ValidationError) as refused:
        record(coordinator_a, patient_a, version, days_ago(patient_a.site, 11))
    assert "approved by the ethics committee" in refused.value.message_dict["signed_on"][0]


def test_signing_on_a_superseded_version_is_refused(patient_a, coordinator_a, icf_v1):
    add_version(coordinator_a, patient_a.site, "2.0", days_ago(patient_a.site, 5))
    icf_v1.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 1))
    assert "superseded" in refused.value.message_dict["signed_on"][0]


def test_version_of_another_site_is_refused(patient_a, coordinator_a, coordinator_b, site_b):
    other = add_version(coordinator_b, site_b, "1.0", days_ago(site_b, 100))
    with pytest.raises(ValidationError) as refused:
        record(coordinator_a, patient_a, other, days_ago(site_b, 1))
    assert "another site" in refused.value.message_dict["icf_version"][0]


def test_guardian_needs_name_and_relationship(patient_a, coordinator_a, icf_v1):
    with pytest.raises(ValidationError) as refused:
        record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 1), signer="guardian")
    assert {"guardian_name", "guardian_relationship"} <= refused.value.message_dict.keys()
    consent = record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 1), signer="guardian",
                     guardian_name="Li Hua", guardian_relationship="mother")
    assert (consent.guardian_name, consent.guardian_relationship) == ("Li Hua", "mother")


def test_witness_required_when_subject_cannot_read(patient_a, coordinator_a, icf_v1):
    with pytest.raises(ValidationError) as refused:
        record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 1), subject_can_read=False)
    assert "impartial witness" in refused.value.message_dict["witness_name"][0]


def test_consent_obtained_by_staff_of_the_site_only(patient_a, coordinator_a, monitor_a, coordinator_b, icf_v1):
    for outsider in (monitor_a, coordinator_b):
        with pytest.raises(ValidationError) as refused:
            record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 1), obtained_by=outsider)
        assert "obtained_by" in refused.value.message_dict


def test_consent_correction_needs_reason_and_current_version(patient_a, coordinator_a, icf_v1):
    consent = record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 3))
    values = {"icf_version": icf_v1, "signer": "patient", "obtained_by": coordinator_a, "copy_given": False,
              "signed_at": consent.signed_at}
    corrected = services.consent_update(acting_user=coordinator_a, consent=consent, version=1,
                                        reason="copy was not handed over", **values)
    assert (corrected.copy_given, corrected.version) == (False, 2)
    event = consent.pgh_event_models["insert"].objects.filter(pgh_obj_id=consent.pk).last()
    assert event.pgh_context.metadata["reason"] == "copy was not handed over"
    with pytest.raises(StaleVersion, match="copy given to the subject: True → False"):
        services.consent_update(acting_user=coordinator_a, consent=consent, version=1, reason="again", **values)


# Re-consent

def test_new_version_in_effect_puts_candidate_on_the_worklist(patient_a, patient_b, coordinator_a, icf_v1, site_a,
                                                              site_b, coordinator_b):
    record(coordinator_a, patient_a, icf_v1, days_ago(site_a, 50))
    assert not selectors.needs_reconsent(patient_a)
    v2 = add_version(coordinator_a, site_a, "2.0", days_ago(site_a, 0))
    assert selectors.needs_reconsent(patient_a)
    items = selectors.reconsent_worklist([site_a, site_b])
    assert [item.patient for item in items] == [patient_a]
    assert "ICF 1.0 was superseded" in items[0].reasons[0]
    assert selectors.reconsent_counts([site_a, site_b]) == {site_a: 1, site_b: 0}
    record(coordinator_a, patient_a, v2, days_ago(site_a, 0))
    assert not selectors.needs_reconsent(patient_a)
    assert selectors.reconsent_worklist([site_a]) == []


def test_version_taking_effect_later_does_not_list_anyone_yet(patient_a, coordinator_a, icf_v1, site_a):
    record(coordinator_a, patient_a, icf_v1, days_ago(site_a, 50))
    add_version(coordinator_a, site_a, "2.0", site_today(site_a) + dt.timedelta(days=7),
                approved_on=days_ago(site_a, 1))
    assert not selectors.needs_reconsent(patient_a)
    assert selectors.reconsent_worklist([site_a]) == []


def test_withdrawn_and_screen_failed_candidates_are_not_on_the_worklist(site_a, coordinator_a, icf_v1):
    withdrawn = factories.create_patient(site_a, registered_by=coordinator_a)
    failed = factories.create_patient(site_a, registered_by=coordinator_a, status=PatientStatus.SCREEN_FAILED)
    for patient in (withdrawn, failed):
        record(coordinator_a, patient, icf_v1, days_ago(site_a, 50))
    services.patient_withdraw(acting_user=coordinator_a, patient=withdrawn, withdrawn_on=days_ago(site_a, 1),
                              reason="moved away")
    add_version(coordinator_a, site_a, "2.0", days_ago(site_a, 0))
    assert selectors.reconsent_worklist([site_a]) == []


def test_candidate_who_turned_18_after_guardian_signed_is_flagged(site_a, coordinator_a, icf_v1):
    today = site_today(site_a)
    # 6580 days: 18 years and about 5 days today, still 17 ten days ago when the guardian signed.
    minor = factories.create_patient(site_a, registered_by=coordinator_a,
                                     date_of_birth=today - dt.timedelta(days=6580))
    record(coordinator_a, minor, icf_v1, days_ago(site_a, 10), signer="guardian", guardian_name="Li Hua",
           guardian_relationship="mother")
    assert selectors.needs_reconsent(minor)
    items = selectors.reconsent_worklist([site_a])
    assert [item.patient for item in items] == [minor]
    assert "turned 18" in items[0].reasons[0]


def test_worklist_takes_two_queries(django_assert_num_queries, site_a, coordinator_a, icf_v1):
    for _ in range(5):
        record(coordinator_a, factories.create_patient(site_a, registered_by=coordinator_a), icf_v1,
               days_ago(site_a, 50))
    add_version(coordinator_a, site_a, "2.0", days_ago(site_a, 0))
    with django_assert_num_queries(2):
        assert len(selectors.reconsent_worklist([site_a])) == 5


# Withdrawal and the guards

def test_withdrawal_keeps_everything_and_stops_data_entry(patient_a, coordinator_a, icf_v1):
    consent = record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 10))
    withdrawn_on = days_ago(patient_a.site, 1)
    withdrawal = services.patient_withdraw(acting_user=coordinator_a, patient=patient_a, withdrawn_on=withdrawn_on,
                                           reason="  moved to another city ")
    patient_a.refresh_from_db()
    assert patient_a.status == PatientStatus.WITHDRAWN
    assert withdrawal.reason == "moved to another city"
    assert Consent.objects.filter(pk=consent.pk).exists()
    assert selectors.current_consent(patient_a) is None
    with pytest.raises(ValidationError, match=f"withdrawn on {withdrawn_on.isoformat()}; no further data entry"):
        ensure_open_for_entry(patient_a)
    with pytest.raises(ValidationError, match="no further data entry"):
        record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 0))
    event = patient_a.pgh_event_models["insert"].objects.filter(pgh_obj_id=patient_a.pk).last()
    assert event.status == PatientStatus.WITHDRAWN
    assert event.pgh_context.metadata["reason"] == "withdrawal: moved to another city"


@pytest.mark.parametrize(("offset", "message"), [(-1, "in the future"), (11, "before consent signed on")])
def test_withdrawal_date_is_checked(patient_a, coordinator_a, icf_v1, offset, message):
    record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 10))
    with pytest.raises(ValidationError) as refused:
        services.patient_withdraw(acting_user=coordinator_a, patient=patient_a,
                                  withdrawn_on=days_ago(patient_a.site, offset), reason="x")
    assert message in refused.value.message_dict["withdrawn_on"][0]
    assert not Withdrawal.objects.exists()


def test_withdrawal_by_monitor_is_refused(patient_a, monitor_a):
    with pytest.raises(PermissionDenied):
        services.patient_withdraw(acting_user=monitor_a, patient=patient_a, withdrawn_on=days_ago(patient_a.site, 0),
                                  reason="x")


def test_record_dated_before_consent_is_refused_naming_the_consent_date(patient_a, coordinator_a, icf_v1):
    with pytest.raises(ValidationError) as none_yet:
        ensure_dated_on_or_after_consent(patient_a, days_ago(patient_a.site, 1), "collected_on")
    assert "No consent recorded" in none_yet.value.message_dict["collected_on"][0]
    signed_on = days_ago(patient_a.site, 10)
    record(coordinator_a, patient_a, icf_v1, signed_on)
    with pytest.raises(ValidationError) as refused:
        ensure_dated_on_or_after_consent(patient_a, signed_on - dt.timedelta(days=1), "collected_on")
    assert refused.value.message_dict == {
        "collected_on": [f"{(signed_on - dt.timedelta(days=1)).isoformat()} is before consent signed on "
                         f"{signed_on.isoformat()}."]
    }
    ensure_dated_on_or_after_consent(patient_a, signed_on, "collected_on")  # the signing day itself is fine


def test_re_consent_does_not_invalidate_records_made_under_the_first_consent(patient_a, coordinator_a, icf_v1):
    first = days_ago(patient_a.site, 50)
    record(coordinator_a, patient_a, icf_v1, first)
    v2 = add_version(coordinator_a, patient_a.site, "2.0", days_ago(patient_a.site, 2))
    record(coordinator_a, patient_a, v2, days_ago(patient_a.site, 1))
    ensure_dated_on_or_after_consent(patient_a, first + dt.timedelta(days=1), "collected_on")


def test_audit_ledger_hides_the_names_of_guardian_and_witness(patient_a, coordinator_a, icf_v1):
    from trial.audit.ledger import AuditEntry

    consent = record(coordinator_a, patient_a, icf_v1, days_ago(patient_a.site, 1), signer="guardian",
                     guardian_name="Li Hua", guardian_relationship="mother", subject_can_read=False,
                     witness_name="Zhao Min")
    entry = AuditEntry.objects.get(record_type=consent._meta.label, object_id=str(consent.pk))
    assert entry.changes["guardian_name"] == [None, "[hidden]"]
    assert entry.changes["witness_name"] == [None, "[hidden]"]
    assert entry.changes["guardian_relationship"] == [None, "mother"]
