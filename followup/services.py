"""Every write of the follow-up: enrollment, the reminder schedule, completing reminders, urgent alerts,
calendar tokens, and the sweep that announces due reminders.

Delivery is at-most-once per due date: due reminders are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``,
marked sent and emailed as one digest per site in that same transaction; if the worker dies before the
commit, the rows are still pending and the next sweep sends them (a mail server that accepted a digest
just before the crash is the one window left, and the Message-ID is derived from the reminders and due
dates so a mail client can fold such a duplicate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followup import queue, rules, treatment_dates
from followup.models import (
    AlertKind,
    CalendarFeedToken,
    Enrollment,
    PregnancyTestResult,
    Reminder,
    ReminderKind,
    ReminderStatus,
    UrgentAlert,
)
from followup.selectors import (
    eligible_signature,
    enrollment_allowed,
    treatment_bounds,
)
from patients.clock import site_today
from patients.models import Patient, PatientStatus
from patients.versioning import ensure_version
from screening.consent.selectors import reconsent_reasons
from screening.eligibility import Protocol
from screening.signoff.selectors import assess
from trial.audit import with_reason
from trial.models import Role, Site
from trial.protocol_versions import NoProtocolLoaded, protocol_for
from trial.selectors import has_role, staff_emails

logger = logging.getLogger(__name__)


# -- permissions and protocol checks -----------------------------------------------------------------------------


def _require_role(user: AbstractBaseUser, site: Site, *roles: str) -> None:
    if not any(has_role(user, role, site) for role in roles):
        raise PermissionDenied(f"only a {' or '.join(roles)} of site {site.code} may do this")


def _dose_level(value: Decimal | None, protocol: Protocol) -> Decimal | None:
    """The dose level as the protocol writes it; none for a trial whose protocol declares no dose levels."""
    if protocol.dose_levels is None:
        if value is not None:
            raise ValidationError({"dose_level": _("The protocol declares no dose levels.")})
        return None
    if value is None:
        raise ValidationError({"dose_level": _("Choose the dose level.")})
    for level in protocol.dose_levels.levels:
        if Decimal(str(level)) == value:
            return Decimal(str(level))
    allowed = ", ".join(f"{level:g}" for level in protocol.dose_levels.levels)
    raise ValidationError({"dose_level": _("Not a dose level of the protocol (%(allowed)s %(unit)s).") % {
        "allowed": allowed, "unit": protocol.dose_levels.unit,
    }})


def _check_dates(
    *, site: Site, planned_lymphodepletion_on: dt.date, planned_infusion_on: dt.date, infused_on: dt.date | None
) -> None:
    errors = {}
    if planned_infusion_on < planned_lymphodepletion_on:
        errors["planned_infusion_on"] = _("The infusion cannot be planned before lymphodepletion.")
    if infused_on is not None:
        if infused_on > site_today(site):
            errors["infused_on"] = _("The infusion date cannot be in the future; record it once it has happened.")
        elif infused_on < planned_lymphodepletion_on:
            errors["infused_on"] = _(
                "The infusion cannot precede lymphodepletion; correct the lymphodepletion date first."
            )
    if errors:
        raise ValidationError(errors)


def _queue_sweep_after_commit() -> None:
    # Reminders due today go out within seconds instead of at the next beat; best effort, never blocking.
    transaction.on_commit(queue.enqueue_sweep)


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
    _require_role(acting_user, patient.site, Role.COORDINATOR)
    protocol = protocol_for(patient.site.trial)
    dose = _dose_level(dose_level, protocol)
    _check_dates(site=patient.site, planned_lymphodepletion_on=planned_lymphodepletion_on,
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
        _queue_sweep_after_commit()
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
    _require_role(acting_user, patient.site, Role.COORDINATOR)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the change.")})
    protocol = protocol_for(patient.site.trial)
    dose = _dose_level(dose_level, protocol)
    _check_dates(site=patient.site, planned_lymphodepletion_on=planned_lymphodepletion_on,
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
        _queue_sweep_after_commit()
    return enrollment


def enrollment_discontinue(
    *, acting_user: AbstractBaseUser, enrollment: Enrollment, discontinued_on: dt.date, reason: str
) -> Enrollment:
    """Stop the treatment course: the enrollment keeps its dates, every open reminder is cancelled."""
    patient = enrollment.patient
    _require_role(acting_user, patient.site, Role.COORDINATOR, Role.INVESTIGATOR)
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
    _require_role(acting_user, patient.site, Role.COORDINATOR, Role.INVESTIGATOR)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for cancelling the reminders.")})
    with transaction.atomic(), with_reason(reason.strip()):
        return _cancel_open(patient, reason.strip())


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


# -- completing reminders ------------------------------------------------------------------------------------------


def _lock_open(acting_user: AbstractBaseUser, reminder: Reminder) -> Reminder:
    reminder = Reminder.objects.select_for_update(of=("self",)).select_related("patient__site__trial", "patient__site__hospital").get(pk=reminder.pk)
    _require_role(acting_user, reminder.patient.site, Role.COORDINATOR)
    if reminder.status == ReminderStatus.DONE:
        completed = timezone.localtime(reminder.completed_at)
        raise ValidationError(_("This reminder was already completed on %(when)s.") % {
            "when": f"{completed:%Y-%m-%d %H:%M}",
        })
    if reminder.status == ReminderStatus.CANCELLED:
        raise ValidationError(_("This reminder was cancelled (%(reason)s).") % {"reason": reminder.cancel_reason})
    return reminder


def _finish(reminder: Reminder, acting_user: AbstractBaseUser, fields: list[str]) -> None:
    reminder.status = ReminderStatus.DONE
    reminder.completed_by = acting_user
    reminder.completed_at = timezone.now()
    reminder.save(update_fields=["status", "completed_by", "completed_at", *fields])


def _raise_alert(reminder: Reminder, kind: AlertKind) -> UrgentAlert:
    alert = UrgentAlert.objects.create(patient=reminder.patient, reminder=reminder, kind=kind)
    _queue_sweep_after_commit()  # the sweep emails the investigators
    return alert


def reminder_complete_pregnancy_test(
    *, acting_user: AbstractBaseUser, reminder: Reminder, result: str, tested_on: dt.date
) -> Reminder:
    """Record the serum pregnancy test a reminder asked for; a positive result alerts the investigators."""
    result = PregnancyTestResult(result)
    with transaction.atomic(), with_reason(f"pregnancy test recorded: {result.label}"):
        reminder = _lock_open(acting_user, reminder)
        if not reminder.is_pregnancy_test:
            raise ValidationError(_("This reminder is not a pregnancy test."))
        if tested_on > site_today(reminder.patient.site):
            raise ValidationError({"tested_on": _("The test date cannot be in the future.")})
        reminder.pregnancy_test_result = result
        reminder.pregnancy_test_on = tested_on
        _finish(reminder, acting_user, ["pregnancy_test_result", "pregnancy_test_on"])
        if result == PregnancyTestResult.POSITIVE:
            _raise_alert(reminder, AlertKind.POSITIVE_PREGNANCY_TEST)
    return reminder


def reminder_complete_contraception_checkin(
    *, acting_user: AbstractBaseUser, reminder: Reminder, method_in_use: bool, method: str
) -> Reminder:
    """Record whether contraception is still in use, and the method; "no" alerts the investigators."""
    with transaction.atomic(), with_reason(f"contraception check-in: {'in use' if method_in_use else 'NOT in use'}"):
        reminder = _lock_open(acting_user, reminder)
        if reminder.kind != ReminderKind.CONTRACEPTION_CHECKIN:
            raise ValidationError(_("This reminder is not a contraception check-in."))
        protocol = protocol_for(reminder.patient.site.trial)
        if method and method not in protocol.contraception_methods:
            raise ValidationError({"method": _("Not a contraception method the protocol accepts.")})
        if method_in_use and not method:
            raise ValidationError({"method": _("Name the method in use.")})
        reminder.contraception_in_use = method_in_use
        reminder.contraception_method = method
        _finish(reminder, acting_user, ["contraception_in_use", "contraception_method"])
        if not method_in_use:
            _raise_alert(reminder, AlertKind.CONTRACEPTION_STOPPED)
    return reminder


def reminder_complete_notice(*, acting_user: AbstractBaseUser, reminder: Reminder) -> Reminder:
    """Confirm the subject was told that the one-year contraception requirement has ended."""
    with transaction.atomic(), with_reason("end of the contraception requirement told to the subject"):
        reminder = _lock_open(acting_user, reminder)
        if reminder.kind != ReminderKind.CONTRACEPTION_END_NOTICE:
            raise ValidationError(_("This reminder needs a result; use its own form."))
        _finish(reminder, acting_user, [])
    return reminder


def alert_acknowledge(*, acting_user: AbstractBaseUser, alert: UrgentAlert) -> UrgentAlert:
    with transaction.atomic(), with_reason("urgent alert acknowledged"):
        alert = UrgentAlert.objects.select_for_update(of=("self",)).select_related("patient__site__trial", "patient__site__hospital").get(pk=alert.pk)
        _require_role(acting_user, alert.patient.site, Role.INVESTIGATOR)
        if alert.acknowledged_at is None:
            alert.acknowledged_by = acting_user
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


# -- calendar feed tokens ------------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def calendar_token_issue(*, acting_user: AbstractBaseUser) -> str:
    """A new secret for the user's calendar feed; the previous one stops working. Returns the secret,
    which is not stored (only its hash)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic(), with_reason("calendar feed address issued"):
        _revoke_tokens(acting_user)
        CalendarFeedToken.objects.create(user=acting_user, token_sha256=token_digest(token))
    return token


