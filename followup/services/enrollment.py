"""Enrollment: recording, changing and discontinuing it, and the reminder schedule it sets up.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followup import rules, treatment_dates
from followup.models import (
    Enrollment,
    Reminder,
    ReminderStatus,
)
from followup.selectors import (
    eligible_signature,
    enrollment_allowed,
    treatment_bounds,
)
from followup.services.common import (
    check_dates,
    checked_dose_level,
    queue_sweep_after_commit,
    require_role,
)
from patients.clock import site_today
from patients.models import Patient, PatientStatus
from patients.versioning import ensure_version
from screening.consent.selectors import reconsent_reasons
from screening.eligibility import Protocol
from screening.signoff.selectors import assess
from trial.audit import with_reason
from trial.models import Role
from trial.protocol_versions import protocol_for

logger = logging.getLogger(__name__)


# -- enrollment --------------------------------------------------------------------------------------------------


def _check_signed_result_is_current(patient: Patient, signature, today: dt.date) -> None:
    """The signature covers a result as of its day; enrollment acts on the candidate as of today. Refused when
    today's evaluation (the protocol version in force, the window counted back from today, decisions
    applied) is not eligible or differs from what was signed in any criterion's status."""
    assessment = assess(patient, today)
    signed = {c["code"]: c["status"] for c in signature.document["result"]["criteria"]}
    if assessment is None:
        raise ValidationError(_("No protocol is loaded for this trial: the criteria cannot be evaluated."))
    now = {c.code: str(c.status) for c in assessment.decided.criteria}
    differences = [f"{code}: {signed.get(code, '—')} → {now.get(code, '—')}"
                   for code in dict.fromkeys([*signed, *now]) if signed.get(code) != now.get(code)]
    if assessment.decided.overall != "eligible" or differences:
        raise ValidationError(_(
            "The signed result is no longer the current evaluation (today: %(overall)s; %(differences)s): an "
            "investigator must review and sign again before enrollment."
        ) % {"overall": assessment.decided.overall, "differences": "; ".join(differences) or "—"})


def enrollment_record(
    *,
    acting_user: AbstractBaseUser,
    patient: Patient,
    dose_level: Decimal | None = None,
    planned_lymphodepletion_on: dt.date,
    planned_infusion_on: dt.date,
    infused_on: dt.date | None = None,
    apheresis_on: dt.date | None = None,
) -> Enrollment:
    """Enroll a signed-eligible patient: dose level and dates; schedules the reminders the dates allow.

    Refused unless a valid eligible signature exists, the candidate is not on the re-consent worklist, and
    today's evaluation is still the signed result; no treatment date may precede the signature's day or the
    first consent (the database holds the same rule on the copies it keeps)."""
    require_role(acting_user, patient.site, Role.COORDINATOR)
    protocol = protocol_for(patient.site.trial)
    dose = checked_dose_level(dose_level, protocol)
    check_dates(site=patient.site, planned_lymphodepletion_on=planned_lymphodepletion_on,
                 planned_infusion_on=planned_infusion_on, infused_on=infused_on)
    with transaction.atomic(), with_reason("enrollment recorded"):
        # Locking the patient serialises a double submission (the second one finds the enrollment) and any
        # write the evaluation reads (those services lock the candidate too).
        patient = Patient.objects.select_for_update().select_related("site__trial").get(pk=patient.pk)
        if Enrollment.objects.filter(patient=patient).exists():
            raise ValidationError(_("This patient is already enrolled; change the enrollment instead."))
        signature = eligible_signature(patient)
        if signature is None:
            raise ValidationError(_("Only a patient signed eligible can be enrolled (status: %(status)s).") % {
                "status": patient.get_status_display(),
            })
        today = site_today(patient.site)
        if reasons := reconsent_reasons(patient, today):
            raise ValidationError(_(
                "%(number)s is on the re-consent worklist (%(reasons)s): record the new consent before enrollment."
            ) % {"number": patient.screening_number, "reasons": "; ".join(reasons)})
        _check_signed_result_is_current(patient, signature, today)
        bounds = treatment_bounds(patient, signature)
        dates = {"apheresis_on": apheresis_on, "planned_lymphodepletion_on": planned_lymphodepletion_on,
                 "planned_infusion_on": planned_infusion_on, "infused_on": infused_on}
        if problems := treatment_dates.problems(bounds, dates):
            raise ValidationError(problems)
        enrollment = Enrollment.objects.create(
            patient=patient,
            dose_level=dose,
            dose_unit=protocol.dose_levels.unit if protocol.dose_levels else "",
            eligibility_signed_on=bounds.signed_on,
            consented_on=bounds.consented_on,
            recorded_by=acting_user,
            **dates,
        )
        patient.status = PatientStatus.ENROLLED
        patient.save(update_fields=["status"])
        _schedule_reminders(enrollment=enrollment, protocol=protocol)
        queue_sweep_after_commit()
    return enrollment


