"""Registration and correction forms: input validation only; the services re-check and save."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from patients import rules
from patients.models import NonChildbearingReason, Patient, Sex
from trial.fields import SiteChoiceField

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def yes_no_field(label: str, **kwargs) -> forms.TypedChoiceField:
    """An explicit yes/no (radio buttons): an unticked checkbox cannot tell "no" from "not answered"."""
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda value: value == "yes", widget=forms.RadioSelect, **kwargs
    )


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _model_field(name: str, **kwargs) -> forms.Field:
    return Patient._meta.get_field(name).formfield(**kwargs)


class PatientFieldsForm(forms.Form):
    """The candidate's registration data; ``today`` is the site's date (for the date of birth)."""

    initials = forms.CharField(label=_("Initials"), max_length=4, help_text=_("2 to 4 letters, e.g. ZXL"))
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    weight_kg = _model_field("weight_kg", label=_("Weight (kg)"))
    childbearing_potential = yes_no_field(_("Of childbearing potential"))
    non_childbearing_reason = forms.ChoiceField(
        label=_("If not, why"), choices=[("", "—"), *NonChildbearingReason.choices], required=False
    )
    gilbert_syndrome = yes_no_field(_("Gilbert syndrome"))
    full_name = forms.CharField(label=_("Full name (optional)"), max_length=200, required=False,
                                help_text=_("Shown only to clinical staff of this site."))
    hospital_record_number = forms.CharField(label=_("Hospital record number (optional)"), max_length=64,
                                             required=False)

    def __init__(self, *args, today: date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_initials(self) -> str:
        initials = self.cleaned_data["initials"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2,4}", initials):
            raise forms.ValidationError(_("Initials are 2 to 4 letters A-Z."))
        return initials

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if self.today is not None and (problem := rules.date_of_birth_problem(born, self.today)):
            raise forms.ValidationError(problem)
        return born

    def clean_weight_kg(self):
        weight = self.cleaned_data["weight_kg"]
        if problem := rules.weight_problem(weight):
            raise forms.ValidationError(problem)
        return weight

    def clean(self) -> dict:
        data = super().clean()
        if {"sex", "childbearing_potential"} <= data.keys():
            for field, problem in rules.childbearing_problem(
                data["sex"], data["childbearing_potential"], data.get("non_childbearing_reason", "")
            ).items():
                self.add_error(field, problem)
        return data

    def patient_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in PatientFieldsForm.base_fields}


class PatientRegistrationForm(PatientFieldsForm):
    site = SiteChoiceField(label=_("Site"), queryset=None, empty_label=None)
    confirm_duplicate = forms.BooleanField(
        label=_("I have checked: this is another person than the possible duplicate listed"), required=False
    )
    field_order = ["site"]

    def __init__(self, *args, sites, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class PatientCorrectionForm(PatientFieldsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=500)

    @classmethod
    def initial_of(cls, patient: Patient) -> dict:
        initial = {name: getattr(patient, name) for name in PatientFieldsForm.base_fields}
        initial["childbearing_potential"] = yes_no(patient.childbearing_potential)
        initial["gilbert_syndrome"] = yes_no(patient.gilbert_syndrome)
        initial["version"] = patient.version
        return initial
