"""Laboratory results: one test of the catalogue with its value, the unit as entered, the reference range
(the hospital's default for the test and sex unless typed) and the collection date. The draw form, several
tests of one collection at once, is ``screening.records.lab_draw``; it saves through this kind."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.forms import DateInput
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import LabResult, RecordSource
from screening.records import rules
from screening.records.form_data import decimal_of, first_of
from screening.records.forms import (
    RecordForm,
    lab_test_choices,
    lab_unit_choices,
    source_field,
)
from screening.records.kinds.base import Facts, RecordKind, listed, raise_problems
from screening.records.ranges import reference_range_of

FIELDS = ("test", "value", "unit", "reference_low", "reference_high", "collected_on", "source")


class LabResultForm(RecordForm):
    slug = "labs"
    record_fields = FIELDS
    test = forms.ChoiceField(label=gettext_lazy("Test"))  # the catalogue's laboratory tests
    value = forms.DecimalField(label=gettext_lazy("Value"), max_digits=10, decimal_places=3)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"))  # every unit the catalogue accepts; checked per test
    reference_low = forms.DecimalField(label=gettext_lazy("Reference low"), max_digits=10, decimal_places=3,
                                       required=False)
    reference_high = forms.DecimalField(
        label=gettext_lazy("Reference high (ULN)"), max_digits=10, decimal_places=3, required=False,
        help_text=gettext_lazy("Leave both limits empty to use the site's default range for the candidate's sex."),
    )
    collected_on = forms.DateField(label=gettext_lazy("Collection date"), widget=DateInput)
    source = source_field()

    def setup(self) -> None:
        self.fields["test"].choices = lab_test_choices(self.protocol)
        self.fields["unit"].choices = lab_unit_choices(self.protocol)
        # The browser limits the unit list to the chosen test's units (static/portal.js), its own unit first.
        self.fields["test"].widget.attrs.update({"data-units-for": "select[name=unit]", "data-units": json.dumps({
            code: [spec.canonical_unit, *(unit for unit in spec.units if unit != spec.canonical_unit)]
            for code, spec in self.protocol.lab_tests.items()})})

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("collected_on")
        test, unit, value = data.get("test"), data.get("unit"), data.get("value")
        if not test or not unit:
            return data
        spec = self.protocol.lab_tests.get(test)
        if problem := rules.unit_problem(test, unit, spec):
            self.add_error("unit", problem)
            return data
        if value is not None and (problem := rules.lab_value_problem(test, value, unit, spec)):
            self.add_error("value", problem)
        low, high = data.get("reference_low"), data.get("reference_high")
        if low is not None or high is not None:
            self.add_problems(rules.reference_problems(test, low, high, unit, spec))
        return data


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    test, unit, value = values["test"], values["unit"], values["value"]
    spec = protocol.lab_tests.get(test)
    if problem := rules.unit_problem(test, unit, spec):
        raise ValidationError({"unit": problem})
    problems = {}
    if value is None:
        problems["value"] = _("The value must be greater than 0.")
    elif problem := rules.lab_value_problem(test, value, unit, spec):
        problems["value"] = problem
    low, high = values.get("reference_low"), values.get("reference_high")
    if high is None and low is None:
        low, high = _default_reference(patient, test, unit, spec)
    problems.update(rules.reference_problems(test, low, high, unit, spec))
    raise_problems(problems)
    return {
        "test": test, "value": value, "unit": unit,
        "value_canonical": rules.to_canonical(value, unit, spec), "canonical_unit": spec.canonical_unit,
        "loinc": spec.loinc, "reference_low": low, "reference_high": high, "collected_on": values["collected_on"],
        "source": values.get("source") or RecordSource.SCREENING,
    }


def _default_reference(patient: Patient, test: str, unit: str, spec) -> tuple[Decimal | None, Decimal]:
    """The hospital's default range for the test and the candidate's sex, converted to the entered unit."""
    default = reference_range_of(patient.site, test, patient.sex)
    if default is None:
        raise ValidationError({"reference_high": _(
            "%(hospital)s has no default reference range for %(test)s (%(sex)s): enter the reference range of this "
            "result."
        ) % {"hospital": patient.site.name, "test": rules.lab_label(test, spec), "sex": patient.get_sex_display().lower()}})
    return rules.range_in_unit(default.low, default.high, default.unit, unit, spec)


def preview(data: QueryDict | dict, protocol: Protocol, patient: Patient) -> dict[str, Any]:
    """The value's conversion to the canonical unit, its range and H/L flag, or the problem with it."""
    test, unit = first_of(data, "test"), first_of(data, "unit")
    spec = protocol.lab_tests.get(test or "")
    shown: dict[str, Any] = {"test": rules.lab_label(test or "", spec), "unit": unit}
    if spec is None:
        return shown
    default = reference_range_of(patient.site, test, patient.sex)
    shown["default"] = default
    shown["plausible"] = rules.plausible_range_text(unit if unit in spec.units else spec.canonical_unit, spec)
    if problem := rules.unit_problem(test, unit or "", spec):
        shown["problem"] = problem
        return shown
    value = decimal_of(first_of(data, "value"))
    if value is None or value <= 0:
        return shown
    if problem := rules.plausibility_problem(test, value, unit, spec):
        shown["problem"] = problem
        return shown
    low, high = decimal_of(first_of(data, "reference_low")), decimal_of(first_of(data, "reference_high"))
    if high is not None and not float(high) > 0:  # 1e-400 is a Decimal > 0 but a float 0.0
        shown["problem"] = _("The reference high (ULN) must be a number greater than 0.")
        return shown
    if low is None and high is None and default is not None:
        low, high = rules.range_in_unit(default.low, default.high, default.unit, unit, spec)
    shown.update({
        "value": value,
        "canonical": rules.to_canonical(value, unit, spec) if unit != spec.canonical_unit else None,
        "canonical_unit": spec.canonical_unit,
        "low": low, "high": high,
        "flag": rules.lab_flag(value, low, high),
        "uln_multiple": round(float(value) / float(high), 2) if high else None,
    })
    return shown


def facts(records: list[LabResult], protocol: Protocol | None, evaluated_on: date) -> Facts:
    """Every result, in the protocol's canonical unit with the ULN converted the same way (value / ULN is
    unit-free); the entered value and unit stay on the record."""
    return listed("labs", records, lambda lab: _fact(lab, protocol), when_empty=True)


def _fact(lab: LabResult, protocol: Protocol | None) -> dict[str, Any]:
    spec = protocol.lab_tests.get(lab.test) if protocol else None
    if spec is None or lab.unit not in spec.units:
        value, unit, uln = float(lab.value), lab.unit, float(lab.reference_high)
    else:
        value, unit = float(lab.value_canonical), spec.canonical_unit
        uln = float(rules.to_canonical(lab.reference_high, lab.unit, spec))
    fact = {"test": lab.test, "value": value, "unit": unit, "uln": uln, "collected_on": lab.collected_on.isoformat()}
    if lab.source == RecordSource.HISTORY:
        fact["source"] = "history"  # counts only for what the protocol reads "ever"
    return fact


KIND = RecordKind(
    slug="labs", model=LabResult, title=gettext_lazy("Laboratory results"), fields=FIELDS, date_field="collected_on",
    form=LabResultForm, prepare=prepare, needed=lambda protocol: bool(protocol.catalogue.labs),
    facts=facts, facts_order=("collected_on", "pk"), preview=preview,
    item_names=lambda protocol: dict(lab_test_choices(protocol)),
)
