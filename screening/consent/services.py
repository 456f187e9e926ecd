"""Writes about consent: ICF versions, consents and their corrections, withdrawal.

Each service checks permission and rules inside one transaction, with the acting user and a reason on the
audit events. ``patient_withdraw`` is the one place a candidate is withdrawn: features that must react to a
withdrawal (cancelling reminders) hook in there, inside its transaction or with ``transaction.on_commit``.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.clock import site_date_of, site_today
from patients.models import Patient, PatientStatus
from patients.selectors import can_enter_data, site_staff
from patients.versioning import ensure_version
from screening.consent import rules, signals
from screening.consent.guards import ensure_open_for_entry
from screening.consent.selectors import version_dates
from screening.models import Consent, ICFVersion, Signer, Withdrawal
from screening.signoff.services import signature_void_if_changed
from trial.audit import with_reason
from trial.models import Site

CONSENT_FIELDS = [
    "icf_version", "signer", "guardian_name", "guardian_relationship", "signed_at", "signed_on", "obtained_by",
    "subject_can_read", "witness_name", "copy_given",
]


def _may_manage_icf(user, site: Site) -> bool:
    # Sponsor admins set up sites in the admin; coordinators keep their own site's forms up to date.
    return user.is_superuser or can_enter_data(user, site)


def icf_version_add(
    *,
    acting_user,
    site: Site,
    language: str,
    label: str,
    ethics_approved_on: date,
    effective_on: date,
    pdf: UploadedFile,
) -> ICFVersion:
    """Add a site's new ICF version; the previous one in that language is superseded from ``effective_on``."""
    if not _may_manage_icf(acting_user, site):
        raise PermissionDenied
    problem = rules.icf_file_problem(_head(pdf), pdf.size)
    if problem:
        raise ValidationError({"pdf": problem})
    pdf.seek(0)
    content = pdf.read()
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(f"ICF {label} added"):
        # The site row lock serialises version changes of one site; the partial unique constraint backs it.
        Site.objects.select_for_update().get(pk=site.pk)
        current = ICFVersion.objects.filter(site=site, language=language, superseded_on__isnull=True).first()
        problems = rules.new_version_problems(
            ethics_approved_on=ethics_approved_on,
            effective_on=effective_on,
            current=version_dates(current) if current else None,
            today=site_today(site),
        )
        if ICFVersion.objects.filter(site=site, language=language, label=label).exists():
            problems["label"] = _("Version %(label)s already exists for this site and language.") % {"label": label}
        if problems:
            raise ValidationError(problems)
        if current is not None:
            current.superseded_on = effective_on
            current.save(update_fields=["superseded_on"])
        version = ICFVersion(
            site=site, language=language, label=label, ethics_approved_on=ethics_approved_on,
            effective_on=effective_on, sha256=hashlib.sha256(content).hexdigest(), added_by=acting_user,
        )
        version.pdf.save(f"{label}.pdf", ContentFile(content), save=False)
        version.save()
    return version


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(len(rules.PDF_MAGIC))
    upload.seek(0)
    return head


