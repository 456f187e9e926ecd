"""Writes of the eligibility sign-off: decisions on review items, the signature, and voiding it when the
data it rests on changes.

``signature_void_if_changed`` is called by every service that writes data the evaluation reads (screening
records, attestations, consent, withdrawal, candidate corrections, decisions) directly at the end of its
atomic block, not in ``transaction.on_commit``: the void then commits with the change or not at all, so
there is no moment where changed data is committed under a signature that still reads valid (an
enrollment could slip into that gap), and the candidate row those services lock already serialises the
check with signing. Only the email to the investigators waits for the commit.
"""

from __future__ import annotations

import logging

import pghistory
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp import user_has_device

from patients.clock import site_today
from patients.models import Patient, PatientStatus
from screening.consent.guards import ensure_open_for_entry
from screening.consent.selectors import current_consent, reconsent_reasons
from screening.eligibility import Status
from screening.eligibility.general.naming import names_in
from screening.models import (
    DecisionVerdict,
    EligibilityDecision,
    EligibilitySignature,
    SignatureOutcome,
    SignatureStatus,
)
from screening.signoff import rules
from screening.signoff.selectors import assess
from screening.signoff.summaries import summary_forget
from trial.audit import with_reason
from trial.audit.search import open_queries
from trial.models import ProtocolVersion, Role
from trial.otp_throttle import checked_code
from trial.protocol_versions import protocol_of
from trial.selectors import has_role, names_of, staff_emails
from trial.two_factor import requires_two_factor

logger = logging.getLogger(__name__)

# Statuses the sign-off sets and a void takes back; an enrolled or withdrawn candidate keeps their status.
_DECIDED = {PatientStatus.SCREENING, PatientStatus.ELIGIBLE, PatientStatus.SCREEN_FAILED}


class AlreadySigned(ValidationError):
    """A valid signature exists (a double submission, or another investigator was quicker)."""

    def __init__(self, signature: EligibilitySignature) -> None:
        super().__init__(
            _("%(number)s is already signed (%(outcome)s, %(when)s UTC by %(name)s).") % {
                "number": signature.patient.screening_number, "outcome": signature.outcome,
                "when": f"{signature.signed_at:%Y-%m-%d %H:%M}", "name": signature.printed_name,
            },
            code="already_signed",
        )
        self.signature = signature


def can_sign(user, patient: Patient) -> bool:
    """Signing and decisions are the investigator's: investigators of the candidate's own site only."""
    return has_role(user, Role.INVESTIGATOR, patient.site)


def _lock(patient: Patient) -> Patient:
    return Patient.objects.select_for_update().select_related("site__trial").get(pk=patient.pk)


# -- decisions ---------------------------------------------------------------------------------------------


