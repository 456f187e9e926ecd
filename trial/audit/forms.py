"""Input of the monitor review pages: audit-log filters, verification, queries. Validation only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from trial.audit.ledger import Action
from trial.audit.search import (
    AuditFilters,
    is_sponsor_admin,
    record_type_choices,
    sites_for_filter,
    trials_for_filter,
)
from trial.fields import SiteChoiceField


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    """The audit log's filters. Every value is checked against what the viewer may see: a candidate or a
    site of another site is a form error, never a silent empty result that looks like 'no changes'."""

    trial = forms.ModelChoiceField(queryset=None, required=False, label=_("Trial"), empty_label=_("All my trials"))
    site = SiteChoiceField(queryset=None, required=False, label=_("Site"), empty_label=_("All my sites"))
    candidate = forms.CharField(max_length=16, required=False, label=_("Candidate (screening number)"))
    user = forms.CharField(max_length=150, required=False, label=_("User (username)"))
    record_type = forms.ChoiceField(required=False, label=_("Record type"))
    action = forms.ChoiceField(required=False, label=_("Action"),
                               choices=[("", _("Any"))] + list(Action.choices))
    date_from = forms.DateField(required=False, label=_("From"), widget=DateInput)
    date_to = forms.DateField(required=False, label=_("To (inclusive)"), widget=DateInput)
    reason = forms.CharField(max_length=200, required=False, label=_("Reason contains"))
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, viewer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields["site"].queryset = sites_for_filter(viewer).select_related("trial")
        self.fields["trial"].queryset = trials_for_filter(viewer)
        self.fields["record_type"].choices = [("", _("Any"))] + record_type_choices()

    def _candidate(self, number: str) -> Patient | None:
        """The candidate of that screening number in the chosen trial or site. A number is unique only within
        its trial: one found in several trials asks for the trial, never picks one."""
        patients = Patient.objects.all() if is_sponsor_admin(self.viewer) else Patient.objects.visible_to(self.viewer)
        if site := self.cleaned_data.get("site"):
            patients = patients.filter(site=site)
        elif trial := self.cleaned_data.get("trial"):
            patients = patients.filter(site__trial=trial)
        found = list(patients.filter(screening_number=number)[:2])
        if not found:
            self.add_error("candidate", _("No candidate with this screening number at your sites."))
            return None
        if len(found) > 1:
            self.add_error("candidate", _(
                "Candidates of several trials have this screening number: choose the trial."))
            return None
        return found[0]

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No user with this username."))
        return user

    def clean(self) -> dict:
        data = super().clean()
        # The candidate is looked up here, after the trial and the site it may be narrowed to.
        number = (data.get("candidate") or "").strip()
        data["candidate"] = self._candidate(number) if number else None
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def time_zone(self) -> ZoneInfo:
        """Dates are the site's calendar days: the chosen site's zone, else the zone all the viewer's sites
        share, else the server's."""
        site = self.cleaned_data.get("site")
        zones = {site.time_zone} if site else set(self.fields["site"].queryset.values_list("hospital__time_zone", flat=True))
        return ZoneInfo(zones.pop() if len(zones) == 1 else settings.TIME_ZONE)

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        zone = self.time_zone()

        def start_of(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time.min, tzinfo=zone)

        return AuditFilters(
            site_id=data["site"].pk if data.get("site") else None,
            trial_site_ids=tuple(data["trial"].sites.values_list("pk", flat=True)) if data.get("trial") else None,
            patient_id=data["candidate"].pk if data.get("candidate") else None,
            user_id=data["user"].pk if data.get("user") else None,
            record_type=data.get("record_type") or "",
            action=data.get("action") or "",
            since=start_of(data["date_from"]) if data.get("date_from") else None,
            until=start_of(data["date_to"] + dt.timedelta(days=1)) if data.get("date_to") else None,
            reason=(data.get("reason") or "").strip(),
        )


class RecordForm(forms.Form):
    """Names one record of the candidate (as the ledger names it)."""

    record_type = forms.CharField(max_length=100)
    object_id = forms.CharField(max_length=64)


class VerifyForm(RecordForm):
    """A record to verify, with the version the page showed (a record that keeps none sends none)."""

    version = forms.IntegerField(required=False, min_value=1)


class PanelVerifyForm(forms.Form):
    """Every record a panel showed unverified: ``record`` repeated as "object id:version"."""

    record_type = forms.CharField(max_length=100)

    def __init__(self, data, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.shown = data.getlist("record") if data is not None else []

    def clean(self) -> dict:
        data = super().clean()
        seen = []
        for value in self.shown:
            object_id, _sep, version = value.partition(":")
            if not (object_id.isdigit() and version.isdigit()):
                raise forms.ValidationError(_("Name the records to verify."))
            seen.append((object_id, int(version)))
        data["seen"] = seen  # none: the service says there is nothing to verify
        return data


class QueryRaiseForm(RecordForm):
    field = forms.CharField(max_length=100, label=_("Field"))
    text = forms.CharField(label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class QueryAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
