"""Input validation of the follow-up pages; the choices come from the protocol in force."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from followup import treatment_dates
from followup.models import PregnancyTestResult
from screening.eligibility import Protocol
from screening.evidence_text import page_language

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _dose_choices(protocol: Protocol) -> list[tuple[str, str]]:
    unit = protocol.dose_levels.unit
    return [(str(Decimal(str(level))), f"{level:g} × {unit}") for level in protocol.dose_levels.levels]


def _method_choices(protocol: Protocol) -> list[tuple[str, str]]:
    language = page_language()
    return [(code, names[language]) for code, names in protocol.contraception_methods.items()]


class EnrollmentForm(forms.Form):
    dose_level = forms.TypedChoiceField(label=_("Dose level"), coerce=Decimal)
    apheresis_on = forms.DateField(
        label=_("Apheresis date"), required=False, widget=DATE_WIDGET,
        help_text=_("Cell collection (planned or done); not before the eligibility signature."),
    )
    planned_lymphodepletion_on = forms.DateField(label=_("Planned lymphodepletion date"), widget=DATE_WIDGET)
    planned_infusion_on = forms.DateField(label=_("Planned infusion date"), widget=DATE_WIDGET)
    infused_on = forms.DateField(
        label=_("Actual infusion date"), required=False, widget=DATE_WIDGET,
        help_text=_("Once the infusion has happened: starts the monthly follow-up reminders."),
    )

    def __init__(self, *args, protocol: Protocol, bounds: treatment_dates.Bounds | None = None, **kwargs) -> None:
        """``bounds``: the signature's and the first consent's dates, when known (the service checks anyway)."""
        super().__init__(*args, **kwargs)
        if protocol.dose_levels is None:  # a trial without dose levels enrolls without one
            del self.fields["dose_level"]
        else:
            self.fields["dose_level"].choices = [("", "—"), *_dose_choices(protocol)]
        self.bounds = bounds

    def clean(self) -> dict:
        data = super().clean()
        ld, infusion = data.get("planned_lymphodepletion_on"), data.get("planned_infusion_on")
        if ld and infusion and infusion < ld:
            self.add_error("planned_infusion_on", _("The infusion cannot be planned before lymphodepletion."))
        if self.bounds is not None:
            for field, message in treatment_dates.problems(self.bounds, data).items():
                if field not in self.errors:
                    self.add_error(field, message)
        return data


class EnrollmentChangeForm(EnrollmentForm):
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DiscontinueForm(forms.Form):
    discontinued_on = forms.DateField(label=_("Discontinued on"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class PregnancyTestForm(forms.Form):
    result = forms.ChoiceField(label=_("Serum pregnancy test result"), choices=PregnancyTestResult.choices,
                               widget=forms.RadioSelect)
    tested_on = forms.DateField(label=_("Blood drawn on"), widget=DATE_WIDGET)


class ContraceptionCheckinForm(forms.Form):
    method_in_use = forms.TypedChoiceField(
        label=_("Is the contraception method still in use?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(label=_("Method"), required=False)

    def __init__(self, *args, protocol: Protocol, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [("", "—"), *_method_choices(protocol)]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("method_in_use") is True and not data.get("method"):
            self.add_error("method", _("Name the method in use."))
        return data


class NoticeForm(forms.Form):
    """The end-of-requirement notice needs no answer, only the confirmation that the subject was told."""
