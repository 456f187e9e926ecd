"""Eligibility sign-off: the investigator's decisions on review items and the electronic signature.

A signature is never deleted and its signed content never changes (the database refuses both): a change
to the data it rests on turns it ``void`` (status, reason, time), a protocol amendment under which the
result or the data it reads would differ turns it ``superseded`` (by that version), and a new signature is
needed. At most one valid signature per candidate, held by a partial unique index.
"""

from __future__ import annotations

import operator
from functools import reduce

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from trial.audit import audited
from trial.models import ProtocolVersion

# The exact words of the signature's meaning (21 CFR 11.50): shown on the page, the form and the PDF.
MEANING_ELIGIBLE = "I confirm that this subject meets all eligibility criteria"
MEANING_NOT_ELIGIBLE = "I confirm that this subject does not meet all eligibility criteria"
# A signature stores the words in the language they were shown in. The database holds every wording that
# may be signed; the Chinese is the catalogue's translation of the English (tests/i18n checks they agree),
# so a changed translation needs a migration here: the words one signs are not changed in passing.
MEANINGS_BY_LANGUAGE = {
    "en": {"eligible": MEANING_ELIGIBLE, "not_eligible": MEANING_NOT_ELIGIBLE},
    "zh-hans": {"eligible": "我确认该受试者符合全部入选标准", "not_eligible": "我确认该受试者未满足全部入选标准"},
}


def _meaning_matches_outcome() -> Q:
    """One of the allowed (language, outcome, words)."""
    allowed = [Q(language=language, outcome=outcome, meaning=meaning)
               for language, meanings in MEANINGS_BY_LANGUAGE.items() for outcome, meaning in meanings.items()]
    return reduce(operator.or_, allowed)


class DecisionVerdict(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")


class SignatureOutcome(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")


class SignatureStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    VOID = "void", _("Void")
    SUPERSEDED = "superseded", _("Superseded by a protocol amendment")


# No longer standing: a new signature is needed (the dashboards' alerts, the PDF's VOID mark).
ENDED_STATUSES = (SignatureStatus.VOID, SignatureStatus.SUPERSEDED)


@audited
class EligibilityDecision(models.Model):
    """An investigator's decision on one ``needs_review`` criterion of a candidate. One row per (candidate,
    criterion); changing the decision updates it and the audit trail keeps the earlier ones."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="eligibility_decisions")
    criterion_code = models.CharField(max_length=16)
    verdict = models.CharField(max_length=10, choices=DecisionVerdict.choices)
    comment = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "criterion_code"], name="decision_one_per_criterion"),
            models.CheckConstraint(condition=~Q(comment=""), name="decision_has_comment"),
        ]
        ordering = ["patient", "criterion_code"]
        triggers = [pgtrigger.Protect(name="decision_no_delete", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.patient} {self.criterion_code}: {self.verdict}"


# The signed content: once written, none of these change (only the status moves valid -> void).
SIGNED_FIELDS = (
    "patient_id", "signer_id", "printed_name", "signed_at", "outcome", "meaning", "language", "protocol_version_id",
    "evaluated_on", "document", "sha256", "screen_failure_reasons",
)


@audited
class EligibilitySignature(models.Model):
    """The investigator's electronic signature of a candidate's eligibility result.

    ``document`` is what was signed: {"facts", "result", "decisions", "records"} (see
    ``screening.signoff.rules.signed_document``); ``sha256`` is the hash of its canonical JSON, so anyone
    can recompute it from the stored row."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="eligibility_signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()  # UTC in the database; shown in the site's time zone
    outcome = models.CharField(max_length=16, choices=SignatureOutcome.choices)
    meaning = models.CharField(max_length=120)
    # The interface language the meaning was shown and signed in; the checklist PDF is printed in it.
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    protocol_version = models.ForeignKey(ProtocolVersion, on_delete=models.PROTECT, related_name="+")
    evaluated_on = models.DateField()  # the site's date at signing: facts are rebuilt as of it to compare
    document = models.JSONField()
    sha256 = models.CharField(max_length=64)
    # Screen failure: the codes of the criteria not met (empty for an eligible signature).
    screen_failure_reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=SignatureStatus.choices, default=SignatureStatus.VALID)
    # Void and superseded share the reason, the difference and the time; superseded also names the version.
    void_reason = models.TextField(blank=True)
    void_changes = models.JSONField(default=list, blank=True)  # what changed, one line per difference
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    superseded_by = models.ForeignKey(
        ProtocolVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status=SignatureStatus.VALID), name="signature_one_valid_per_patient"
            ),
            models.CheckConstraint(condition=_meaning_matches_outcome(), name="signature_meaning_matches_outcome"),
            models.CheckConstraint(
                condition=Q(outcome=SignatureOutcome.ELIGIBLE, screen_failure_reasons=[])
                | (Q(outcome=SignatureOutcome.NOT_ELIGIBLE) & ~Q(screen_failure_reasons=[])),
                name="signature_failure_reasons_only_when_not_eligible",
            ),
            models.CheckConstraint(
                condition=Q(status=SignatureStatus.VALID, voided_at__isnull=True, void_reason="",
                            superseded_by__isnull=True)
                | (Q(status=SignatureStatus.VOID, voided_at__isnull=False, superseded_by__isnull=True)
                   & ~Q(void_reason=""))
                | (Q(status=SignatureStatus.SUPERSEDED, voided_at__isnull=False, superseded_by__isnull=False)
                   & ~Q(void_reason="")),
                name="signature_void_has_time_and_reason",
            ),
            models.CheckConstraint(condition=~Q(printed_name=""), name="signature_has_printed_name"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="signature_sha256_hex"),
        ]
        ordering = ["patient", "-signed_at"]
        triggers = [
            pgtrigger.Protect(name="signature_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="signature_content_immutable",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(*(f.removesuffix("_id") for f in SIGNED_FIELDS)),
            ),
            pgtrigger.FSM(
                name="signature_status_transitions", field="status",
                transitions=[(str(SignatureStatus.VALID), str(SignatureStatus.VOID)),
                             (str(SignatureStatus.VALID), str(SignatureStatus.SUPERSEDED))],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.outcome} signed {self.signed_at:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def is_valid(self) -> bool:
        return self.status == SignatureStatus.VALID
