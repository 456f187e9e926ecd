"""Entry forms for screening records: input validation only (types, choices, the pure rules for an early
message); the services check again inside their transaction and also apply the consent guard.

Several forms share the candidate page, so each gets its own ``auto_id`` (``id_labs_value``) while the field
names stay plain (``value``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput, yes_no, yes_no_field
from patients.models import Patient, Sex
from screening.eligibility import Protocol
from screening.eligibility.calculators import EULAR_ACR_2019_CRITERIA, SLEDAI_2K_WEIGHTS
from screening.eligibility.instruments import INSTRUMENTS
from screening.models import CONTRACEPTION_AGREED, RecordSource, ScreeningRecord
from screening.models.labs import AnaPattern, Outcome, Specimen
from screening.records import rules
from screening.records.kinds import KINDS, other_classifications, other_measurements
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

    @property
    def kind(self):
        return KINDS[self.slug]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.kind.fields}

    @classmethod
    def initial_of(cls, record: ScreeningRecord) -> dict[str, Any]:
        initial = {name: getattr(record, name) for name in KINDS[cls.slug].fields}
        initial["version"] = record.version
        return initial

    def check_date(self, name: str) -> None:
        on = self.cleaned_data.get(name)
        if on is not None and (problem := rules.future_problem(on, self.today)):
            self.add_error(name, problem)


class LabResultForm(RecordForm):
    slug = "labs"
    test = forms.ChoiceField(label=_("Test"))  # the catalogue's laboratory tests
    value = forms.DecimalField(label=_("Value"), max_digits=10, decimal_places=3)
    unit = forms.ChoiceField(label=_("Unit"))  # every unit the catalogue accepts; checked per test
    reference_low = forms.DecimalField(label=_("Reference low"), max_digits=10, decimal_places=3, required=False)
    reference_high = forms.DecimalField(
        label=_("Reference high (ULN)"), max_digits=10, decimal_places=3, required=False,
        help_text=_("Leave both limits empty to use the site's default range for the candidate's sex."),
    )
    collected_on = forms.DateField(label=_("Collection date"), widget=DateInput)
    source = forms.ChoiceField(label=_("Source"), choices=RecordSource.choices, initial=RecordSource.SCREENING,
                               required=False)  # empty: a screening procedure

    def setup(self) -> None:
        self.fields["test"].choices = lab_test_choices(self.protocol)
        self.fields["unit"].choices = lab_unit_choices(self.protocol)

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
            for field, problem in rules.reference_problems(test, low, high, unit, spec).items():
                if field not in self.errors:
                    self.add_error(field, problem)
        return data


class SerologyForm(RecordForm):
    """A qualitative test of the catalogue (the pregnancy test has its own panel); results of its vocabulary."""

    slug = "serology"
    test = forms.ChoiceField(label=_("Test"))
    result = forms.ChoiceField(label=_("Result"), widget=forms.RadioSelect)
    titer = forms.IntegerField(label=_("Titer 1:"), required=False, min_value=1,
                               help_text=_("Tests with a titer (ANA): the denominator, e.g. 320 for 1:320."))
    pattern = forms.ChoiceField(label=_("ANA pattern"), choices=[("", "—"), *AnaPattern.choices], required=False)
    collected_on = forms.DateField(label=_("Collection date"), widget=DateInput)
    source = forms.ChoiceField(label=_("Source"), choices=RecordSource.choices, initial=RecordSource.SCREENING,
                               required=False)  # empty: a screening procedure

    def setup(self) -> None:
        items = qualitative_items(self.protocol)
        self.fields["test"].choices = [(code, label) for code, label, _item in items]
        results = dict.fromkeys(result for _code, _label, item in items for result in item.results)
        self.fields["result"].choices = [(result, _(result)) for result in results]

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("collected_on")
        for field, problem in rules.qualitative_problems(self.protocol, data).items():
            if field not in self.errors:
                self.add_error(field, problem)
        return data


class EchoForm(RecordForm):
    slug = "echo"
    lvef_percent = forms.DecimalField(label=_("LVEF (%)"), max_digits=4, decimal_places=1)
    performed_on = forms.DateField(label=_("Date performed"), widget=DateInput)

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("performed_on")
        if data.get("lvef_percent") is not None and (
            problem := rules.percent_problem(data["lvef_percent"], self.protocol.plausibility.lvef_percent, "LVEF")
        ):
            self.add_error("lvef_percent", problem)
        return data


class Spo2Form(RecordForm):
    slug = "spo2"
    percent = forms.DecimalField(label=_("SpO2 (%)"), max_digits=4, decimal_places=1)
    room_air = yes_no_field(_("Measured on room air (no supplemental oxygen)"))
    measured_on = forms.DateField(label=_("Date measured"), widget=DateInput)

    @classmethod
    def initial_of(cls, record) -> dict[str, Any]:
        return {**super().initial_of(record), "room_air": yes_no(record.room_air)}

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("measured_on")
        if data.get("percent") is not None and (
            problem := rules.percent_problem(data["percent"], self.protocol.plausibility.spo2_percent, "SpO2")
        ):
            self.add_error("percent", problem)
        return data


class PregnancyTestForm(RecordForm):
    slug = "pregnancy"
    specimen = forms.ChoiceField(label=_("Specimen"), choices=Specimen.choices, widget=forms.RadioSelect)
    result = forms.ChoiceField(label=_("Result"), choices=Outcome.choices, widget=forms.RadioSelect)
    collected_on = forms.DateField(label=_("Collection date"), widget=DateInput)

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("collected_on")
        return data


def _checked(form: forms.Form, name: str) -> set[str]:
    if form.is_bound:
        return set(form.data.getlist(name)) if hasattr(form.data, "getlist") else set(form.data.get(name) or [])
    return set(form.initial.get(name) or [])


class SledaiForm(RecordForm):
    slug = "sledai"
    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput)
    descriptors = forms.MultipleChoiceField(
        label=_("Descriptors present in the 10 days before the assessment"), required=False,
        choices=[(code, rules.SLEDAI_LABELS[code]) for code in SLEDAI_2K_WEIGHTS],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("assessed_on")
        return data

    def groups(self) -> list[tuple[int, list[tuple[str, str, str, bool]]]]:
        """Descriptors by weight, heaviest first: (weight, [(code, label, html id, ticked)])."""
        ticked = _checked(self, "descriptors")
        return [
            (weight, [(code, rules.SLEDAI_LABELS[code], self.auto_id % f"descriptors_{code}", code in ticked)
                      for code in codes])
            for weight, codes in rules.sledai_groups()
        ]


class EularAcrForm(RecordForm):
    slug = "eular"
    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput)
    ana_ever_1_80_hep2 = yes_no_field(_("Entry criterion: ANA ≥ 1:80 on HEp-2 cells (ever)"))
    criteria = forms.MultipleChoiceField(
        label=_("Criteria ever present"), required=False,
        choices=[(code, rules.EULAR_LABELS[code]) for code in EULAR_ACR_2019_CRITERIA],
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def initial_of(cls, record) -> dict[str, Any]:
        return {**super().initial_of(record), "ana_ever_1_80_hep2": yes_no(record.ana_ever_1_80_hep2)}

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("assessed_on")
        return data

    def domains(self) -> list[tuple[str, bool, list[tuple[str, str, int, str, bool]]]]:
        """Criteria by domain: (domain label, clinical, [(code, label, weight, html id, ticked)])."""
        ticked = _checked(self, "criteria")
        return [
            (rules.EULAR_DOMAIN_LABELS[domain], clinical,
             [(c.code, rules.EULAR_LABELS[c.code], c.weight, self.auto_id % f"criteria_{c.code}", c.code in ticked)
              for c in criteria])
            for domain, clinical, criteria in rules.eular_domains()
        ]


# Criteria whose names are abbreviations or names, which the code's spelling cannot give.
CRITERION_LABELS = {"ana": "ANA", "anti_dsdna": "Anti-dsDNA", "anti_sm": "Anti-Sm", "direct_coombs": "Direct Coombs",
                    "biopsy_proven_lupus_nephritis": "Biopsy-proven lupus nephritis"}


def criterion_label(code: str) -> str:
    return CRITERION_LABELS.get(code) or code.replace("_", " ").capitalize()


class ClassificationForm(RecordForm):
    """The criteria of one classification instrument of the protocol (ACR 1997, SLICC 2012). Each instrument's
    criteria are offered under its name (values ``instrument:code``: both list oral ulcers); only the chosen
    instrument's may be ticked."""

    slug = "classifications"
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
            for field, problem in rules.treatment_problems(
                drug=data["drug"], started_on=data["started_on"], stopped_on=data.get("stopped_on"),
                dose_mg_per_day=data.get("dose_mg_per_day"), today=self.today, protocol=self.protocol,
            ).items():
                if field not in self.errors:
                    self.add_error(field, problem)
        return data


