"""Qualitative tests of the catalogue (ANA with titer and pattern, anti-dsDNA, hepatitis and HIV markers,
...): a result of the test's vocabulary on a collection date. The pregnancy test has its own kind."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import RecordSource, SerologyResult
from screening.models.labs import AnaPattern
from screening.records import rules
from screening.records.forms import RecordForm, qualitative_items, source_field
from screening.records.kinds.base import Facts, RecordKind, listed, raise_problems

FIELDS = ("test", "result", "titer", "pattern", "collected_on", "source")


class SerologyForm(RecordForm):
    """A qualitative test of the catalogue; results of its vocabulary."""

    slug = "serology"
    record_fields = FIELDS
    test = forms.ChoiceField(label=_("Test"))
    result = forms.ChoiceField(label=_("Result"), widget=forms.RadioSelect)
    titer = forms.IntegerField(label=_("Titer 1:"), required=False, min_value=1,
                               help_text=_("Tests with a titer (ANA): the denominator, e.g. 320 for 1:320."))
    pattern = forms.ChoiceField(label=_("ANA pattern"), choices=[("", "—"), *AnaPattern.choices], required=False)
    collected_on = forms.DateField(label=_("Collection date"), widget=DateInput)
    source = source_field()

    def setup(self) -> None:
        items = qualitative_items(self.protocol)
        self.fields["test"].choices = [(code, label) for code, label, _item in items]
        results = dict.fromkeys(result for _code, _label, item in items for result in item.results)
        self.fields["result"].choices = [(result, _(result)) for result in results]

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("collected_on")
        self.add_problems(rules.qualitative_problems(self.protocol, data))
        return data


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    raise_problems(rules.qualitative_problems(protocol, values))
    loinc = protocol.catalogue.qualitative[values["test"]].loinc
    return {**values, "titer": values.get("titer"), "pattern": values.get("pattern") or "", "loinc": loinc,
            "source": values.get("source") or RecordSource.SCREENING}


def facts(records: list[SerologyResult], protocol: Protocol | None, evaluated_on: date) -> Facts:
    return listed("serology", records, lambda result: {
        "test": result.test, "result": result.result, "titer": result.titer,
        "collected_on": result.collected_on.isoformat(),
        **({"source": "history"} if result.source == RecordSource.HISTORY else {}),
    }, when_empty=True)


KIND = RecordKind(
    slug="serology", model=SerologyResult, title=_("Serology"), fields=FIELDS, date_field="collected_on",
    form=SerologyForm, prepare=prepare,
    needed=lambda protocol: any(code not in rules.OWN_PANELS for code in protocol.catalogue.qualitative),
    facts=facts, facts_order=("collected_on", "pk"),
    item_names=lambda protocol: {code: label for code, label, _item in qualitative_items(protocol)},
)
