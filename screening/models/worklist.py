"""Where each candidate in screening stands, for the dashboards' worklists: a copy of the last evaluation's
outcome, never a source of truth.

A row is derived data, not a record: it is not audited and nothing is signed from it (the sign-off page and
the signature always evaluate afresh). It is deleted in the transaction of every write that the evaluation
reads (``screening.signoff.services.signature_void_if_changed``) and written again after the commit, so it
never describes facts that have changed; it names the protocol version and the date it was evaluated under,
and a reader treats it as current only for the version in force on the site's today.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from trial.models import ProtocolVersion


class WorkState(models.TextChoices):
    INCOMPLETE = "incomplete", _("Data incomplete")  # data the criteria need is missing: the coordinator's turn
    REVIEW = "review", _("Criteria to decide")  # only the investigator's decisions are left
    READY = "ready", _("Ready to sign")  # every criterion decided: eligible or not, a signature is next


class EvaluationSummary(models.Model):
    patient = models.OneToOneField(Patient, primary_key=True, on_delete=models.CASCADE,
                                   related_name="evaluation_summary")
    protocol_version = models.ForeignKey(ProtocolVersion, on_delete=models.CASCADE, related_name="+")
    evaluated_on = models.DateField()
    overall = models.CharField(max_length=16)  # screening.eligibility.Overall, decisions applied
    state = models.CharField(max_length=12, choices=WorkState.choices)
    missing_items = models.PositiveIntegerField(default=0)  # how many data items are still needed
    # Criterion codes, in the protocol's order: missing data, awaiting a decision, not met.
    missing_codes = models.JSONField(default=list)
    review_codes = models.JSONField(default=list)
    failed_codes = models.JSONField(default=list)
    facts_sha256 = models.CharField(max_length=64)  # the evaluated facts, to tell two summaries apart
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("evaluation summary")
        indexes = [models.Index(fields=["state"], name="summary_state")]

    def __str__(self) -> str:
        return f"{self.patient}: {self.state} ({self.overall}) on {self.evaluated_on}"

    def is_current(self, today, protocol_version_id: int | None) -> bool:
        return self.evaluated_on == today and self.protocol_version_id == protocol_version_id
