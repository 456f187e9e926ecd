"""Screening candidates: who they are (as far as the criteria need) and which site registered them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from patients.versioning import version_bump
from trial.audit import audited
from trial.models import Site
from trial.selectors import sites_of


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user) -> PatientQuerySet:
        """Candidates of the sites where the user holds any role: the only way views reach patients."""
        return self.filter(site__in=sites_of(user))


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class NonChildbearingReason(models.TextChoices):
    POSTMENOPAUSAL = "postmenopausal", _("Postmenopausal (12 months of amenorrhoea)")
    HYSTERECTOMY = "hysterectomy", _("Hysterectomy")
    BILATERAL_SALPINGECTOMY = "bilateral_salpingectomy", _("Bilateral salpingectomy")
    BILATERAL_OOPHORECTOMY = "bilateral_oophorectomy", _("Bilateral oophorectomy")


class PatientStatus(models.TextChoices):
    SCREENING = "screening", _("Screening")
    SCREEN_FAILED = "screen_failed", _("Screen failed")
    ELIGIBLE = "eligible", _("Signed eligible")
    ENROLLED = "enrolled", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


@audited
class Patient(models.Model):
    """A screening candidate at one site, known to the sponsor by screening number and initials only."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="patients")
    sequence = models.PositiveIntegerField(_("sequence"))  # the site's running number; never reused
    # e.g. 01-0007: unique within the trial (site numbers are unique per trial, sequences per site), so another
    # trial at the same hospital may have its own 01-0007.
    screening_number = models.CharField(_("screening number"), max_length=16, db_index=True)
    initials = models.CharField(_("initials"), max_length=4)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    weight_kg = models.DecimalField(_("weight kg"), max_digits=5, decimal_places=1)
    childbearing_potential = models.BooleanField(_("childbearing potential"))
    non_childbearing_reason = models.CharField(
        _("non childbearing reason"), max_length=32, choices=NonChildbearingReason.choices, blank=True,
    )
    gilbert_syndrome = models.BooleanField(_("gilbert syndrome"), default=False)
    # Direct identifiers: optional, shown only to staff of the patient's own site, never exported.
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    hospital_record_number = models.CharField(_("hospital record number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PatientStatus.choices, default=PatientStatus.SCREENING,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    # Bumped by a database trigger on every change: a correction based on an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        constraints = [
            models.UniqueConstraint(fields=["site", "sequence"], name="patient_sequence_unique_per_site"),
            # What a copy of the candidate's site elsewhere (followup.Reminder.site) refers to, with the id.
            models.UniqueConstraint(fields=["id", "site"], name="patient_id_site"),
            models.CheckConstraint(
                condition=models.Q(weight_kg__gte=20) & models.Q(weight_kg__lte=350),
                name="patient_weight_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(childbearing_potential=True, non_childbearing_reason="")
                | models.Q(childbearing_potential=False),
                name="patient_reason_only_without_childbearing_potential",
            ),
        ]
        ordering = ["site", "sequence"]
        triggers = [version_bump()]

    def __str__(self) -> str:
        return f"{self.screening_number} {self.initials}"


class SiteCounter(models.Model):
    """The last screening sequence handed out at a site. Kept apart from Site (another app's table) and
    never decremented, so a number is never handed out twice, even if a candidate row were removed."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT, primary_key=True, related_name="+")
    last_sequence = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.site.code}: {self.last_sequence}"
