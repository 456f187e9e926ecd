"""Sign-off services: decisions, signing (who, when, credentials, result, consent, queries), the stored
hash, screen failure, void on change versus changes that do not matter, and enrollment after signing."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from followup import services as followup_services
from followup.selectors import enrollment_allowed
from patients.clock import site_today
from patients.services import patient_update
from screening.models import EligibilitySignature, LabResult
from screening.records.services import (
    screening_record_mark_in_error,
    screening_record_update,
)
from screening.signoff import rules
from screening.signoff.services import AlreadySigned, decision_record
from tests import factories
from tests.screening.signoff_setup import correct_lab, enter_eligible, lab, sign
from trial.models import AuthEvent, StaffName

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("SIG-01", "SIG-02")]


@pytest.fixture
def candidate(protocol_version, patient_a, coordinator_a, investigator_a):
    investigator_a.email = "inv@site-a.test"
    investigator_a.save(update_fields=["email"])
    patient_a.records = enter_eligible(patient_a, coordinator_a, investigator_a)
    return patient_a


def test_an_investigator_signs_an_eligible_candidate(candidate, investigator_a):
    signature = sign(candidate, investigator_a)
    candidate.refresh_from_db()
    assert candidate.status == "eligible"
    assert signature.outcome == "eligible"
    assert signature.meaning == "I confirm that this subject meets all eligibility criteria"
    assert signature.printed_name == "Inv_A Tester"
    assert signature.protocol_version.label
    assert signature.screen_failure_reasons == []
    assert signature.evaluated_on == site_today(candidate.site)
    assert enrollment_allowed(candidate)


def test_the_hash_is_reproducible_from_the_stored_json(candidate, investigator_a):
    signature = sign(candidate, investigator_a)
    stored = EligibilitySignature.objects.get(pk=signature.pk)  # read back from jsonb
    canonical = rules.canonical_json(stored.document)
    assert hashlib.sha256(canonical).hexdigest() == stored.sha256
    assert stored.document["result"]["overall"] == "eligible"
    assert stored.document["facts"]["labs"][0]["value"] == 70.0


def test_signed_content_cannot_be_changed_in_the_database(candidate, investigator_a):
    signature = sign(candidate, investigator_a)
    with pytest.raises(Exception), transaction.atomic():
        EligibilitySignature.objects.filter(pk=signature.pk).update(printed_name="Someone Else")
    with pytest.raises(Exception), transaction.atomic():
        EligibilitySignature.objects.filter(pk=signature.pk).delete()


def test_a_coordinator_or_monitor_cannot_sign(candidate, coordinator_a, monitor_a):
    for user in (coordinator_a, monitor_a):
        with pytest.raises(PermissionDenied):
            sign(candidate, user)
    assert not EligibilitySignature.objects.exists()


def test_a_wrong_password_is_refused_audited_and_counts_toward_lockout(candidate, investigator_a):
    from axes.models import AccessAttempt

    with pytest.raises(ValidationError) as refused:
        sign(candidate, investigator_a, password="not my password 123")
    assert "password" in refused.value.message_dict
    assert not EligibilitySignature.objects.exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED, username="inv_a").count() == 1
    assert AccessAttempt.objects.get(username="inv_a").failures_since_start == 1


def test_a_wrong_one_time_code_is_refused(candidate, investigator_a):
    with pytest.raises(ValidationError) as refused:
        sign(candidate, investigator_a, code="000000")
    assert "otp_token" in refused.value.message_dict
    assert not EligibilitySignature.objects.exists()


def test_the_right_code_just_after_a_wrong_one_is_refused_as_a_throttle_and_nothing_is_signed(candidate, investigator_a):
    with pytest.raises(ValidationError):
        sign(candidate, investigator_a, code="wrong!")  # never a code: counts as a wrong one
    with pytest.raises(ValidationError) as refused:
        sign(candidate, investigator_a)  # the right code, within the second the throttle holds
    message = " ".join(refused.value.message_dict["otp_token"])
    assert "Too many wrong codes in a row" in message and "Nothing was signed" in message
    assert not EligibilitySignature.objects.exists()


def test_an_incomplete_result_is_refused_with_what_is_missing(protocol_version, patient_a, coordinator_a,
                                                              investigator_a):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    LabResult.objects.filter(test="alt").update(status="entered_in_error", error_reason="test")
    with pytest.raises(ValidationError) as refused:
        sign(patient_a, investigator_a)
    message = " ".join(refused.value.messages)
    assert "incomplete" in message and "I06" in message and "ALT" in message.upper()
    assert not EligibilitySignature.objects.exists()


def test_pending_reconsent_blocks_signing(candidate, investigator_a, coordinator_a):
    from screening.models import ICFVersion

    today = site_today(candidate.site)
    ICFVersion.objects.filter(site=candidate.site).update(superseded_on=today - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="Re-consent is needed"):
        sign(candidate, investigator_a)


def test_an_open_data_query_blocks_signing(candidate, investigator_a, monitor_a):
    from trial.audit import review as services_review

    services_review.query_raise(acting_user=monitor_a, patient=candidate, record_type="patients.Patient",
                                object_id=str(candidate.pk), field="weight_kg", text="Please confirm the weight.")
    with pytest.raises(ValidationError, match="open data query"):
        sign(candidate, investigator_a)


def test_a_double_submission_creates_one_signature(candidate, investigator_a):
    sign(candidate, investigator_a)
    with pytest.raises(AlreadySigned):
        sign(candidate, investigator_a)
    assert EligibilitySignature.objects.filter(patient=candidate).count() == 1


def test_the_database_holds_at_most_one_valid_signature(candidate, investigator_a):
    signature = sign(candidate, investigator_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.create_signature(candidate, investigator_a)
    assert signature.is_valid


def test_a_result_changed_since_the_page_was_shown_is_not_signed(candidate, investigator_a):
    with pytest.raises(ValidationError, match="changed since this page was opened"):
        sign(candidate, investigator_a, shown_sha256="0" * 64)


def test_not_eligible_stores_the_failed_criteria_as_screen_failure_reasons(candidate, coordinator_a,
                                                                           investigator_a):
    correct_lab(candidate.records["creatinine"], coordinator_a, "400")
    signature = sign(candidate, investigator_a)
    candidate.refresh_from_db()
    assert signature.outcome == "not_eligible"
    assert signature.meaning == "I confirm that this subject does not meet all eligibility criteria"
    assert signature.screen_failure_reasons == ["I06b"]
    assert candidate.status == "screen_failed"
    assert not enrollment_allowed(candidate)


# -- decisions ---------------------------------------------------------------------------------------------


@pytest.fixture
def under_review(protocol_version, patient_a, coordinator_a, investigator_a):
    """Eligible except one attestation never given: that criterion awaits the investigator's decision."""
    enter_eligible(patient_a, coordinator_a, investigator_a, skip_attestation="apheresis_suitable")
    return patient_a


