"""The base of the entry forms for screening records (each kind's own form is in its module of
``screening.records.kinds``), and the other entry forms: mark in error, attestation, reference range.

Entry forms validate input only (types, choices, the pure rules for an early message); the services check
again inside their transaction and also apply the consent guard.

Several forms share the candidate page, so each gets its own ``auto_id`` (``id_labs_value``) while the field
names stay plain (``value``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput, yes_no_field
from patients.models import Patient, Sex
from screening.eligibility import Protocol
from screening.models import CONTRACEPTION_AGREED, RecordSource, ScreeningRecord
from screening.records import rules
from screening.records.questions import (
    CHOICE,
    NUMBER,
    YES_NO,
    answer_problem,
    asked_questions,
)
from trial.fields import SiteChoiceField


def _reason_field(label=_("Reason for the correction")) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class RecordForm(forms.Form):
    """Base of the per-kind forms. ``correction=True`` adds the reason and the version the form was opened at."""

    slug = ""
    record_fields: tuple[str, ...] = ()  # the kind's fields (``RecordKind.fields``)

    def __init__(self, *args, patient: Patient, protocol: Protocol, today: date, correction: bool = False,
                 **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_{self.slug}{'_edit' if correction else ''}_%s")
        super().__init__(*args, **kwargs)
        self.patient, self.protocol, self.today, self.correction = patient, protocol, today, correction
        if correction:
            self.fields["reason"] = _reason_field()
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
        self.setup()

    def setup(self) -> None:
        """Per-kind choices that depend on the protocol."""

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.record_fields}

    @classmethod
    def initial_of(cls, record: ScreeningRecord) -> dict[str, Any]:
        initial = {name: getattr(record, name) for name in cls.record_fields}
        initial["version"] = record.version
        return initial

    def check_date(self, name: str) -> None:
        on = self.cleaned_data.get(name)
        if on is not None and (problem := rules.future_problem(on, self.today)):
            self.add_error(name, problem)

    def add_problems(self, problems: dict[str, str]) -> None:
        """The pure rules' problems by field, each on a field that has no error of its own yet."""
        for field, problem in problems.items():
            if field not in self.errors:
                self.add_error(field, problem)


def ticked(form: forms.Form, name: str) -> set[str]:
    """The boxes of a multiple field ticked in the form (submitted, or initial)."""
    if form.is_bound:
        return set(form.data.getlist(name)) if hasattr(form.data, "getlist") else set(form.data.get(name) or [])
    return set(form.initial.get(name) or [])


def source_field() -> forms.ChoiceField:
    """A result's source: a screening procedure (the default, also when left empty) or the medical history."""
    return forms.ChoiceField(label=_("Source"), choices=RecordSource.choices, initial=RecordSource.SCREENING,
                             required=False)


class MarkInErrorForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason_field(_("Why was this record entered in error?"))


def contraception_method_field(protocol: Protocol, language: str) -> forms.ChoiceField:
    """The protocol's contraception methods (the safe period is never on the list), none chosen."""
    return forms.ChoiceField(label=_("Contraception method (with a yes to contraception)"), required=False,
                             choices=[("", "—")] + [(code, names.get(language) or names["en"])
                                                     for code, names in protocol.contraception_methods.items()])


class ContraceptionMethodChecks:
    """What both attestation forms check of the method that goes with the contraception agreement."""

    protocol: Protocol

    def clean_contraception_method(self) -> str:
        # Choices already exclude anything the protocol does not list; this names the safe period explicitly.
        method = self.cleaned_data["contraception_method"]
        if method and (problem := rules.contraception_method_problem(method, self.protocol)):
            raise forms.ValidationError(problem)
        return method

    def check_contraception(self, agreed: bool, method: str) -> None:
        """A method with a yes to contraception, and only then."""
        if agreed:
            if not method and "contraception_method" not in self.errors:
                self.add_error("contraception_method", _("Choose the contraception method agreed."))
        elif method:
            self.add_error("contraception_method",
                           _("A method is recorded only with a yes to the contraception question."))