def calendar_token_revoke(*, acting_user: AbstractBaseUser) -> int:
    with transaction.atomic(), with_reason("calendar feed address revoked"):
        return _revoke_tokens(acting_user)


def _revoke_tokens(user: AbstractBaseUser) -> int:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


# -- the sweep ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    sent: int
    overdue: int
    alerts_emailed: int


def reminders_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Announce what fell due: overdue reminders first (coordinators and investigators), then reminders due
    today or earlier (coordinators), then unsent urgent alerts (investigators). Safe to run concurrently."""
    now = now or timezone.now()
    sent = overdue = 0
    protocols: dict[int, Protocol] = {}
    for site in Site.objects.select_related("trial").order_by("pk"):
        try:
            protocol = protocols.get(site.trial_id) or protocol_for(site.trial)
        except NoProtocolLoaded:
            logger.error("followup sweep: site %s skipped, no protocol loaded for %s", site.code, site.trial.code)
            continue
        protocols[site.trial_id] = protocol
        today = site_today(site, now)
        if protocol.reminders is not None:  # a protocol without reminder schedules has nothing to chase
            overdue_cutoff = rules.overdue_cutoff(today, protocol.reminders.overdue_after_days)
            open_statuses = [ReminderStatus.PENDING, ReminderStatus.SENT]
            overdue += _announce_due(site, open_statuses, overdue_cutoff, ReminderStatus.OVERDUE, now)
        sent += _announce_due(site, [ReminderStatus.PENDING], today, ReminderStatus.SENT, now)
    alerts = 0
    while _email_one_alert(now):
        alerts += 1
    return SweepResult(sent, overdue, alerts)


def _announce_due(
    site: Site, statuses: list[str], due_on_or_before: dt.date, new_status: str, now: dt.datetime
) -> int:
    """Announce every reminder of ``site`` due by then, a digest of at most ``REMINDERS_PER_MESSAGE`` per
    transaction; returns how many.

    The due ids are listed by one index scan per round, then claimed by id in chunks. (Claiming "the site's
    first due row" each time rescanned every other site's due rows: 17 ms a claim at 100,000 due reminders,
    see the README's Benchmarks.) A claim still skips locked rows and re-checks the status, so concurrent
    sweeps share the work and never announce a row twice. Rounds repeat until one claims nothing: a row
    another sweep rolled back is picked up, one that stays locked is left to the next sweep."""
    announced = 0
    while True:
        due = list(
            Reminder.objects.filter(site=site, status__in=statuses, due_date__lte=due_on_or_before)
            .order_by("due_date", "pk")
            .values_list("pk", flat=True)
        )
        chunks = [due[start:start + REMINDERS_PER_MESSAGE] for start in range(0, len(due), REMINDERS_PER_MESSAGE)]
        claimed = sum(_announce_digest(pks, statuses, due_on_or_before, new_status, site, now) for pks in chunks)
        announced += claimed
        if not claimed:
            return announced


# One message per claim: the coordinators of a site that fell behind get a few digests, not a thousand mails,
# and a sweep commits once per digest instead of once per reminder (about 1.4 ms a reminder instead of 6 ms
# at 100,000 due, most of it now the audit triggers; README "Benchmarks"). The window #7 accepts stays one
# message: a crash after the mail server took a digest but before the commit re-sends that digest, with the
# same Message-ID.
REMINDERS_PER_MESSAGE = 100


def _announce_digest(
    pks: list[int], statuses: list[str], due_on_or_before: dt.date, new_status: str, site: Site, now: dt.datetime
) -> int:
    """Claim the reminders ``pks`` that are still due in ``statuses`` and not locked by another sweep, mark
    them, email one digest of them, all in one transaction; returns how many it claimed."""
    reason = "reminder overdue: investigators told" if new_status == ReminderStatus.OVERDUE else "reminder sent"
    with transaction.atomic(), with_reason(reason):
        reminders = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient")
            .filter(pk__in=pks, status__in=statuses, due_date__lte=due_on_or_before)
            .order_by("due_date", "patient__screening_number", "kind", "sequence")
        )
        if not reminders:
            return 0
        stamp = {"overdue_at": now} if new_status == ReminderStatus.OVERDUE else {"sent_at": now}
        # One UPDATE for the digest; the row locks held since the claim keep every status as read.
        claimed = Reminder.objects.filter(pk__in=[r.pk for r in reminders], status__in=statuses)
        claimed.update(status=new_status, **stamp)
        _simulate_slow_mail_server()
        roles = [Role.COORDINATOR, Role.INVESTIGATOR] if new_status == ReminderStatus.OVERDUE else [Role.COORDINATOR]
        _send(_reminder_email(reminders, site, new_status, staff_emails(site, roles)))
    return len(reminders)


def _email_one_alert(now: dt.datetime) -> bool:
    with transaction.atomic():
        alert = (
            UrgentAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient__site__trial", "patient__site__hospital", "reminder")
            .filter(emailed_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if alert is None:
            return False
        if not UrgentAlert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(emailed_at=now):
            return True
        site = alert.patient.site
        _send(_alert_email(alert, staff_emails(site, [Role.INVESTIGATOR])))
    return True


def _simulate_slow_mail_server() -> None:
    # Test-only (default 0): widens the claim-to-commit window so a test can kill a worker inside it.
    delay_ms = settings.FOLLOWUP_DELIVERY_DELAY_MS
    if delay_ms:
        time.sleep(delay_ms / 1000)


def _send(message: EmailMessage) -> None:
    if not message.to:
        logger.warning("followup: no recipient with an email address for %r; shown on the dashboard only",
                       message.subject)
        return
    message.send(fail_silently=False)


def _patient_label(patient: Patient) -> str:
    # Email leaves the portal: screening number and initials only, never a name or record number.
    return f"{patient.screening_number} {patient.initials}"


def _reminder_email(reminders: list[Reminder], site: Site, status: str, recipients: list[str]) -> EmailMessage:
    """One message for the site's staff (in the site's language) naming every reminder of the digest.

    ``X-MC150-Reminders`` lists each reminder's idempotency key, so a duplicate can be told from a new
    announcement; the Message-ID is derived from the keys, due dates and delivery, so a digest sent again
    after a crash carries the same one and a mail client folds it."""
    with translation.override(site.default_language):
        subject, body = _reminder_text(reminders, site, status)
    keys = [reminder.idempotency_key for reminder in reminders]
    identity = hashlib.sha256(
        " ".join(f"{r.idempotency_key}@{r.due_date:%Y%m%d}" for r in reminders).encode()
    ).hexdigest()[:24]
    return EmailMessage(
        subject=subject,
        body=body,
        to=recipients,
        headers={
            "Message-ID": f"<reminders.{site.code}.{status}.{identity}@mc-1-50-portal>",
            "X-MC150-Reminders": " ".join(keys),
            "X-MC150-Delivery": status,
        },
    )


def _reminder_line(reminder: Reminder) -> str:
    what = str(reminder.get_kind_display())
    if reminder.sequence and reminder.kind != ReminderKind.PREGNANCY_TEST_PRE_LD:
        what = _("%(what)s (month %(month)s)") % {"what": what, "month": reminder.sequence}
    return _("%(label)s: %(what)s, due %(due)s") % {
        "label": _patient_label(reminder.patient), "what": what, "due": f"{reminder.due_date:%Y-%m-%d}",
    }


def _reminder_text(reminders: list[Reminder], site: Site, status: str) -> tuple[str, str]:
    overdue = status == ReminderStatus.OVERDUE
    if len(reminders) == 1:
        line = _reminder_line(reminders[0])
        subject = (_("[%(trial)s] OVERDUE: %(reminder)s") if overdue else _("[%(trial)s] %(reminder)s")) % {
            "reminder": line, "trial": site.trial.code,
        }
    else:
        values = {"count": len(reminders), "site": site.code, "trial": site.trial.code}
        subject = (_("[%(trial)s] OVERDUE: %(count)s reminders at site %(site)s") if overdue
                   else _("[%(trial)s] %(count)s reminders due at site %(site)s")) % values
    first = (_("Overdue at site %(site)s:") if overdue else _("Due at site %(site)s:")) % {"site": site.code}
    lines = "\n".join(f"- {_reminder_line(reminder)}" for reminder in reminders)
    closing = _("Record the results on the coordinator dashboard of the %(portal)s.") % {"portal": settings.PORTAL_NAME}
    return subject, f"{first}\n\n{lines}\n\n{closing}\n"


def _alert_email(alert: UrgentAlert, recipients: list[str]) -> EmailMessage:
    site = alert.patient.site
    values = {
        "label": _patient_label(alert.patient), "site": site.code, "due": f"{alert.reminder.due_date:%Y-%m-%d}",
        "trial": site.trial.code, "portal": settings.PORTAL_NAME,
    }
    with translation.override(site.default_language):
        values.update(kind=str(alert.get_kind_display()), reminder=str(alert.reminder.get_kind_display()))
        subject = _("[%(trial)s] URGENT %(label)s: %(kind)s") % values
        body = (
            _("URGENT: %(kind)s recorded for subject %(label)s at site %(site)s (%(reminder)s, due %(due)s).") % values
            + "\n\n" + _("Review it on the investigator dashboard of the %(portal)s.") % values + "\n"
        )
    return EmailMessage(
        subject=subject,
        body=body,
        to=recipients,
        headers={"Message-ID": f"<alert.{alert.pk}@mc-1-50-portal>", "X-MC150-Alert": str(alert.pk)},
    )