def decision_record(
    *, acting_user, patient: Patient, criterion_code: str, verdict: str, comment: str
) -> EligibilityDecision:
    """Decide a ``needs_review`` criterion met or not met, with a comment. A later decision on the same
    criterion replaces it (the audit trail keeps the earlier one); on a signed candidate a changed decision
    voids the signature."""
    if not can_sign(acting_user, patient):
        raise PermissionDenied
    comment = comment.strip()
    problems = {}
    if verdict not in DecisionVerdict.values:
        problems["verdict"] = _("Choose met or not met.")
    if not comment:
        problems["comment"] = _("Give the reason for the decision.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), pghistory.context(user=acting_user.pk), \
            with_reason(f"eligibility decision {criterion_code}: {verdict}"):
        patient = _lock(patient)
        ensure_open_for_entry(patient)
        assessment = assess(patient)
        if assessment is None:
            raise ValidationError(_("No protocol is loaded for this trial: the criteria cannot be evaluated."))
        criterion = next((c for c in assessment.decided.criteria if c.code == criterion_code), None)
        if criterion is None:
            raise ValidationError({"criterion_code": _("%(code)s is not a criterion of the protocol.") % {
                "code": criterion_code,
            }})
        if criterion.engine_status != Status.NEEDS_REVIEW:
            raise ValidationError(
                _("%(code)s is not awaiting an investigator's decision (its status is %(status)s).") % {
                    "code": criterion_code, "status": criterion.engine_status,
                }
            )
        decision, _created = EligibilityDecision.objects.update_or_create(
            patient=patient, criterion_code=criterion_code,
            defaults={"verdict": verdict, "comment": comment, "decided_by": acting_user,
                      "decided_at": timezone.now()},
        )
        signature_void_if_changed(patient=patient, acting_user=acting_user)
    return decision


# -- signing -----------------------------------------------------------------------------------------------


def _check_credentials(user, *, password: str, otp_token: str, request: HttpRequest) -> None:
    """The signer proves again who they are at the moment of signing: password, then the one-time code.

    ``authenticate`` (with the request) runs the whole login machinery: a wrong password sends
    ``user_login_failed`` (an AuthEvent ``login_failed``) and counts toward the django-axes lockout. Runs
    outside any transaction the caller might roll back, so the failure stays recorded."""
    if authenticate(request, username=user.get_username(), password=password) is None:
        raise ValidationError({"password": _("The password is not correct; nothing was signed.")}, code="password")
    if user_has_device(user) or requires_two_factor(user):
        device, refused = checked_code(user, otp_token)
        if refused:
            raise ValidationError({"otp_token": refused + " " + _("Nothing was signed.")}, code="otp")
        if device is None:
            raise ValidationError({"otp_token": _("The authentication code is not valid; nothing was signed.")},
                                  code="otp")


def _check_printed_name(user, printed_name: str) -> str:
    printed = " ".join(printed_name.split())
    if not printed:
        raise ValidationError({"printed_name": _("Type your name as it should appear on the signature.")})
    names = names_of(user)
    if names and not rules.printed_name_matches(printed, names):
        raise ValidationError({"printed_name": _("Type your name as on your account: %(name)s.") % {
            "name": _(" or ").join(names)}})
    return printed


def signature_sign(
    *,
    acting_user,
    patient: Patient,
    printed_name: str,
    password: str,
    otp_token: str,
    request: HttpRequest,
    shown_sha256: str = "",
    language: str = "",
) -> EligibilitySignature:
    """Sign the candidate's eligibility result as it stands today (decisions applied).

    Refused unless the signer is an investigator of the site, re-enters password and one-time code, the
    result is ``eligible`` or ``not_eligible``, consent is current and no data query is open. With
    ``shown_sha256`` (the hash of what the signing page showed, required) a result that changed in between is
    refused.
    ``language``: the one the page showed the meaning in (default: the active one); the meaning is stored in
    it, and the checklist PDF of the signature is printed in it.
    A second submission raises ``AlreadySigned``: one candidate holds at most one valid signature."""
    if not can_sign(acting_user, patient):
        raise PermissionDenied
    existing = EligibilitySignature.objects.filter(patient=patient, status=SignatureStatus.VALID).first()
    if existing is not None:
        raise AlreadySigned(existing)
    if not rules.is_sha256(shown_sha256):
        # One signs what one was shown: a request that does not say what that was is not signed.
        raise ValidationError(_("The page did not say which result it showed: open the sign-off page again and "
                                "review the result before signing; nothing was signed."), code="no_shown_hash")
    printed = _check_printed_name(acting_user, printed_name)
    _check_credentials(acting_user, password=password, otp_token=otp_token, request=request)
    try:
        with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason("eligibility signed"):
            return _sign_locked(acting_user, patient, printed, shown_sha256, _signing_language(language))
    except IntegrityError:
        # The partial unique index caught a concurrent signature the lock did not (belt and braces).
        existing = EligibilitySignature.objects.filter(patient=patient, status=SignatureStatus.VALID).first()
        if existing is None:
            raise
        raise AlreadySigned(existing) from None


def _signing_language(language: str) -> str:
    """A code of ``settings.LANGUAGES``: the one given, else the active one."""
    try:
        return translation.get_supported_language_variant(language or translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def _sign_locked(acting_user, patient: Patient, printed: str, shown_sha256: str, language: str) -> EligibilitySignature:

    patient = _lock(patient)
    existing = EligibilitySignature.objects.filter(patient=patient, status=SignatureStatus.VALID).first()
    if existing is not None:
        raise AlreadySigned(existing)
    today = site_today(patient.site)
    assessment = assess(patient, today)
    if assessment is None:
        raise ValidationError(_("No protocol is loaded for this trial: the criteria cannot be evaluated."))
    decided = assessment.decided
    problems = rules.signing_problems(
        overall=decided.overall, missing=decided.missing, consent_current=current_consent(patient) is not None,
        reconsent_reasons=reconsent_reasons(patient, today), open_queries=open_queries(patient).count(),
    )
    if problems:
        raise ValidationError(problems, code="not_signable")
    if shown_sha256 != assessment.sha256:
        raise ValidationError(_("The result changed since this page was opened: review it again before signing."),
                              code="changed")
    outcome = decided.overall
    signature = EligibilitySignature.objects.create(
        patient=patient, signer=acting_user, printed_name=printed, signed_at=timezone.now(), outcome=outcome,
        meaning=rules.meaning_of(outcome, language), language=language,
        protocol_version=assessment.protocol_version, evaluated_on=today,
        document=assessment.document, sha256=assessment.sha256,
        screen_failure_reasons=decided.failed_codes if outcome == SignatureOutcome.NOT_ELIGIBLE else [],
    )
    if patient.status in _DECIDED:
        patient.status = PatientStatus.ELIGIBLE if outcome == SignatureOutcome.ELIGIBLE else PatientStatus.SCREEN_FAILED
        patient.save(update_fields=["status"])
    return signature


# -- void on change ----------------------------------------------------------------------------------------


def signature_void_if_changed(*, patient: Patient, acting_user) -> EligibilitySignature | None:
    """Void the candidate's valid signature if anything the signed evaluation used now reads differently.

    Call inside the writing service's transaction, after its save (module docstring). The facts are rebuilt
    as of the signing date under the signed protocol version (the validity window counts back from that
    date) and compared with the signed document (``rules.changes_between``). Returns the voided signature,
    or None when there was none or nothing that matters changed. The void row keeps the signed content;
    the investigators of the site are alerted on their dashboard and by email.

    The worklists' summary of the candidate goes too and is written again after the commit
    (``summaries.summary_forget``): every write the evaluation reads passes here."""
    summary_forget(patient)
    # of=self: the protocol version joined in is append-only, and a lock on it needs UPDATE on its table.
    signature = (EligibilitySignature.objects.select_for_update(of=("self",))
                 .filter(patient=patient, status=SignatureStatus.VALID).select_related("protocol_version").first())
    if signature is None:
        return None
    patient = Patient.objects.select_related("site__trial", "site__hospital").get(pk=patient.pk)
    assessment = assess(patient, signature.evaluated_on, signature.protocol_version)
    changes = rules.changes_between(signature.document, assessment.document, _names(signature.protocol_version))
    if not changes:
        return None
    _end(signature, patient, SignatureStatus.VOID, rules.VOID_REASON, changes, acting_user)
    return signature


def _names(version: ProtocolVersion):
    """The protocol's names of its codes, for the change lines (stored in English, as the signed record is)."""
    return names_in(protocol_of(version), "en")


def _end(signature: EligibilitySignature, patient: Patient, status: str, reason: str, changes: list[str],
         acting_user, superseded_by: ProtocolVersion | None = None) -> None:
    """Turn a valid signature void or superseded, keeping its signed content; the candidate is back in
    screening and the site's investigators are told (dashboard alert now, email after the commit)."""
    signature.status = status
    signature.void_reason = reason
    signature.void_changes = changes
    signature.voided_at = timezone.now()
    signature.voided_by = acting_user if getattr(acting_user, "pk", None) else None
    signature.superseded_by = superseded_by
    signature.save(update_fields=["status", "void_reason", "void_changes", "voided_at", "voided_by",
                                  "superseded_by"])
    if patient.status in (PatientStatus.ELIGIBLE, PatientStatus.SCREEN_FAILED):
        patient.status = PatientStatus.SCREENING
        patient.save(update_fields=["status"])
    signature_pk = signature.pk
    transaction.on_commit(lambda: _email_void(signature_pk))


# -- protocol amendments -----------------------------------------------------------------------------------


def signatures_recheck_for_amendment(*, version: ProtocolVersion, acting_user=None) -> list[EligibilitySignature]:
    """Re-evaluate every valid signature of ``version``'s trial whose candidate is not yet infused, under
    ``version``, as of the signing date. Where the verdict, a criterion's status, the data it reads or the
    criteria themselves differ, the signature is superseded by ``version`` with the difference listed, and
    the candidate must be signed again. A signature already under ``version`` (or a later one) is left.

    Called when a version is loaded (``trial.protocol_versions``) and by ``manage.py recheck_signatures``
    (daily by beat), so a version that takes effect later is applied on the day it does. Each candidate in
    its own transaction, under the candidate's row lock as every write the evaluation reads."""
    # Through the relation, not followup's model: follow-up builds on screening.
    infused = Patient.objects.filter(enrollment__infused_on__isnull=False).values("pk")
    # Read again under each candidate's lock: an infusion recorded meanwhile leaves the signature alone.
    pending = (EligibilitySignature.objects
               .filter(status=SignatureStatus.VALID, protocol_version__number__lt=version.number)
               .exclude(patient_id__in=infused))
    candidates = pending.filter(patient__site__trial=version.trial).values_list("patient_id", flat=True)
    reason = f"protocol {version.trial.code} version {version.label} (no. {version.number}) loaded"
    superseded = []
    for patient_id in list(candidates):
        with transaction.atomic(), pghistory.context(user=getattr(acting_user, "pk", None)), with_reason(reason):
            patient = _lock(Patient(pk=patient_id))
            signature = pending.filter(patient=patient).select_for_update(of=("self",)).first()
            if signature is None:
                continue
            amended = assess(patient, signature.evaluated_on, version)
            changes = rules.amendment_changes(signature.document, amended.document, _names(version))
            if changes:
                _end(signature, patient, SignatureStatus.SUPERSEDED, rules.SUPERSEDED_REASON, changes, acting_user,
                     superseded_by=version)
                superseded.append(signature)
    return superseded


def _email_void(signature_pk: int) -> None:
    """Tell the site's investigators; the dashboard alert is the record, so a mail failure is logged only."""
    signature = (EligibilitySignature.objects.select_related("patient__site__trial", "patient__site__hospital", "superseded_by")
                 .get(pk=signature_pk))
    patient = signature.patient
    recipients = staff_emails(patient.site, [Role.INVESTIGATOR])
    if not recipients:
        return
    # Screening number only: email leaves the portal, direct identifiers never do. In the site's language:
    # one message goes to all of its investigators.
    with translation.override(patient.site.default_language):
        facts = {
            "number": patient.screening_number, "site": patient.site.code, "outcome": signature.outcome,
            "when": f"{signature.signed_at:%Y-%m-%d %H:%M}", "name": signature.printed_name,
        }
        if signature.superseded_by is not None:
            headline = _("The eligibility signature of %(number)s (site %(site)s), %(outcome)s signed %(when)s UTC "
                         "by %(name)s, is superseded by protocol version %(version)s.") % {
                **facts, "version": signature.superseded_by.label}
        else:
            headline = _("The eligibility signature of %(number)s (site %(site)s), %(outcome)s signed %(when)s UTC by "
                         "%(name)s, is void: data changed after signing.") % facts
        lines = [
            headline,
            "",
            _("What changed:"),
            *(f"- {change}" for change in signature.void_changes),
            "",
            _("Review and sign again: %(url)s") % {"url": reverse("signoff_sign", args=[patient.pk])},
        ]
        subject = _("[%(trial)s] Signature void: %(number)s") % {
            "trial": patient.site.trial.code, "number": patient.screening_number}
    try:
        send_mail(subject, "\n".join(lines), None, recipients)
    except Exception:  # noqa: BLE001 - the alert stands on the dashboard; the mail server is not ours
        logger.exception("could not email the void of signature %s", signature_pk)