ENROLLMENT_VERSIONED_FIELDS = ["dose_level", "apheresis_on", "planned_lymphodepletion_on", "planned_infusion_on",
                               "infused_on"]


def enrollment_update(
    *,
    acting_user: AbstractBaseUser,
    enrollment: Enrollment,
    version: int,
    reason: str,
    dose_level: Decimal | None = None,
    planned_lymphodepletion_on: dt.date,
    planned_infusion_on: dt.date,
    infused_on: dt.date | None,
    apheresis_on: dt.date | None = None,
) -> Enrollment:
    """Correct the dose or dates (with a reason); open reminders move to the new dates, done ones stay.
    No date may precede the signature the enrollment was recorded under, or the first consent.
    ``version`` is the one the form showed: a newer one raises ``StaleVersion`` with the other change."""
    patient = enrollment.patient
    require_role(acting_user, patient.site, Role.COORDINATOR)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the change.")})
    protocol = protocol_for(patient.site.trial)
    dose = checked_dose_level(dose_level, protocol)
    check_dates(site=patient.site, planned_lymphodepletion_on=planned_lymphodepletion_on,
                 planned_infusion_on=planned_infusion_on, infused_on=infused_on)
    with transaction.atomic(), with_reason(reason.strip()):
        enrollment = Enrollment.objects.select_for_update().select_related("patient__site").get(pk=enrollment.pk)
        ensure_version(enrollment, version, ENROLLMENT_VERSIONED_FIELDS)
        if not enrollment.is_active:
            raise ValidationError(_("The enrollment was discontinued; its dates can no longer change."))
        if enrollment.patient.status == PatientStatus.WITHDRAWN:
            raise ValidationError(_("The patient has withdrawn; the enrollment can no longer change."))
        if not enrollment_allowed(enrollment.patient):
            # A void signature stops further steps; what is recorded (an infusion) stands and is flagged.
            raise ValidationError(_(
                "The eligibility signature is void (data changed after signing): the enrollment can change "
                "again once an investigator has signed anew."
            ))
        dates = {"apheresis_on": apheresis_on, "planned_lymphodepletion_on": planned_lymphodepletion_on,
                 "planned_infusion_on": planned_infusion_on, "infused_on": infused_on}
        if problems := treatment_dates.problems(treatment_dates.Bounds.recorded_with(enrollment), dates):
            raise ValidationError(problems)
        enrollment.dose_level = dose
        for field, day in dates.items():
            setattr(enrollment, field, day)
        enrollment.save()
        _schedule_reminders(enrollment=enrollment, protocol=protocol)
        queue_sweep_after_commit()
    return enrollment


