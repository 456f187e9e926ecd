"""What is left to verify: the screening records no monitor has verified as they stand now, counted per site
(the monitor's dashboard) or per candidate (the list behind each count).

A record is verified when a verification names its current ``version`` (``trial.audit.monitoring``); one
never verified is *new*, one verified at an older version *changed since verified*. Records entered in
error count too: marking one is a change the monitor checks against the source. Both counts are anti-joins
of each kind's table with the verifications (PostgreSQL plans ``NOT EXISTS`` as a hash anti-join: no
ledger read, no loop over records), sent as one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast

from patients.models import Patient
from screening.records.kinds import KINDS
from trial.audit.monitoring import Verification


@dataclass
class ToVerify:
    new: int = 0  # never verified
    changed: int = 0  # verified, then changed

    @property
    def total(self) -> int:
        return self.new + self.changed


def _counts(patients: QuerySet[Patient], by: str) -> dict[int, ToVerify]:
    """``by`` ("patient__site_id" or "patient_id") → what is left to verify of the records of ``patients``."""
    parts = []
    for kind in KINDS.values():
        verifications = Verification.objects.filter(
            record_type=kind.record_type, object_id=Cast(OuterRef("pk"), CharField()))
        records = kind.model.objects.filter(patient__in=patients).order_by()
        never = records.filter(~Exists(verifications))
        # Not verified as it stands: never verified, or only at older versions.
        not_current = records.filter(~Exists(verifications.filter(record_version__gte=OuterRef("version"))))
        for measure, selected in (("never", never), ("not_current", not_current)):
            parts.append(selected.values(by).annotate(n=Count("pk"), measure=Value(measure))
                         .values_list(by, "measure", "n"))
    never_by: dict[int, int] = defaultdict(int)
    not_current_by: dict[int, int] = defaultdict(int)
    for key, measure, n in parts[0].union(*parts[1:], all=True):
        (never_by if measure == "never" else not_current_by)[key] += n
    return {key: ToVerify(new=never_by[key], changed=n - never_by[key]) for key, n in not_current_by.items()}

def to_verify_by_site(sites) -> dict[int, ToVerify]:
    """Site id → its records left to verify; sites with none are absent (one query)."""
    return _counts(Patient.objects.filter(site__in=sites), "patient__site_id")


def to_verify_by_patient(patients: QuerySet[Patient]) -> dict[int, ToVerify]:
    """Candidate id → their records left to verify; candidates with none are absent (one query)."""
    return _counts(patients, "patient_id")