class AttestationForm(ContraceptionMethodChecks, forms.Form):
    """One investigator decision. The method list is the protocol's (the safe period is never on it)."""

    question = forms.ChoiceField(label=_("Question"))  # the protocol's questions (screening.records.questions)
    answer = yes_no_field(_("Answer"))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, protocol: Protocol, language: str = "en", action: str = "", **kwargs) -> None:
        """``action``: the form's URL; choosing another question fetches the form for it from there (htmx), so
        each question shows the input its type needs: yes/no, a list of choices, a number, a date."""
        kwargs.setdefault("auto_id", "id_attestation_%s")
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        self.asked = {q.code: q for q in asked_questions(protocol, language)}
        self.fields["question"].choices = [(q.code, q.label) for q in self.asked.values()]
        self.fields["contraception_method"] = contraception_method_field(protocol, language)
        self.order_fields(["question", "answer", "contraception_method", "comment"])
        if any(q.type != YES_NO for q in self.asked.values()):
            if action:
                self.fields["question"].widget.attrs.update({
                    "hx-get": action, "hx-trigger": "change", "hx-target": "closest form",
                    "hx-select": "[data-testid='form-attestation']", "hx-swap": "outerHTML"})
            self._typed_answer(self.asked.get(self._chosen()))

    def _chosen(self) -> str:
        if self.is_bound:
            return self.data.get("question", "")
        return self.initial.get("question") or next(iter(self.asked), "")

    def _typed_answer(self, asked) -> None:
        """The answer field the chosen question's type needs, instead of the yes/no radios."""
        if asked is None or asked.type == YES_NO:
            return
        del self.fields["answer"]
        label = f"{asked.label} ({asked.unit})" if asked.unit else asked.label
        if asked.type == CHOICE:
            field = forms.ChoiceField(choices=[("", "—"), *((c, c) for c in asked.choices)], error_messages={
                "invalid_choice": _("Choose one of: %(choices)s.") % {"choices": ", ".join(asked.choices)}})
        elif asked.type == NUMBER:
            field = forms.CharField(max_length=30, widget=forms.NumberInput(attrs={"step": "any"}))
        else:
            field = forms.CharField(max_length=10, widget=DateInput)
        field.label, field.required = label, False
        self.fields["value"] = field
        self.order_fields(["question", "value", "contraception_method", "comment"])

    def clean(self) -> dict:
        data = super().clean()
        asked = self.asked.get(data.get("question", ""))
        if asked is not None and not self.has_error("answer"):
            answer, value, problem = answer_problem(asked, data.get("answer"), data.get("value", ""), date.today())
            if problem:
                self.add_error("answer" if asked.type == YES_NO else "value", problem)
            data["answer"], data["value"] = answer, value
        self.check_contraception(bool(data.get("question") == CONTRACEPTION_AGREED and data.get("answer")),
                                 data.get("contraception_method", ""))
        return data


class AttestationsForm(ContraceptionMethodChecks, forms.Form):
    """The yes/no questions not answered yet, answered together in one save (each still its own attestation,
    audited as one). A question left blank stays unanswered; the typed questions keep the one-by-one form."""

    def __init__(self, *args, protocol: Protocol, language: str = "en", answered=(), **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_together_%s")
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        self.open_questions = [q for q in asked_questions(protocol, language)
                               if q.type == YES_NO and q.code not in answered]
        for asked in self.open_questions:
            self.fields[asked.code] = yes_no_field(asked.label, required=False, empty_value=None)
            self.fields[asked.code].widget.attrs["class"] = "form-check-input"
            if asked.code == CONTRACEPTION_AGREED:  # the method right under its question
                self.fields["contraception_method"] = contraception_method_field(protocol, language)

    def clean(self) -> dict:
        data = super().clean()
        if self.open_questions and all(data.get(q.code) is None for q in self.open_questions):
            raise forms.ValidationError(_("Answer at least one question."))
        self.check_contraception(bool(data.get(CONTRACEPTION_AGREED)), data.get("contraception_method", ""))
        return data

    def answers(self) -> list[dict[str, Any]]:
        """The answered questions, as ``attestation_record`` takes them."""
        return [{"question": q.code, "answer": self.cleaned_data[q.code],
                 "contraception_method": self.cleaned_data.get("contraception_method", "")
                 if q.code == CONTRACEPTION_AGREED else ""}
                for q in self.open_questions if self.cleaned_data.get(q.code) is not None]


def qualitative_items(protocol: Protocol) -> list[tuple[str, str, Any]]:
    """The catalogue's qualitative tests this panel enters (code, name in the page's language, item)."""
    return [(code, rules.item_label(item.names, code), item) for code, item in protocol.catalogue.qualitative.items()
            if code not in rules.OWN_PANELS]


def lab_test_choices(*protocols: Protocol) -> list[tuple[str, str]]:
    """The catalogues' laboratory tests (each code once), named in the page's language."""
    named = {}
    for protocol in protocols:
        for code, spec in protocol.lab_tests.items():
            named.setdefault(code, rules.lab_label(code, spec))
    return list(named.items())


def lab_unit_choices(*protocols: Protocol) -> list[tuple[str, str]]:
    units = dict.fromkeys(unit for protocol in protocols for spec in protocol.lab_tests.values() for unit in spec.units)
    return [(unit, display_unit(unit)) for unit in units]


def display_unit(unit: str) -> str:
    """A unit as people write it (the catalogue's codes are ASCII: umol/L is µmol/L)."""
    return unit.replace("umol", "µmol")


class ReferenceRangeForm(forms.Form):
    site = SiteChoiceField(label=_("Site"), queryset=None, empty_label=None,
                           help_text=_("The range is the hospital's: its site in every trial uses it."))
    test = forms.ChoiceField(label=_("Test"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    low = forms.DecimalField(label=_("Reference low"), max_digits=10, decimal_places=3, required=False)
    high = forms.DecimalField(label=_("Reference high (ULN)"), max_digits=10, decimal_places=3)
    unit = forms.ChoiceField(label=_("Unit"))

    def __init__(self, *args, sites, protocols: list[Protocol], correction: bool = False, **kwargs) -> None:
        """``protocols``: the catalogues of the sites' trials; the chosen site's own judges the test and unit."""
        kwargs.setdefault("auto_id", "id_range_%s")
        super().__init__(*args, **kwargs)
        self.fields["test"].choices = lab_test_choices(*protocols)
        self.fields["unit"].choices = lab_unit_choices(*protocols)
        self.fields["site"].queryset = sites
        if correction:
            self.fields["reason"] = _reason_field(_("Reason for the change"))
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
            for name in ("site", "test", "sex"):
                self.fields[name].disabled = True
