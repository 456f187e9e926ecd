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

# The agreement that carries the contraception method; every other question comes from the protocol's
# catalogue (screening.records.questions), so the column holds the catalogue's code.
CONTRACEPTION_AGREED = "contraception_agreed"


@audited
class Attestation(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    # A question (or yes/no patient attribute) code of the candidate's protocol catalogue.
    question = models.CharField(_("question"), max_length=60)
    answer = models.BooleanField(_("answer"), null=True)  # a yes/no question or attribute; else None
    # Any other answer, as the catalogue types it: a choice, a number or an ISO date.
    value = models.CharField(_("value"), max_length=100, blank=True)
    # Only with a "yes" to the contraception question: one of the protocol's accepted methods.
    contraception_method = models.CharField(_("contraception method"), max_length=30, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contraception_method="")
                | Q(question=CONTRACEPTION_AGREED, answer=True),
                name="attestation_method_only_with_contraception_agreed",
            ),
            models.CheckConstraint(condition=~Q(contraception_method="safe_period"),
                                   name="attestation_safe_period_never_accepted"),
            models.CheckConstraint(condition=Q(answer__isnull=False, value="") | Q(answer__isnull=True) & ~Q(value=""),
                                   name="attestation_yes_no_or_value"),
        ]
        ordering = ["patient", "question", "recorded_at", "pk"]
        triggers = [pgtrigger.Protect(name="attestation_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.question}: {self.shown}"

    @property
    def shown(self) -> str:
        """The answer as a person reads it."""
        if self.answer is None:
            return self.value
        return str(_("yes") if self.answer else _("no"))
