"""Finding a candidate on a dashboard: by screening number or initials (part of either), and by status.
Only narrows what the dashboard may show already (``Patient.objects.visible_to``)."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from patients.models import PatientStatus


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label=_("Screening number or initials"), max_length=20, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 01-0003 or WY"),
                                                           "class": "form-control form-control-sm"}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *PatientStatus.choices],
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def searching(self) -> bool:
        return bool(self.cleaned_data.get("q", "").strip() or self.cleaned_data.get("status"))

    def narrowed(self, candidates: QuerySet) -> QuerySet:
        text = self.cleaned_data.get("q", "").strip()
        if text:
            candidates = candidates.filter(Q(screening_number__icontains=text) | Q(initials__iexact=text))
        if status := self.cleaned_data.get("status"):
            candidates = candidates.filter(status=status)
        return candidates
