"""The protocol's classification instruments without a kind of their own (ACR 1997, SLICC 2012): the
criteria ever present of one instrument, and its yes/no flags. The newest assessment of each instrument
counts ("ever" findings, no window)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput, yes_no, yes_no_field
from patients.models import Patient
from screening.eligibility import Protocol
from screening.eligibility.instruments import INSTRUMENTS
from screening.models import Classification
from screening.records import rules
from screening.records.form_data import all_of
from screening.records.forms import RecordForm
from screening.records.kinds.base import Facts, RecordKind

FIELDS = ("instrument", "assessed_on", "criteria", "flags")

# Classification instruments with a kind (and a model) of their own.
OWN_INSTRUMENT_PANELS = frozenset({"eular_acr_2019"})

# Criteria whose names are abbreviations or names, which the code's spelling cannot give.
CRITERION_LABELS = {"ana": "ANA", "anti_dsdna": "Anti-dsDNA", "anti_sm": "Anti-Sm", "direct_coombs": "Direct Coombs",
                    "biopsy_proven_lupus_nephritis": "Biopsy-proven lupus nephritis"}


def criterion_label(code: str) -> str:
    return CRITERION_LABELS.get(code) or code.replace("_", " ").capitalize()


def other_classifications(protocol: Protocol) -> list[str]:
    """The protocol's classification instruments this kind enters, in the protocol's order."""
    return [name for name in protocol.catalogue.instruments
            if INSTRUMENTS[name].shape == "classification" and name not in OWN_INSTRUMENT_PANELS]


class ClassificationForm(RecordForm):
    """Each instrument's criteria are offered under its name (values ``instrument:code``: both list oral
    ulcers); only the chosen instrument's may be ticked."""

    slug = "classifications"
    record_fields = FIELDS
    instrument = forms.ChoiceField(label=_("Instrument"))
    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput)
    criteria = forms.MultipleChoiceField(label=_("Criteria ever present"), required=False,
                                         widget=forms.CheckboxSelectMultiple)

    def setup(self) -> None:
        names = other_classifications(self.protocol)
        self.fields["instrument"].choices = [(name, INSTRUMENTS[name].title) for name in names]
        self.fields["criteria"].choices = [
            (INSTRUMENTS[name].title, [(f"{name}:{code}", criterion_label(code)) for code in INSTRUMENTS[name].codes])
            for name in names
        ]
        for name in names:
            for flag in INSTRUMENTS[name].flags:
                self.fields[f"flag_{flag}"] = yes_no_field(
                    f"{INSTRUMENTS[name].title}: {criterion_label(flag)}", required=False)

    @classmethod
    def initial_of(cls, record) -> dict[str, Any]:
        initial = super().initial_of(record)
        initial["criteria"] = [f"{record.instrument}:{code}" for code in record.criteria]
        initial.update({f"flag_{flag}": yes_no(value) for flag, value in (record.flags or {}).items()})
        return initial

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("assessed_on")
        name = data.get("instrument")
        if name:
            other = [value for value in data.get("criteria", []) if not value.startswith(f"{name}:")]
            if other:
                self.add_error("criteria", _("Only criteria of %(instrument)s may be ticked for it.") % {
                    "instrument": INSTRUMENTS[name].title})
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        name = data.get("instrument")
        instrument = INSTRUMENTS[name]
        return {
            "instrument": name, "assessed_on": data.get("assessed_on"),
            "criteria": [value.split(":", 1)[1] for value in data.get("criteria", [])],
            "flags": {flag: data.get(f"flag_{flag}") for flag in instrument.flags
                      if data.get(f"flag_{flag}") is not None},
        }


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    name = values["instrument"]
    if name not in other_classifications(protocol):
        raise ValidationError({"instrument": gettext("%(name)s is not a classification instrument of the protocol.") % {
            "name": name}})
    instrument = INSTRUMENTS[name]
    if unknown := rules.unknown_codes(values["criteria"], instrument.codes):
        raise ValidationError({"criteria": gettext("Unknown %(instrument)s criterion/criteria: %(codes)s.") % {
            "instrument": instrument.title, "codes": ", ".join(unknown)}})
    flags = values.get("flags") or {}
    if set(flags) - set(instrument.flags) or not all(isinstance(value, bool) for value in flags.values()):
        raise ValidationError({"criteria": gettext("Unknown flags for %(instrument)s.") % {
            "instrument": instrument.title}})
    return {**values, "criteria": list(dict.fromkeys(values["criteria"])), "flags": dict(flags)}


def preview(data: QueryDict | dict, protocol: Protocol, patient: Patient) -> dict[str, Any]:
    """The chosen instrument's live conclusion from the criteria ticked for it."""
    name = data.get("instrument") or next(iter(other_classifications(protocol)), None)
    instrument = INSTRUMENTS.get(name) if name else None
    if instrument is None or instrument.judge is None:
        return {"instrument": None}
    codes = tuple(value.split(":", 1)[1] for value in all_of(data, "criteria") if value.startswith(f"{name}:"))
    flags = {flag: data.get(f"flag_{flag}") == "yes" for flag in instrument.flags if data.get(f"flag_{flag}")}
    outcome = instrument.judge(codes, flags, {})
    return {"instrument": instrument.title, "count": int(outcome.score), "classified": outcome.classified}


def facts(records: list[Classification], protocol: Protocol | None, evaluated_on: date) -> Facts:
    """The newest assessment of each instrument (records oldest first), under ``instruments``."""
    newest = {record.instrument: record for record in records}
    if not newest:
        return {}, {}
    return ({"instruments": {name: {"assessed_on": record.assessed_on.isoformat(), "criteria": list(record.criteria),
                                    **record.flags} for name, record in sorted(newest.items())}},
            {f"instruments.{name}": record for name, record in sorted(newest.items())})


KIND = RecordKind(
    slug="classifications", model=Classification, title=_("Classification criteria"), fields=FIELDS,
    date_field="assessed_on", form=ClassificationForm, prepare=prepare,
    needed=lambda protocol: bool(other_classifications(protocol)),
    facts=facts, facts_order=("assessed_on", "pk"), preview=preview, always_in_facts=False,
    item_names=lambda protocol: {code: criterion_label(code) for name in other_classifications(protocol)
                                 for code in INSTRUMENTS[name].codes},
)
