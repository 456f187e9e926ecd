"""The order of the road to infusion: nothing of it may be dated before the candidate's consent or before the
eligibility signature it rests on. One check, shared by the enrollment form (errors at the field), the
service (whatever calls it) and mirrored by the database's check constraints on ``Enrollment``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The dated steps an enrollment records, by form field, with what a person calls them.
STEPS: Mapping[str, object] = {
    "apheresis_on": gettext_lazy("Apheresis"),
    "planned_lymphodepletion_on": gettext_lazy("Lymphodepletion"),
    "planned_infusion_on": gettext_lazy("The infusion"),
    "infused_on": gettext_lazy("The infusion"),
}


@dataclass(frozen=True)
class Bounds:
    """The earliest day a treatment step may fall on: the first consent and the eligibility signature's day
    at the site (both inclusive)."""

    consented_on: dt.date
    signed_on: dt.date

    @classmethod
    def recorded_with(cls, enrollment) -> Bounds:
        """The copies an enrollment keeps of the signature's day and the first consent."""
        return cls(consented_on=enrollment.consented_on, signed_on=enrollment.eligibility_signed_on)


def problems(bounds: Bounds, dates: Mapping[str, dt.date | None]) -> dict[str, str]:
    """Field -> message for each step dated before consent or before the signature, naming both dates."""
    found = {}
    for field, label in STEPS.items():
        day = dates.get(field)
        if day is None:
            continue
        if day < bounds.signed_on or day < bounds.consented_on:
            found[field] = _(
                "%(step)s on %(date)s would be before the eligibility signature of %(signed)s or the consent of "
                "%(consented)s: nothing of the treatment may precede either."
            ) % {"step": label, "date": day.isoformat(), "signed": bounds.signed_on.isoformat(),
                 "consented": bounds.consented_on.isoformat()}
    return found
