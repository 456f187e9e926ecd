"""The catalogue's measurements without a kind of their own (QTc, FVC, ...): a value in the item's unit,
with the condition a reading needs (if the item names one) answered yes or no."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import Measurement
from screening.records import rules
from screening.records.forms import RecordForm
from screening.records.kinds.base import Facts, RecordKind, listed, num, raise_problems

FIELDS = ("item", "value", "flag", "measured_on")

# Measurements that have a kind (and a model) of their own.
OWN_MEASUREMENT_PANELS = frozenset({"lvef", "spo2"})


def other_measurements(protocol: Protocol) -> dict:
    """The protocol's measurements this kind enters: code -> catalogue item."""
    return {code: item for code, item in protocol.catalogue.measurements.items() if code not in OWN_MEASUREMENT_PANELS}


class MeasurementForm(RecordForm):
    slug = "measurements"
    record_fields = FIELDS
    item = forms.ChoiceField(label=_("Measurement"))
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=4)
    flag = forms.NullBooleanField(label=_("Condition of the reading (where the measurement names one)"),
                                  required=False)
    measured_on = forms.DateField(label=_("Date measured"), widget=DateInput)

    def setup(self) -> None:
        self.fields["item"].choices = [
            (code, f"{rules.item_label(item.names, code)} ({item.unit})")
            for code, item in other_measurements(self.protocol).items()
        ]

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("measured_on")
        self.add_problems(rules.measurement_problems(self.protocol, data))
        return data


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    raise_problems(rules.measurement_problems(protocol, values))
    item = protocol.catalogue.measurements[values["item"]]
    return {**values, "unit": item.unit, "loinc": item.loinc}


def facts(records: list[Measurement], protocol: Protocol | None, evaluated_on: date) -> Facts:
    items = protocol.catalogue.measurements if protocol is not None else {}
    return listed("measurements", records, lambda measurement: _fact(measurement, items.get(measurement.item)))


def _fact(measurement: Measurement, item: Any) -> dict[str, Any]:
    fact = {"item": measurement.item, "value": num(measurement.value), "unit": measurement.unit,
            "measured_on": measurement.measured_on.isoformat()}
    if item is not None and item.required_flag:
        fact[item.required_flag] = measurement.flag
    return fact


KIND = RecordKind(
    slug="measurements", model=Measurement, title=_("Measurements"), fields=FIELDS, date_field="measured_on",
    form=MeasurementForm, prepare=prepare, needed=lambda protocol: bool(other_measurements(protocol)),
    facts=facts, facts_order=("measured_on", "pk"),
    item_names=lambda protocol: {code: rules.item_label(item.names, code)
                                 for code, item in other_measurements(protocol).items()},
)