def review_code(patient) -> str:
    from screening.signoff.selectors import assess

    return next(c.code for c in assess(patient).decided.criteria if c.engine_status == "needs_review")


def test_a_decision_settles_review_and_is_signed_with_the_result(under_review, investigator_a):
    code = review_code(under_review)
    with pytest.raises(ValidationError, match="incomplete"):
        sign(under_review, investigator_a)
    decision = decision_record(acting_user=investigator_a, patient=under_review, criterion_code=code,
                               verdict="met", comment="venous access checked in clinic")
    assert decision.decided_by == investigator_a and decision.decided_at
    signature = sign(under_review, investigator_a)
    assert signature.outcome == "eligible"
    assert signature.document["decisions"][0]["code"] == code
    assert signature.document["decisions"][0]["comment"] == "venous access checked in clinic"


def test_a_decision_needs_a_comment_an_investigator_and_a_criterion_under_review(under_review, investigator_a,
                                                                                coordinator_a):
    code = review_code(under_review)
    with pytest.raises(ValidationError) as refused:
        decision_record(acting_user=investigator_a, patient=under_review, criterion_code=code, verdict="met",
                        comment="  ")
    assert "comment" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        decision_record(acting_user=coordinator_a, patient=under_review, criterion_code=code, verdict="met",
                        comment="x")
    with pytest.raises(ValidationError, match="not awaiting"):
        decision_record(acting_user=investigator_a, patient=under_review, criterion_code="I06b", verdict="met",
                        comment="looks fine")


def test_a_changed_decision_after_signing_voids_the_signature(under_review, investigator_a):
    code = review_code(under_review)
    decision_record(acting_user=investigator_a, patient=under_review, criterion_code=code, verdict="met",
                    comment="checked")
    signature = sign(under_review, investigator_a)
    decision_record(acting_user=investigator_a, patient=under_review, criterion_code=code, verdict="not_met",
                    comment="veins unsuitable after all")
    signature.refresh_from_db()
    assert signature.status == "void"
    assert any(f"decision on {code}" in change for change in signature.void_changes)


# -- void on change --------------------------------------------------------------------------------------


def test_correcting_a_lab_the_evaluation_used_voids_the_signature(candidate, coordinator_a, investigator_a,
                                                                  django_capture_on_commit_callbacks):
    signature = sign(candidate, investigator_a)
    with django_capture_on_commit_callbacks(execute=True):
        correct_lab(candidate.records["creatinine"], coordinator_a, "400")
    signature.refresh_from_db()
    candidate.refresh_from_db()
    assert signature.status == "void"
    assert signature.void_reason == "signature void: data changed after signing"
    on = candidate.records["creatinine"].collected_on
    assert f"creatinine of {on}: 70 → 400 umol/L" in signature.void_changes  # the record as people name it
    assert signature.voided_by == coordinator_a and signature.voided_at
    assert candidate.status == "screening"
    assert not enrollment_allowed(candidate)
    # The investigator is told by email, with what changed and no direct identifier.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["inv@site-a.test"]
    assert f"creatinine of {on}: 70 → 400 umol/L" in mail.outbox[0].body
    # The old signature stays, and the candidate can be signed again.
    assert EligibilitySignature.objects.filter(patient=candidate).count() == 1
    again = sign(candidate, investigator_a)
    assert again.outcome == "not_eligible"