def enrollment_discontinue(
    *, acting_user: AbstractBaseUser, enrollment: Enrollment, discontinued_on: dt.date, reason: str
) -> Enrollment:
    """Stop the treatment course: the enrollment keeps its dates, every open reminder is cancelled."""
    patient = enrollment.patient
    require_role(acting_user, patient.site, Role.COORDINATOR, Role.INVESTIGATOR)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the discontinuation.")})
    if discontinued_on > site_today(patient.site):
        raise ValidationError({"discontinued_on": _("The discontinuation date cannot be in the future.")})
    with transaction.atomic(), with_reason(f"discontinued: {reason.strip()}"):
        enrollment = Enrollment.objects.select_for_update().select_related("patient__site").get(pk=enrollment.pk)
        if not enrollment.is_active:
            raise ValidationError(_("Already discontinued on %(date)s.") % {
                "date": f"{enrollment.discontinued_on:%Y-%m-%d}",
            })
        enrollment.discontinued_on = discontinued_on
        enrollment.discontinuation_reason = reason.strip()
        enrollment.save(update_fields=["discontinued_on", "discontinuation_reason"])
        _cancel_open(enrollment.patient, f"discontinued: {reason.strip()}")
    return enrollment


def reminders_cancel_for_patient(*, acting_user: AbstractBaseUser, patient: Patient, reason: str) -> int:
    """Cancel every open reminder of a patient (withdrawal); done ones stay. Returns how many were cancelled.

    Called by the withdrawal service inside its own transaction, so both commit or neither.
    """
    require_role(acting_user, patient.site, Role.COORDINATOR, Role.INVESTIGATOR)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for cancelling the reminders.")})
    with transaction.atomic(), with_reason(reason.strip()):
        return _cancel_open(patient, reason.strip())


def cancel_reminders_on_withdrawal(sender, *, patient: Patient, acting_user, reason: str, **kwargs) -> None:
    """Receiver of ``screening.consent.signals.candidate_withdrawn`` (connected in ``followup.apps``)."""
    reminders_cancel_for_patient(acting_user=acting_user, patient=patient, reason=reason)


def _cancel_open(patient: Patient, reason: str) -> int:
    return (
        Reminder.objects.open()
        .filter(patient=patient)
        .update(status=ReminderStatus.CANCELLED, cancelled_at=timezone.now(), cancel_reason=reason)
    )


def _schedule_reminders(*, enrollment: Enrollment, protocol: Protocol) -> rules.SchedulePlan:
    """Bring the patient's reminder rows in line with the enrollment's dates (inside the caller's transaction)."""
    patient = enrollment.patient
    wanted = rules.reminder_schedule(
        subject=rules.Subject(childbearing_potential=patient.childbearing_potential),
        lymphodepletion_on=enrollment.planned_lymphodepletion_on,
        infused_on=enrollment.infused_on,
        reminders=protocol.reminders,
    )
    stored = [
        rules.StoredReminder(r.pk, r.kind, r.sequence, r.due_date, r.status)
        for r in Reminder.objects.select_for_update().filter(patient=patient)
    ]
    plan = rules.plan_schedule_changes(stored, wanted)
    Reminder.objects.bulk_create(
        [Reminder(patient=patient, site_id=patient.site_id, kind=item.kind, sequence=item.sequence,
                  due_date=item.due_date)
         for item in plan.create]
    )
    for pk, due in plan.move:
        Reminder.objects.filter(pk=pk).update(
            due_date=due, status=ReminderStatus.PENDING, sent_at=None, overdue_at=None
        )
    for pk, due in plan.reinstate:
        Reminder.objects.filter(pk=pk).update(
            due_date=due, status=ReminderStatus.PENDING, sent_at=None, overdue_at=None, cancelled_at=None,
            cancel_reason="",
        )
    if plan.cancel:
        Reminder.objects.filter(pk__in=plan.cancel).update(
            status=ReminderStatus.CANCELLED, cancelled_at=timezone.now(),
            cancel_reason="no longer in the schedule after the enrollment dates changed",
        )
    return plan