class MeasurementForm(RecordForm):
    """A measurement of the catalogue, in its unit; the condition a reading needs (if any) asked yes or no."""

    slug = "measurements"
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
        for field, problem in rules.measurement_problems(self.protocol, data).items():
            if field not in self.errors:
                self.add_error(field, problem)
        return data


FORMS: dict[str, type[RecordForm]] = {
    form.slug: form
    for form in (LabResultForm, SerologyForm, EchoForm, Spo2Form, PregnancyTestForm, SledaiForm, EularAcrForm,
                 ClassificationForm, TreatmentForm, MeasurementForm)
}


class MarkInErrorForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason_field(_("Why was this record entered in error?"))


class AttestationForm(forms.Form):
    """One investigator decision. The method list is the protocol's (the safe period is never on it)."""

    question = forms.ChoiceField(label=_("Question"))  # the protocol's questions (screening.records.questions)
    answer = yes_no_field(_("Answer"))
    contraception_method = forms.ChoiceField(label=_("Contraception method (with a yes to contraception)"),
                                             required=False)
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
        self.fields["contraception_method"].choices = [("", "—")] + [
            (code, names.get(language) or names["en"]) for code, names in protocol.contraception_methods.items()
        ]
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


    def clean_contraception_method(self) -> str:
        # Choices already exclude anything the protocol does not list; this names the safe period explicitly.
        method = self.cleaned_data["contraception_method"]
        if method and (problem := rules.contraception_method_problem(method, self.protocol)):
            raise forms.ValidationError(problem)
        return method

    def clean(self) -> dict:
        data = super().clean()
        asked = self.asked.get(data.get("question", ""))
        if asked is not None and not self.has_error("answer"):
            answer, value, problem = answer_problem(asked, data.get("answer"), data.get("value", ""), date.today())
            if problem:
                self.add_error("answer" if asked.type == YES_NO else "value", problem)
            data["answer"], data["value"] = answer, value
        if data.get("question") == CONTRACEPTION_AGREED and data.get("answer"):
            if not data.get("contraception_method") and "contraception_method" not in self.errors:
                self.add_error("contraception_method", _("Choose the contraception method agreed."))
        elif data.get("contraception_method"):
            self.add_error("contraception_method",
                           _("A method is recorded only with a yes to the contraception question."))
        return data


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
