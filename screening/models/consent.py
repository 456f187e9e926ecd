"""Informed consent: the ICF versions each site uses, the consents candidates signed, and withdrawals.

The rules about dates (current version on the signing date, approval before signing, nothing screened
before consent) live in ``screening.consent.rules``; what the database can hold by itself is here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from patients.versioning import version_bump
from trial.audit import audited
from trial.models import Site


def icf_upload_path(version: ICFVersion, filename: str) -> str:
    # The hash in the name: two uploads never overwrite each other, and the file names its own content.
    return f"icf/{version.site.code}/{version.language}/{version.label}-{version.sha256[:12]}.pdf"


@audited
class ICFVersion(models.Model):
    """One approved version of a site's informed consent form in one language.

    ``superseded_on`` is the effective date of the next version: empty for the site's current (latest)
    version of that language, which the database keeps unique. A version is in effect on day D when
    ``effective_on <= D`` and it is not superseded on or before D.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="icf_versions")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    label = models.CharField(_("version"), max_length=32, help_text=_("As printed on the form, e.g. 2.1"))
    ethics_approved_on = models.DateField(_("ethics approval date"))
    effective_on = models.DateField(_("effective date"))
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=icf_upload_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "language"],
                condition=Q(superseded_on__isnull=True),
                name="icf_one_current_version_per_site_language",
                violation_error_message=_("This site already has a current ICF version in this language."),
            ),
            models.UniqueConstraint(fields=["site", "language", "label"], name="icf_label_unique_per_site_language"),
            models.CheckConstraint(
                condition=Q(ethics_approved_on__lte=F("effective_on")), name="icf_approved_before_effective"
            ),
            models.CheckConstraint(
                condition=Q(superseded_on__isnull=True) | Q(superseded_on__gt=F("effective_on")),
                name="icf_superseded_after_effective",
            ),
        ]
        ordering = ["site", "language", "-effective_on"]
        verbose_name = _("ICF version")

    def __str__(self) -> str:
        return f"ICF {self.label} ({self.get_language_display()}, {self.site.code})"

    def in_effect_on(self, day) -> bool:
        return self.effective_on <= day and (self.superseded_on is None or day < self.superseded_on)


class Signer(models.TextChoices):
    PATIENT = "patient", _("The candidate")
    GUARDIAN = "guardian", _("A legal guardian")


@audited
class Consent(models.Model):
    """A signed informed consent. Corrections keep the row (and its history); a new signature is a new row."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    icf_version = models.ForeignKey(ICFVersion, on_delete=models.PROTECT, related_name="consents",
                                    verbose_name=_("ICF version"))
    signer = models.CharField(_("signed by"), max_length=10, choices=Signer.choices, default=Signer.PATIENT)
    guardian_name = models.CharField(_("guardian's name"), max_length=200, blank=True)
    guardian_relationship = models.CharField(_("guardian's relationship"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    # The date in the site's calendar: what the rules compare with record dates and ICF validity.
    signed_on = models.DateField(_("signing date"))
    obtained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("consent obtained by"))
    subject_can_read = models.BooleanField(_("the subject can read the form"), default=True)
    witness_name = models.CharField(_("impartial witness"), max_length=200, blank=True)
    copy_given = models.BooleanField(_("copy given to the subject"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # Names of people around the candidate identify the candidate too: the audit ledger hides their values,
    # and pages show them only to the site's clinical staff (as the candidate's own identifiers).
    identifier_fields = ("guardian_name", "witness_name")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(signer="patient", guardian_name="", guardian_relationship="")
                | (Q(signer="guardian") & ~Q(guardian_name="") & ~Q(guardian_relationship="")),
                name="consent_guardian_named_only_when_guardian_signs",
            ),
            models.CheckConstraint(
                condition=Q(subject_can_read=True) | ~Q(witness_name=""),
                name="consent_witness_when_subject_cannot_read",
            ),
        ]
        ordering = ["patient", "signed_at", "pk"]
        triggers = [version_bump()]

    def __str__(self) -> str:
        return f"{self.patient}: ICF {self.icf_version.label} signed {self.signed_on}"


@audited
class Withdrawal(models.Model):
    """A candidate's withdrawal of consent. Final: one per candidate; nothing recorded before is removed."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="withdrawal")
    withdrawn_on = models.DateField(_("withdrawal date"))
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="withdrawal_reason_given")]

    def __str__(self) -> str:
        return f"{self.patient} withdrawn {self.withdrawn_on}"
