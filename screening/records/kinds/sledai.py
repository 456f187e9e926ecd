"""SLEDAI-2K: the descriptors present in the 10 days before an assessment, scored live. The engine takes
the newest assessment dated on or before the evaluation date (the newest of all if none is), on equal
dates the later entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput
from patients.models import Patient
from screening.eligibility import Protocol
from screening.eligibility.calculators import SLEDAI_2K_WEIGHTS, sledai_2k_score
from screening.instrument_names import SLEDAI_LABELS
from screening.models import SledaiAssessment
from screening.records import rules
from screening.records.form_data import all_of, instrument_param
from screening.records.forms import RecordForm, ticked
from screening.records.kinds.base import Facts, RecordKind, one, single

FIELDS = ("assessed_on", "descriptors")


class SledaiForm(RecordForm):
    slug = "sledai"
    record_fields = FIELDS
    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput)
    descriptors = forms.MultipleChoiceField(
        label=_("Descriptors present in the 10 days before the assessment"), required=False,
        choices=[(code, SLEDAI_LABELS[code]) for code in SLEDAI_2K_WEIGHTS],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("assessed_on")
        return data

    def groups(self) -> list[tuple[int, list[tuple[str, str, str, bool]]]]:
        """Descriptors by weight, heaviest first: (weight, [(code, label, html id, ticked)])."""
        chosen = ticked(self, "descriptors")
        return [
            (weight, [(code, SLEDAI_LABELS[code], self.auto_id % f"descriptors_{code}", code in chosen)
                      for code in codes])
            for weight, codes in rules.sledai_groups()
        ]


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    if unknown := rules.unknown_codes(values["descriptors"], SLEDAI_2K_WEIGHTS):
        raise ValidationError({
            "descriptors": gettext("Unknown SLEDAI-2K descriptor(s): %(codes)s.") % {"codes": ", ".join(unknown)},
        })
    return {**values, "descriptors": list(dict.fromkeys(values["descriptors"]))}


def preview(data: QueryDict | dict, protocol: Protocol, patient: Patient) -> dict[str, Any]:
    """The score with its terms, and whether it reaches the protocol's minimum."""
    codes = [code for code in all_of(data, "descriptors") if code in SLEDAI_2K_WEIGHTS]
    score = sledai_2k_score(codes)
    minimum = instrument_param(protocol, "sledai_2k", "min_score")
    return {
        "score": score.score,
        "terms": [(SLEDAI_LABELS[code], weight) for code, weight in score.breakdown],
        "minimum": minimum,
        "reaches": minimum is not None and score.score >= minimum,
    }


def facts(records: list[SledaiAssessment], protocol: Protocol | None, evaluated_on: date) -> Facts:
    chosen = single(records, "assessed_on", evaluated_on)
    return one("sledai_2k", chosen, lambda sledai: {
        "assessed_on": sledai.assessed_on.isoformat(), "descriptors": list(sledai.descriptors)})


KIND = RecordKind(
    slug="sledai", model=SledaiAssessment, title=_("SLEDAI-2K"), fields=FIELDS, date_field="assessed_on",
    form=SledaiForm, prepare=prepare, needed=lambda protocol: "sledai_2k" in protocol.catalogue.instruments,
    facts=facts, facts_order=("pk",), preview=preview,
    item_names=lambda protocol: {code: str(label) for code, label in SLEDAI_LABELS.items()},  # the summary names the ticked codes
)