def _consent_problems(
    *, patient: Patient, icf_version: ICFVersion, signer: str, guardian_name: str, guardian_relationship: str,
    signed_at: datetime, obtained_by, subject_can_read: bool, witness_name: str,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if icf_version.site_id != patient.site_id:
        problems["icf_version"] = _("This ICF version belongs to another site.")
    elif signed_at > timezone.now():
        problems["signed_on"] = _("The signing time is in the future.")
    else:
        problem = rules.signing_problem(
            signed_on=site_date_of(patient.site, signed_at), version=version_dates(icf_version),
            today=site_today(patient.site),
        )
        if problem:
            problems["signed_on"] = problem
    if signer == Signer.GUARDIAN:
        if not guardian_name.strip():
            problems["guardian_name"] = _("Give the guardian's name.")
        if not guardian_relationship.strip():
            problems["guardian_relationship"] = _("Give the guardian's relationship to the candidate.")
    if not subject_can_read and not witness_name.strip():
        problems["witness_name"] = _("An impartial witness is required when the subject cannot read.")
    if not site_staff(patient.site).filter(pk=obtained_by.pk).exists():
        problems["obtained_by"] = _("Consent is obtained by a coordinator or investigator of the candidate's site.")
    return problems


def _consent_values(*, patient: Patient, signer: str, guardian_name: str, guardian_relationship: str,
                    signed_at: datetime, subject_can_read: bool, witness_name: str, **rest) -> dict:
    guardian = signer == Signer.GUARDIAN
    return {
        **rest,
        "signer": signer,
        # A patient's own signature names no guardian; a reader's consent needs no witness.
        "guardian_name": guardian_name.strip() if guardian else "",
        "guardian_relationship": guardian_relationship.strip() if guardian else "",
        "signed_at": signed_at,
        "signed_on": site_date_of(patient.site, signed_at),
        "subject_can_read": subject_can_read,
        "witness_name": "" if subject_can_read else witness_name.strip(),
    }


def consent_record(
    *,
    acting_user,
    patient: Patient,
    icf_version: ICFVersion,
    signer: str,
    guardian_name: str = "",
    guardian_relationship: str = "",
    signed_at: datetime,
    obtained_by,
    subject_can_read: bool = True,
    witness_name: str = "",
    copy_given: bool,
) -> Consent:
    """Record a signed consent on the ICF version current at the site on the signing date."""
    if not can_enter_data(acting_user, patient.site):
        raise PermissionDenied
    fields = dict(
        icf_version=icf_version, signer=signer, guardian_name=guardian_name,
        guardian_relationship=guardian_relationship, signed_at=signed_at, obtained_by=obtained_by,
        subject_can_read=subject_can_read, witness_name=witness_name,
    )
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason("consent recorded"):
        patient = Patient.objects.select_for_update().select_related("site").get(pk=patient.pk)
        ensure_open_for_entry(patient)
        problems = _consent_problems(patient=patient, **fields)
        if problems:
            raise ValidationError(problems)
        consent = Consent.objects.create(
            patient=patient, recorded_by=acting_user, copy_given=copy_given,
            **_consent_values(patient=patient, **fields),
        )
        # A re-consent changes the signer or ICF version in the facts: a signature that used them is void.
        signature_void_if_changed(patient=patient, acting_user=acting_user)
        return consent


def consent_update(
    *,
    acting_user,
    consent: Consent,
    version: int,
    reason: str,
    icf_version: ICFVersion,
    signer: str,
    guardian_name: str = "",
    guardian_relationship: str = "",
    signed_at: datetime,
    obtained_by,
    subject_can_read: bool = True,
    witness_name: str = "",
    copy_given: bool,
) -> Consent:
    """Correct a recorded consent; ``version`` is the one the form showed, ``reason`` goes on the audit event."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if not can_enter_data(acting_user, consent.patient.site):
        raise PermissionDenied
    fields = dict(
        icf_version=icf_version, signer=signer, guardian_name=guardian_name,
        guardian_relationship=guardian_relationship, signed_at=signed_at, obtained_by=obtained_by,
        subject_can_read=subject_can_read, witness_name=witness_name,
    )
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(reason.strip()):
        consent = Consent.objects.select_for_update().select_related("patient__site").get(pk=consent.pk)
        ensure_version(consent, version, CONSENT_FIELDS)
        ensure_open_for_entry(consent.patient)
        problems = _consent_problems(patient=consent.patient, **fields)
        if problems:
            raise ValidationError(problems)
        values = _consent_values(patient=consent.patient, copy_given=copy_given, **fields)
        for name, value in values.items():
            setattr(consent, name, value)
        consent.save()
        consent.refresh_from_db(fields=["version"])  # bumped by the database trigger
        signature_void_if_changed(patient=consent.patient, acting_user=acting_user)
    return consent


def patient_withdraw(*, acting_user, patient: Patient, withdrawn_on: date, reason: str) -> Withdrawal:
    """Withdraw a candidate: record date and reason, set the status; nothing entered before is touched.

    Afterwards ``screening.consent.guards.ensure_open_for_entry`` refuses any further data entry."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    if not can_enter_data(acting_user, patient.site):
        raise PermissionDenied
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(f"withdrawal: {reason.strip()}"):
        patient = Patient.objects.select_for_update().select_related("site").get(pk=patient.pk)
        ensure_open_for_entry(patient)
        if withdrawn_on > site_today(patient.site):
            raise ValidationError({"withdrawn_on": _("The withdrawal date %(date)s is in the future.") % {
                "date": withdrawn_on.isoformat(),
            }})
        first = patient.consents.order_by("signed_at").first()
        if first is not None and withdrawn_on < first.signed_on:
            raise ValidationError({"withdrawn_on": _(
                "The withdrawal date %(date)s is before consent signed on %(consent)s."
            ) % {"date": withdrawn_on.isoformat(), "consent": first.signed_on.isoformat()}})
        withdrawal = Withdrawal.objects.create(
            patient=patient, withdrawn_on=withdrawn_on, reason=reason.strip(), recorded_by=acting_user
        )
        patient.status = PatientStatus.WITHDRAWN
        patient.save(update_fields=["status"])
        # The follow-up reminders end with the withdrawal, in the same transaction (follow-up's receiver).
        signals.candidate_withdrawn.send(sender=Patient, patient=patient, acting_user=acting_user,
                                         reason=f"withdrawal: {reason.strip()}")
        # The facts now carry the withdrawal date (I01): the signature, if any, is void, kept as history.
        signature_void_if_changed(patient=patient, acting_user=acting_user)
    return withdrawal
