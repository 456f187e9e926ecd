"""What happens after eligibility: the enrollment (dose and dates), the one-year follow-up reminders, the
urgent alerts a result can raise, and the per-user secret of the calendar feed."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from followup import rules
from patients.models import Patient
from patients.versioning import version_bump
from trial.audit import audited
from trial.models import Site


@audited
class Enrollment(models.Model):
    """A subject's place in the treatment: dose level and the dates the reminders are computed from."""

    patient = models.OneToOneField(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="enrollment",
    )
    # A value of the protocol's [dose_levels]; the form offers only those, the unit is stored beside it
    # so the record stays readable if an amendment changes the unit. Empty for a trial whose protocol
    # declares no dose levels.
    dose_level = models.DecimalField(_("dose level"), max_digits=6, decimal_places=2, null=True, blank=True)
    dose_unit = models.CharField(_("dose unit"), max_length=40, blank=True)
    # Copied from the eligibility signature the enrollment was recorded under (its day at the site) and from
    # the first consent, so that the database itself refuses a treatment date before either.
    # Null only in the history of enrollments recorded before these columns existed (a check constraint
    # keeps the live row filled; the append-only event table cannot be back-filled).
    eligibility_signed_on = models.DateField(_("eligibility signed on"), null=True, editable=False)
    consented_on = models.DateField(_("consented on"), null=True, editable=False)
    apheresis_on = models.DateField(_("apheresis on"), null=True, blank=True)
    planned_lymphodepletion_on = models.DateField(_("planned lymphodepletion on"))
    planned_infusion_on = models.DateField(_("planned infusion on"))
    # recording it starts the post-infusion reminders
    infused_on = models.DateField(
        _("infused on"), null=True, blank=True,
    )
    discontinued_on = models.DateField(_("discontinued on"), null=True, blank=True)
    discontinuation_reason = models.TextField(_("discontinuation reason"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # Bumped by a database trigger on every change: a correction based on an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("enrollment")
        triggers = [version_bump()]
        constraints = [
            models.CheckConstraint(condition=Q(dose_level__isnull=True) | Q(dose_level__gt=0),
                                   name="enrollment_dose_positive"),
            models.CheckConstraint(
                condition=Q(planned_infusion_on__gte=models.F("planned_lymphodepletion_on")),
                name="enrollment_infusion_not_before_lymphodepletion",
            ),
            models.CheckConstraint(
                condition=Q(infused_on__isnull=True) | Q(infused_on__gte=models.F("planned_lymphodepletion_on")),
                name="enrollment_infused_not_before_lymphodepletion",
            ),
            models.CheckConstraint(
                condition=Q(eligibility_signed_on__isnull=False, consented_on__isnull=False),
                name="enrollment_has_signature_and_consent_dates",
            ),
            models.CheckConstraint(
                condition=Q(planned_lymphodepletion_on__gte=models.F("eligibility_signed_on"))
                & Q(planned_lymphodepletion_on__gte=models.F("consented_on")),
                name="enrollment_lymphodepletion_not_before_signature_or_consent",
            ),
            models.CheckConstraint(
                condition=Q(apheresis_on__isnull=True)
                | (Q(apheresis_on__gte=models.F("eligibility_signed_on")) & Q(apheresis_on__gte=models.F("consented_on"))),
                name="enrollment_apheresis_not_before_signature_or_consent",
            ),
            models.CheckConstraint(
                condition=(Q(discontinued_on__isnull=True) & Q(discontinuation_reason=""))
                | (Q(discontinued_on__isnull=False) & ~Q(discontinuation_reason="")),
                name="enrollment_discontinuation_has_date_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} enrolled at {self.dose_level} {self.dose_unit}"

    @property
    def is_active(self) -> bool:
        return self.discontinued_on is None


class ReminderKind(models.TextChoices):
    PREGNANCY_TEST_PRE_LD = str(rules.Kind.PREGNANCY_TEST_PRE_LD), _("Serum pregnancy test before lymphodepletion")
    PREGNANCY_TEST_MONTHLY = str(rules.Kind.PREGNANCY_TEST_MONTHLY), _("Monthly serum pregnancy test")
    CONTRACEPTION_CHECKIN = str(rules.Kind.CONTRACEPTION_CHECKIN), _("Contraception check-in")
    CONTRACEPTION_END_NOTICE = (
        str(rules.Kind.CONTRACEPTION_END_NOTICE), _("End of the one-year contraception requirement")
    )


class ReminderStatus(models.TextChoices):
    PENDING = str(rules.Status.PENDING), _("Pending")
    SENT = str(rules.Status.SENT), _("Sent")
    OVERDUE = str(rules.Status.OVERDUE), _("Overdue")
    DONE = str(rules.Status.DONE), _("Done")
    CANCELLED = str(rules.Status.CANCELLED), _("Cancelled")


class Undelivered(models.TextChoices):
    """Why the sweep could not e-mail an announcement (``Reminder.undelivered_reason``)."""

    NO_RECIPIENT = "no_recipient", _("nobody to tell at the site has an e-mail address in their account")


class PregnancyTestResult(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")


# In the enum's order: a frozenset iterates in a per-process order, and the constraints churned in migrations.
_PREGNANCY_KINDS = [str(kind) for kind in rules.Kind if kind in rules.PREGNANCY_TEST_KINDS]


# In the enum's order, for the same reason as _PREGNANCY_KINDS (the open-reminder index's condition).
_OPEN_STATUSES = [str(status) for status in rules.Status if status in rules.OPEN_STATUSES]


class ReminderQuerySet(models.QuerySet):
    def open(self) -> ReminderQuerySet:
        return self.filter(status__in=_OPEN_STATUSES)


@audited(per_statement=True)
class Reminder(models.Model):
    """One follow-up a subject needs on a date. (patient, kind, sequence) is the idempotency key: however
    often the schedule is regenerated or a sweep delivered, there is one row, announced once per due date."""

    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="reminders",
    )
    # The candidate's site, copied so a site's open reminders are one index range (the coordinator
    # dashboard's lists, the sweep) instead of a join through each of its candidates. The database keeps it
    # equal to the candidate's: a foreign key on (patient, site) to the candidate's (id, site), migration 0006.
    # (null=True only for the audit event table, a copy of these fields that keeps events from before the
    # column existed; the constraint reminder_has_site keeps every reminder's filled.)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+", editable=False, db_index=False,
        null=True,
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ReminderKind.choices)
    sequence = models.PositiveSmallIntegerField(_("sequence"))  # month after infusion; 0 before lymphodepletion
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Why the last announcement reached nobody (an ``Undelivered`` code): the board shows "not delivered"
    # with the reason instead of "Sent", and the site's dashboard warns. Empty: it was e-mailed.
    undelivered_reason = models.CharField(_("not delivered because"), max_length=300, blank=True, default="",
                                          db_default="", choices=Undelivered.choices)
    overdue_at = models.DateTimeField(_("overdue at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("completed by"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancel reason"), blank=True)
    # The linked result. Pregnancy tests: the serum result and the day the blood was drawn.
    pregnancy_test_result = models.CharField(
        _("pregnancy test result"), max_length=10, choices=PregnancyTestResult.choices, blank=True,
    )
    pregnancy_test_on = models.DateField(_("pregnancy test on"), null=True, blank=True)
    # Contraception check-ins: still in use, and the method (a code of the protocol's accepted list).
    contraception_in_use = models.BooleanField(_("contraception in use"), null=True, blank=True)
    contraception_method = models.CharField(_("contraception method"), max_length=32, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        ordering = ["due_date", "kind", "sequence"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="reminder_status_due"),
            models.Index(fields=["site", "due_date"], condition=Q(status__in=_OPEN_STATUSES),
                         name="reminder_open_site_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["patient", "kind", "sequence"], name="reminder_idempotency_key"),
            models.CheckConstraint(condition=Q(site__isnull=False), name="reminder_has_site"),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.DONE)
                | (Q(completed_by__isnull=False) & Q(completed_at__isnull=False)),
                name="reminder_done_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.DONE, kind__in=_PREGNANCY_KINDS)
                | (~Q(pregnancy_test_result="") & Q(pregnancy_test_on__isnull=False)),
                name="reminder_done_pregnancy_test_has_result",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=_PREGNANCY_KINDS)
                | (Q(pregnancy_test_result="") & Q(pregnancy_test_on__isnull=True)),
                name="reminder_pregnancy_result_only_on_pregnancy_tests",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.DONE, kind=ReminderKind.CONTRACEPTION_CHECKIN)
                | Q(contraception_in_use__isnull=False),
                name="reminder_done_checkin_has_answer",
            ),
            models.CheckConstraint(
                condition=Q(kind=ReminderKind.CONTRACEPTION_CHECKIN)
                | (Q(contraception_in_use__isnull=True) & Q(contraception_method="")),
                name="reminder_contraception_answer_only_on_checkins",
            ),
            models.CheckConstraint(
                condition=~Q(contraception_in_use=True) | ~Q(contraception_method=""),
                name="reminder_method_in_use_is_named",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="reminder_cancelled_has_reason",
            ),
        ]
        triggers = [
            pgtrigger.FSM(
                name="reminder_status_transitions",
                field="status",
                transitions=[(str(old), str(new)) for old, new in sorted(rules.TRANSITIONS)],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.get_kind_display()} #{self.sequence} due {self.due_date}"

    @property
    def idempotency_key(self) -> str:
        return f"{self.patient_id}:{self.kind}:{self.sequence}"

    @property
    def is_open(self) -> bool:
        return self.status in rules.OPEN_STATUSES

    @property
    def is_pregnancy_test(self) -> bool:
        return self.kind in rules.PREGNANCY_TEST_KINDS


class AlertKind(models.TextChoices):
    POSITIVE_PREGNANCY_TEST = "positive_pregnancy_test", _("Positive pregnancy test")
    CONTRACEPTION_STOPPED = "contraception_stopped", _("Contraception no longer in use")


@audited
class UrgentAlert(models.Model):
    """A result the investigator must see now. Shown on the investigator dashboard until acknowledged,
    and emailed to the site's investigators by the sweep (``emailed_at`` null = not yet emailed)."""

    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="urgent_alerts",
    )
    reminder = models.OneToOneField(
        Reminder, verbose_name=_("reminder"), on_delete=models.PROTECT, related_name="urgent_alert",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("urgent alert")
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_by__isnull=True, acknowledged_at__isnull=True)
                | Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False),
                name="urgent_alert_acknowledged_by_and_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.get_kind_display()}"


@audited
class CalendarFeedToken(models.Model):
    """The secret in a user's calendar feed address. Only its SHA-256 is stored: the address is shown once,
    when issued; a lost one is revoked and a new one issued."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_tokens")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendar_token_one_active_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"calendar feed of {self.user} ({'revoked' if self.revoked_at else 'active'})"
