"""Investigator attestations: the decisions only an investigator of the candidate's site can record.

Each answer is a new row (who, when, what); the latest answer to a question counts and the earlier ones stay
as its history. Rows are never changed or deleted (the database refuses it)."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from trial.audit import audited


class AttestationQuestion(models.TextChoices):
    # Values are the facts document's attestation keys (screening-facts.md); the last two feed I03b and I06c.
    NO_SERIOUS_MENTAL_DISORDER = "no_serious_mental_disorder", _("The candidate has no serious mental disorder")
    APHERESIS_SUITABLE = "apheresis_suitable", _(
        "The candidate meets the apheresis / venous blood collection standards"
    )
    CONTRACEPTION_AGREED = "contraception_agreed", _(
        "The candidate agrees to use an accepted contraception method for 1 year after the infusion"
    )
    NO_GAMETE_DONATION_AGREED = "no_gamete_donation_agreed", _(
        "The candidate agrees not to donate eggs or sperm for 1 year after the infusion"
    )
    INTOLERANT_TO_CONVENTIONAL_THERAPY = "intolerant_to_conventional_therapy", _(
        "The candidate is intolerant of conventional therapy (documented)"
    )
    LIVER_INVOLVEMENT = "liver_involvement", _("The candidate has liver involvement (lupus hepatitis / infiltration)")


@audited
class Attestation(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    question = models.CharField(_("question"), max_length=40, choices=AttestationQuestion.choices)
    answer = models.BooleanField(_("answer"))
    # Only with a "yes" to the contraception question: one of the protocol's accepted methods.
    contraception_method = models.CharField(_("contraception method"), max_length=30, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contraception_method="")
                | Q(question=AttestationQuestion.CONTRACEPTION_AGREED, answer=True),
                name="attestation_method_only_with_contraception_agreed",
            ),
            models.CheckConstraint(condition=~Q(contraception_method="safe_period"),
                                   name="attestation_safe_period_never_accepted"),
        ]
        ordering = ["patient", "question", "recorded_at", "pk"]
        triggers = [pgtrigger.Protect(name="attestation_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_question_display()}: {_('yes') if self.answer else _('no')}"
