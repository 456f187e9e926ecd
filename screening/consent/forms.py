"""Consent, withdrawal and ICF version forms: input validation only; the services re-check and save."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.clock import site_datetime, site_today, site_zone
from patients.forms import DateInput, yes_no, yes_no_field
from patients.models import Patient
from patients.selectors import site_staff
from screening.consent import rules
from screening.consent.selectors import latest_icf_version, version_dates
from screening.models import Consent, ICFVersion, Signer
from trial.models import Site


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%H:%M")


class ConsentForm(forms.Form):
    """A signed consent at the candidate's site; date and time are read off the site's clock."""

    icf_version = forms.ModelChoiceField(label=_("ICF version"), queryset=None)
    signer = forms.ChoiceField(label=_("Signed by"), choices=Signer.choices, widget=forms.RadioSelect,
                               initial=Signer.PATIENT)
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=200, required=False)
    guardian_relationship = forms.CharField(label=_("Guardian's relationship"), max_length=100, required=False)
    signed_on = forms.DateField(label=_("Signing date"), widget=DateInput)
    signed_time = forms.TimeField(label=_("Signing time (site's local time)"), widget=TimeInput)
    obtained_by = StaffChoiceField(label=_("Consent obtained by"), queryset=None)
    subject_can_read = yes_no_field(_("The subject can read the form"), initial="yes")
    witness_name = forms.CharField(label=_("Impartial witness (when the subject cannot read)"), max_length=200,
                                   required=False)
    copy_given = yes_no_field(_("Copy of the signed form given to the subject"))

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.site = patient.site
        self.fields["icf_version"].queryset = ICFVersion.objects.filter(site=self.site).order_by(
            "language", "-effective_on"
        )
        self.fields["icf_version"].label_from_instance = lambda v: (
            f"{v.label} — {v.get_language_display()} (effective {v.effective_on.isoformat()}"
            + (f", superseded {v.superseded_on.isoformat()})" if v.superseded_on else ")")
        )
        self.fields["obtained_by"].queryset = site_staff(self.site)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("signer") == Signer.GUARDIAN:
            if not data.get("guardian_name", "").strip():
                self.add_error("guardian_name", _("Give the guardian's name."))
            if not data.get("guardian_relationship", "").strip():
                self.add_error("guardian_relationship", _("Give the guardian's relationship to the candidate."))
        if data.get("subject_can_read") is False and not data.get("witness_name", "").strip():
            self.add_error("witness_name", _("An impartial witness is required when the subject cannot read."))
        if data.get("signed_on") and data.get("signed_time"):
            data["signed_at"] = site_datetime(self.site, data["signed_on"], data["signed_time"])
            version = data.get("icf_version")
            if data["signed_at"] > timezone.now():
                self.add_error("signed_on", _("The signing date and time are in the future."))
            elif version is not None and (
                problem := rules.signing_problem(
                    signed_on=data["signed_on"], version=version_dates(version), today=site_today(self.site)
                )
            ):
                self.add_error("signed_on", problem)
        return data

    def consent_values(self) -> dict:
        data = self.cleaned_data
        names = ["icf_version", "signer", "guardian_name", "guardian_relationship", "signed_at", "obtained_by",
                 "subject_can_read", "witness_name", "copy_given"]
        return {name: data[name] for name in names}


class ConsentCorrectionForm(ConsentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=500)

    @classmethod
    def initial_of(cls, consent: Consent) -> dict:
        local = timezone.localtime(consent.signed_at, site_zone(consent.patient.site))
        return {
            "icf_version": consent.icf_version_id, "signer": consent.signer,
            "guardian_name": consent.guardian_name, "guardian_relationship": consent.guardian_relationship,
            "signed_on": local.date(), "signed_time": local.time().replace(second=0, microsecond=0),
            "obtained_by": consent.obtained_by_id, "subject_can_read": yes_no(consent.subject_can_read),
            "witness_name": consent.witness_name, "copy_given": yes_no(consent.copy_given),
            "version": consent.version,
        }


class WithdrawalForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawal date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = site_today(patient.site)

    def clean_withdrawn_on(self):
        withdrawn_on = self.cleaned_data["withdrawn_on"]
        if withdrawn_on > self.today:
            raise forms.ValidationError(_("The withdrawal date %(date)s is in the future.") % {
                "date": withdrawn_on.isoformat(),
            })
        return withdrawn_on


class ICFVersionForm(forms.Form):
    """A new ICF version for one of ``sites``; the previous one in that language is superseded."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=None, empty_label=None)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    label = forms.CharField(label=_("Version"), max_length=32, help_text=_("As printed on the form, e.g. 2.1"))
    ethics_approved_on = forms.DateField(label=_("Ethics approval date"), widget=DateInput)
    effective_on = forms.DateField(label=_("Effective date"), widget=DateInput)
    pdf = forms.FileField(label=_("Signed-off ICF (PDF, at most 20 MB)"),
                          widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))

    def __init__(self, *args, sites, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites

    def clean_label(self) -> str:
        return self.cleaned_data["label"].strip()

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        upload.seek(0)
        problem = rules.icf_file_problem(upload.read(len(rules.PDF_MAGIC)), upload.size)
        upload.seek(0)
        if problem:
            raise forms.ValidationError(problem)
        return upload

    def clean(self) -> dict:
        data = super().clean()
        site: Site | None = data.get("site")
        if site and data.get("language") and data.get("ethics_approved_on") and data.get("effective_on"):
            current = latest_icf_version(site, data["language"])
            problems = rules.new_version_problems(
                ethics_approved_on=data["ethics_approved_on"], effective_on=data["effective_on"],
                current=version_dates(current) if current else None, today=site_today(site),
            )
            for field, problem in problems.items():
                self.add_error(field, problem)
        return data
