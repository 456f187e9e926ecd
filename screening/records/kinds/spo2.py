"""Oxygen saturation: the percentage, whether on room air, and the date measured."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput, yes_no, yes_no_field
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import Spo2Reading
from screening.records import rules
from screening.records.forms import RecordForm
from screening.records.kinds.base import Facts, RecordKind, listed, num

FIELDS = ("percent", "room_air", "measured_on")


class Spo2Form(RecordForm):
    slug = "spo2"
    record_fields = FIELDS
    percent = forms.DecimalField(label=_("SpO2 (%)"), max_digits=4, decimal_places=1)
    room_air = yes_no_field(_("Measured on room air (no supplemental oxygen)"))
    measured_on = forms.DateField(label=_("Date measured"), widget=DateInput)

    @classmethod
    def initial_of(cls, record) -> dict[str, Any]:
        return {**super().initial_of(record), "room_air": yes_no(record.room_air)}

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("measured_on")
        if data.get("percent") is not None and (problem := _percent_problem(data["percent"], self.protocol)):
            self.add_error("percent", problem)
        return data


def _percent_problem(value, protocol: Protocol) -> str | None:
    return rules.percent_problem(value, protocol.plausibility.spo2_percent, "SpO2")


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    if problem := _percent_problem(values["percent"], protocol):
        raise ValidationError({"percent": problem})
    return values


def facts(records: list[Spo2Reading], protocol: Protocol | None, evaluated_on: date) -> Facts:
    return listed("spo2", records, lambda spo2: {
        "percent": num(spo2.percent), "room_air": spo2.room_air, "measured_on": spo2.measured_on.isoformat()})


KIND = RecordKind(
    slug="spo2", model=Spo2Reading, title=_("SpO2"), fields=FIELDS, date_field="measured_on",
    form=Spo2Form, prepare=prepare, needed=lambda protocol: "spo2" in protocol.catalogue.measurements,
    facts=facts, facts_order=("measured_on", "pk"),
)
