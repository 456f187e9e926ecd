"""The treatment history: a drug of the protocol's medication dictionary (typed in any of its spellings),
its dates and daily dose. It predates the screening on purpose, so its dates are not held to the consent."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from patients.clock import site_today
from patients.forms import DateInput
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import Treatment
from screening.records import rules
from screening.records.form_data import decimal_of, first_of, steroid_minimum
from screening.records.forms import RecordForm
from screening.records.kinds.base import (
    Facts,
    RecordKind,
    iso,
    listed,
    num,
    raise_problems,
)

FIELDS = ("drug", "started_on", "stopped_on", "dose_mg_per_day")


class DrugInput(forms.TextInput):
    """A text box with the dictionary's names and synonyms as its type-ahead list (an HTML datalist): typing
    "HCQ", "Plaquenil" or "羟氯喹" offers the drug it means."""

    template_name = "screening/widgets/drug_input.html"  # in the app: the form renderer reads app templates

    def __init__(self, *args, spellings: list[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.spellings = spellings

    def get_context(self, name, value, attrs):
        list_id = f"{(attrs or {}).get('id', name)}_spellings"
        context = super().get_context(name, value, {**(attrs or {}), "autocomplete": "off", "list": list_id})
        context["widget"].update(spellings=self.spellings, list_id=list_id)
        return context


class TreatmentForm(RecordForm):
    slug = "treatments"
    record_fields = FIELDS
    drug = forms.CharField(label=_("Drug"), max_length=100,
                           help_text=_("A name or synonym of the protocol's medication dictionary."))
    started_on = forms.DateField(label=_("Start date"), widget=DateInput)
    stopped_on = forms.DateField(label=_("Stop date"), widget=DateInput, required=False,
                                 help_text=_("Empty while the treatment is ongoing."))
    dose_mg_per_day = forms.DecimalField(label=_("Daily dose (mg/day)"), max_digits=8, decimal_places=2,
                                         required=False, help_text=_("Required for glucocorticoids."))

    def setup(self) -> None:
        self.fields["drug"].widget = DrugInput(spellings=rules.drug_spellings(self.protocol))

    def clean_drug(self) -> str:
        """The dictionary's name of the drug typed (any spelling, any case); refused when it has none."""
        written = self.cleaned_data["drug"].strip()
        found = self.protocol.catalogue.dictionary.find(written)
        if found is None:
            raise forms.ValidationError(_(
                "%(drug)s is not in the protocol's medication dictionary: choose a name from the list."
            ) % {"drug": written})
        return found.name

    def clean(self) -> dict:
        data = super().clean()
        if data.get("drug") and data.get("started_on"):
            self.add_problems(rules.treatment_problems(
                drug=data["drug"], started_on=data["started_on"], stopped_on=data.get("stopped_on"),
                dose_mg_per_day=data.get("dose_mg_per_day"), today=self.today, protocol=self.protocol,
            ))
        return data


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    drug = rules.canonical_drug(values["drug"], protocol)
    raise_problems(rules.treatment_problems(
        drug=drug, started_on=values["started_on"], stopped_on=values.get("stopped_on"),
        dose_mg_per_day=values.get("dose_mg_per_day"), today=site_today(patient.site), protocol=protocol,
    ))
    return {**values, "drug": drug, "drug_class": rules.drug_class_of(drug, protocol)}


def preview(data: QueryDict | dict, protocol: Protocol, patient: Patient) -> dict[str, Any]:
    """The drug's class and, for a glucocorticoid, the prednisone equivalent per kg against the minimum."""
    drug = rules.canonical_drug(first_of(data, "drug") or "", protocol)
    drug_class = rules.drug_class_of(drug, protocol) if drug else None
    dose = decimal_of(first_of(data, "dose_mg_per_day"))
    exposure = None
    if drug_class == "glucocorticoid" and dose is not None and dose > 0:
        exposure = rules.steroid_exposure(drug, dose, patient.weight_kg, protocol)
    minimum = steroid_minimum(protocol)
    return {
        "drug": drug, "drug_class": drug_class, "exposure": exposure, "weight_kg": patient.weight_kg,
        "factor": protocol.glucocorticoid_factors.get(drug), "minimum": minimum,
        "reaches": exposure is not None and exposure.mg_per_kg_day is not None and minimum is not None
        and exposure.mg_per_kg_day >= minimum,
    }


def as_listed(records: list[Treatment], patient: Patient, protocol: Protocol) -> None:
    """Beside each glucocorticoid: the live prednisone-equivalent mg/kg/day."""
    for record in records:
        record.exposure = (rules.steroid_exposure(record.drug, record.dose_mg_per_day, patient.weight_kg, protocol)
                           if record.dose_mg_per_day else None)


def facts(records: list[Treatment], protocol: Protocol | None, evaluated_on: date) -> Facts:
    return listed("treatments", records, lambda t: {
        "drug": t.drug, "class": t.drug_class, "started_on": t.started_on.isoformat(),
        "stopped_on": iso(t.stopped_on), "dose_mg_per_day": num(t.dose_mg_per_day),
    })


KIND = RecordKind(
    slug="treatments", model=Treatment, title=_("Treatment history"), fields=FIELDS, date_field="started_on",
    form=TreatmentForm, prepare=prepare, needed=lambda protocol: bool(protocol.catalogue.dictionary.drugs),
    facts=facts, facts_order=("started_on", "pk"), preview=preview, as_listed=as_listed, history=True,
)