def test_marking_a_used_record_entered_in_error_voids(candidate, coordinator_a, investigator_a):
    signature = sign(candidate, investigator_a)
    echo = candidate.records["echo"]
    echo.refresh_from_db()
    screening_record_mark_in_error(acting_user=coordinator_a, record=echo, version=echo.version,
                                   reason="wrong patient's report")
    signature.refresh_from_db()
    assert signature.status == "void"
    assert any(change.startswith("Echocardiography of ") and ": no longer in the data" in change
               for change in signature.void_changes)


def test_a_weight_correction_voids_when_the_evaluation_used_the_weight(candidate, coordinator_a, investigator_a):
    signature = sign(candidate, investigator_a)
    candidate.refresh_from_db()
    patient_update(acting_user=coordinator_a, patient=candidate, version=candidate.version, reason="re-weighed",
                   weight_kg=Decimal("64.0"))
    signature.refresh_from_db()
    assert signature.status == "void"
    assert "Weight (kg): 58 → 64" in signature.void_changes


def test_changes_the_evaluation_did_not_use_do_not_void(candidate, coordinator_a, investigator_a):
    signature = sign(candidate, investigator_a)
    candidate.refresh_from_db()
    # A field that is not a fact at all.
    patient_update(acting_user=coordinator_a, patient=candidate, version=candidate.version,
                   reason="record number added", hospital_record_number="HRN-1")
    # An older creatinine in the window: the engine keeps using the newest one (which moves to labs[1]).
    older_day = candidate.records["creatinine"].collected_on - dt.timedelta(days=2)
    lab(candidate, coordinator_a, "creatinine", "75", "umol/L", older_day)
    # The ANA pattern is not part of the facts.
    ana = candidate.records["ana"]
    ana.refresh_from_db()
    screening_record_update(acting_user=coordinator_a, record=ana, version=ana.version, reason="pattern read again",
                            values={"test": "ana", "result": "positive", "titer": 640, "pattern": "speckled",
                                    "collected_on": ana.collected_on})
    signature.refresh_from_db()
    candidate.refresh_from_db()
    assert signature.status == "valid", signature.void_changes
    assert candidate.status == "eligible"


def test_the_comparison_uses_the_signing_date(candidate, coordinator_a, investigator_a, monkeypatch):
    """Rebuilt as of the signed evaluation date: the next day's view of the window does not matter."""
    signature = sign(candidate, investigator_a)
    from screening.signoff import services

    real = services.assess
    seen = []

    def spy(patient, evaluated_on=None, protocol_version=None):
        seen.append(evaluated_on)
        return real(patient, evaluated_on, protocol_version)

    monkeypatch.setattr(services, "assess", spy)
    services.signature_void_if_changed(patient=candidate, acting_user=coordinator_a)
    assert seen == [signature.evaluated_on]


def test_a_void_signature_blocks_enrollment_steps_but_keeps_what_is_recorded(candidate, coordinator_a,
                                                                             investigator_a):
    sign(candidate, investigator_a)
    today = site_today(candidate.site)
    enrollment = followup_services.enrollment_record(
        acting_user=coordinator_a, patient=candidate, dose_level=Decimal("1.0"),
        planned_lymphodepletion_on=today, planned_infusion_on=today, infused_on=today,
    )
    correct_lab(candidate.records["creatinine"], coordinator_a, "150")
    candidate.refresh_from_db()
    assert candidate.status == "enrolled"  # an infusion that happened is not undone
    with pytest.raises(ValidationError, match="signature is void"):
        followup_services.enrollment_update(
            acting_user=coordinator_a, enrollment=enrollment, version=factories.current_version(enrollment), reason="date typo", dose_level=Decimal("1.0"),
            planned_lymphodepletion_on=today, planned_infusion_on=today, infused_on=today,
        )
    enrollment.refresh_from_db()
    assert enrollment.infused_on == today


def test_enrollment_needs_a_valid_eligible_signature(protocol_version, patient_a, coordinator_a):
    patient_a.status = "eligible"  # the status alone is not a signature
    patient_a.save(update_fields=["status"])
    today = site_today(patient_a.site)
    with pytest.raises(ValidationError, match="signed eligible"):
        followup_services.enrollment_record(
            acting_user=coordinator_a, patient=patient_a, dose_level=Decimal("1.0"),
            planned_lymphodepletion_on=today + dt.timedelta(days=3), planned_infusion_on=today + dt.timedelta(days=5),
        )


def test_an_investigator_signs_with_their_name_in_chinese_characters_and_a_wrong_name_is_refused(
        candidate, investigator_a):
    StaffName.objects.create(user=investigator_a, name="李伟")
    with pytest.raises(ValidationError) as refused:
        sign(candidate, investigator_a, printed_name="王芳")
    assert "Inv_A Tester or 李伟" in " ".join(refused.value.message_dict["printed_name"])
    signature = sign(candidate, investigator_a, printed_name="李伟")
    assert signature.printed_name == "李伟"  # as typed: the manifestation shows the name the signer wrote
