"""A laboratory panel per draw: every test of one blood collection in one form.

The coordinator types the results of one requisition (creatinine, ALT, AST, bilirubin ...) under one
collection date, each with its own unit, and the hospital's reference range for the test and the
candidate's sex filled in (editable: the result's own range is what counts). Tests left empty are not
recorded. The results are saved together or not at all: a problem with one names that test and field, and
nothing of the draw is saved, so a half-entered panel never reaches the checklist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.forms import DateInput
from patients.models import Patient
from screening.eligibility import Protocol
from screening.models import LabResult, RecordSource, ReferenceRange
from screening.records import rules
from screening.records.forms import display_unit
from screening.records.services import screening_record_create


@dataclass(frozen=True)
class DrawRow:
    """One test's fields of the draw form, for the template."""

    code: str
    label: str
    value: forms.BoundField
    unit: forms.BoundField
    reference_low: forms.BoundField
    reference_high: forms.BoundField
    reference_unit: forms.BoundField
    reference_unit_shown: str
    has_default: bool


class LabDrawForm(forms.Form):
    collected_on = forms.DateField(label=gettext_lazy("Collection date"), widget=DateInput)
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=RecordSource.choices,
                               initial=RecordSource.SCREENING)

    def __init__(self, data=None, *, patient: Patient, protocol: Protocol, today: date,
                 defaults: dict[str, ReferenceRange], **kwargs) -> None:
        """``defaults``: the hospital's range per test for the candidate's sex (prefilled, in its own unit)."""
        kwargs.setdefault("auto_id", "id_draw_%s")
        super().__init__(data, **kwargs)
        self.patient, self.protocol, self.today = patient, protocol, today
        self.codes = list(protocol.lab_tests)
        for code, spec in protocol.lab_tests.items():
            default = defaults.get(code)
            unit = default.unit if default is not None and default.unit in spec.units else spec.canonical_unit
            decimal = {"max_digits": 10, "decimal_places": 3, "required": False}
            self.fields[f"{code}__value"] = forms.DecimalField(label=rules.lab_label(code, spec), **decimal)
            self.fields[f"{code}__unit"] = forms.ChoiceField(
                label=_("Unit"), choices=[(u, display_unit(u)) for u in spec.units], initial=unit,
                widget=forms.Select(attrs={"class": "form-select form-select-sm draw-unit"}))
            self.fields[f"{code}__reference_low"] = forms.DecimalField(
                label=_("Reference low"), initial=default.low if default else None, **decimal)
            self.fields[f"{code}__reference_high"] = forms.DecimalField(
                label=_("Reference high (ULN)"), initial=default.high if default else None, **decimal)
            # The unit the reference range is written in: the default's, whatever unit the value is typed in.
            self.fields[f"{code}__reference_unit"] = forms.ChoiceField(
                choices=[(u, u) for u in spec.units], initial=unit, widget=forms.HiddenInput)
        self.defaults = defaults
        for field in self.fields.values():
            small = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", small)

    def rows(self) -> list[DrawRow]:
        return [DrawRow(code, self[f"{code}__value"].label, self[f"{code}__value"], self[f"{code}__unit"],
                        self[f"{code}__reference_low"], self[f"{code}__reference_high"],
                        self[f"{code}__reference_unit"],
                        display_unit(self[f"{code}__reference_unit"].value() or ""), code in self.defaults)
                for code in self.codes]

    def clean(self) -> dict:
        data = super().clean()
        on = data.get("collected_on")
        if on is not None and (problem := rules.future_problem(on, self.today)):
            self.add_error("collected_on", problem)
        entered = [code for code in self.codes if data.get(f"{code}__value") is not None]
        if not entered and not self.errors:
            raise forms.ValidationError(_("Enter at least one result of this draw."))
        for code in entered:
            spec, unit, value = self.protocol.lab_tests[code], data.get(f"{code}__unit"), data[f"{code}__value"]
            if not unit:
                continue
            if problem := rules.lab_value_problem(code, value, unit, spec):
                self.add_error(f"{code}__value", problem)
            low, high = self.reference_of(code, data)
            if low is not None or high is not None:
                for field, problem in rules.reference_problems(code, low, high, unit, spec).items():
                    self.add_error(f"{code}__{field}", problem)
        return data

    def reference_of(self, code: str, data: dict) -> tuple[Decimal | None, Decimal | None]:
        """The reference range as typed, moved into the unit the value is typed in."""
        spec, unit = self.protocol.lab_tests[code], data.get(f"{code}__unit")
        written_in = data.get(f"{code}__reference_unit") or unit
        low, high = data.get(f"{code}__reference_low"), data.get(f"{code}__reference_high")
        return rules.range_in_unit(low, high, written_in, unit, spec) if unit else (low, high)

    def results(self) -> dict[str, dict[str, Any]]:
        """The entered tests' values, as the lab service takes them."""
        data = self.cleaned_data
        found = {}
        for code in self.codes:
            if data.get(f"{code}__value") is None:
                continue
            low, high = self.reference_of(code, data)
            found[code] = {"value": data[f"{code}__value"], "unit": data[f"{code}__unit"],
                           "reference_low": low, "reference_high": high}
        return found

    def add_service_errors(self, problems: dict[str, ValidationError]) -> None:
        """The service's problems on the fields they are about: the test's own, or the draw's (its date)."""
        for code, error in problems.items():
            by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, messages in by_field.items():
                if field is not None and f"{code}__{field}" in self.fields:
                    name = f"{code}__{field}"
                elif field in self.fields:
                    name = field
                else:
                    name, messages = None, [f"{rules.lab_label(code, self.protocol.lab_tests.get(code))}: {m}"
                                            for m in messages]
                for message in messages:
                    if name is None or message not in self.errors.get(name, []):
                        self.add_error(name, message)


class DrawProblems(ValidationError):
    """Problems of a draw by test code; nothing of the draw was saved."""

    def __init__(self, problems: dict[str, ValidationError]) -> None:
        super().__init__([message for error in problems.values() for message in error.messages])
        self.problems = problems


def lab_draw_create(*, acting_user, patient: Patient, collected_on: date, source: str,
                    results: dict[str, dict[str, Any]]) -> list[LabResult]:
    """Record the results of one draw through the lab service, all or none. Raises ``DrawProblems`` naming
    each test's problems (every test is checked, not just up to the first)."""
    if not results:
        raise ValidationError(_("Enter at least one result of this draw."))
    problems: dict[str, ValidationError] = {}
    with transaction.atomic():
        created = []
        for code, values in results.items():
            try:
                with transaction.atomic():  # a savepoint: the other tests are still checked
                    created.append(screening_record_create(
                        acting_user=acting_user, kind="labs", patient=patient,
                        values={**values, "test": code, "collected_on": collected_on, "source": source}))
            except ValidationError as error:
                problems[code] = error
        if problems:
            raise DrawProblems(problems)  # rolls the whole draw back
    return created
