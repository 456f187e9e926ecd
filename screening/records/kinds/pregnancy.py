"""Pregnancy tests (female candidates): specimen, result and collection date. Every test goes to the
engine, so a positive one behind a newer negative is seen."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import PregnancyTest
from screening.models.labs import Outcome, Specimen
from screening.records.forms import RecordForm
from screening.records.kinds.base import Facts, RecordKind, listed

FIELDS = ("specimen", "result", "collected_on")


class PregnancyTestForm(RecordForm):
    slug = "pregnancy"
    record_fields = FIELDS
    specimen = forms.ChoiceField(label=_("Specimen"), choices=Specimen.choices, widget=forms.RadioSelect)
    result = forms.ChoiceField(label=_("Result"), choices=Outcome.choices, widget=forms.RadioSelect)
    collected_on = forms.DateField(label=_("Collection date"), widget=DateInput)

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("collected_on")
        return data


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    if patient.sex != "female":
        raise ValidationError(gettext("A pregnancy test is recorded for female candidates only."))
    return values


def facts(records: list[PregnancyTest], protocol: Protocol | None, evaluated_on: date) -> Facts:
    return listed("pregnancy_test", records, lambda test: {
        "specimen": test.specimen, "result": test.result, "collected_on": test.collected_on.isoformat()})


KIND = RecordKind(
    slug="pregnancy", model=PregnancyTest, title=_("Pregnancy test"), fields=FIELDS, date_field="collected_on",
    form=PregnancyTestForm, prepare=prepare, needed=lambda protocol: "pregnancy_test" in protocol.catalogue.qualitative,
    facts=facts, facts_order=("collected_on", "pk"),
)
