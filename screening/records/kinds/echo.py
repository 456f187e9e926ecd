"""Echocardiography: the left-ventricular ejection fraction on the date performed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import EchoResult
from screening.records import rules
from screening.records.forms import RecordForm
from screening.records.kinds.base import Facts, RecordKind, listed, num

FIELDS = ("lvef_percent", "performed_on")


class EchoForm(RecordForm):
    slug = "echo"
    record_fields = FIELDS
    lvef_percent = forms.DecimalField(label=_("LVEF (%)"), max_digits=4, decimal_places=1)
    performed_on = forms.DateField(label=_("Date performed"), widget=DateInput)

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("performed_on")
        if data.get("lvef_percent") is not None and (problem := _lvef_problem(data["lvef_percent"], self.protocol)):
            self.add_error("lvef_percent", problem)
        return data


def _lvef_problem(value, protocol: Protocol) -> str | None:
    return rules.percent_problem(value, protocol.plausibility.lvef_percent, "LVEF")


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    if problem := _lvef_problem(values["lvef_percent"], protocol):
        raise ValidationError({"lvef_percent": problem})
    return values


def facts(records: list[EchoResult], protocol: Protocol | None, evaluated_on: date) -> Facts:
    return listed("echo", records, lambda echo: {
        "lvef_percent": num(echo.lvef_percent), "performed_on": echo.performed_on.isoformat()})


KIND = RecordKind(
    slug="echo", model=EchoResult, title=_("Echocardiography"), fields=FIELDS, date_field="performed_on",
    form=EchoForm, prepare=prepare, needed=lambda protocol: "lvef" in protocol.catalogue.measurements,
    facts=facts, facts_order=("performed_on", "pk"),
)
