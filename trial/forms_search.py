"""Finding a candidate on a dashboard: by screening number or initials (part of either), by status, by consent
and by whose turn it is in screening (the worklists' summaries, ``screening.models.worklist``). Only narrows
what the dashboard may show already (``Patient.objects.visible_to``)."""

from __future__ import annotations

from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from patients.models import PatientStatus
from screening.models import WorkState


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label=_("Screening number or initials"), max_length=20, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 01-0003 or WY"),
                                                           "class": "form-control form-control-sm"}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *PatientStatus.choices],
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    consented = forms.ChoiceField(label=_("Consent"), required=False,
                                  choices=[("", _("Any")), ("yes", _("Consented")), ("no", _("Not consented yet"))],
                                  widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    work = forms.ChoiceField(label=_("In screening"), required=False,
                             choices=[("", _("Any")), *WorkState.choices],
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def searching(self) -> bool:
        return bool(self.cleaned_data.get("q", "").strip() or self.cleaned_data.get("status")
                    or self.cleaned_data.get("consented") or self.cleaned_data.get("work"))

    def narrowed(self, candidates: QuerySet) -> QuerySet:
        text = self.cleaned_data.get("q", "").strip()
        if text:
            candidates = candidates.filter(Q(screening_number__icontains=text) | Q(initials__iexact=text))
        if status := self.cleaned_data.get("status"):
            candidates = candidates.filter(status=status)
        if consented := self.cleaned_data.get("consented"):
            candidates = candidates.filter(consents__isnull=consented == "no").distinct()
        if work := self.cleaned_data.get("work"):
            candidates = candidates.filter(_at_work_stage(work))
        return candidates


_WAITING_FOR_INVESTIGATOR = (WorkState.REVIEW, WorkState.READY)


def _at_work_stage(work: str) -> Q:
    """In screening with that summary; "incomplete" also holds the candidates not evaluated yet (a summary is
    written after each write and by the hourly sweep)."""
    if work == WorkState.INCOMPLETE:
        return Q(status=PatientStatus.SCREENING) & ~Q(evaluation_summary__state__in=_WAITING_FOR_INVESTIGATOR)
    return Q(status=PatientStatus.SCREENING, evaluation_summary__state=work)


# The pipeline at a glance: (key, label, the search that lists its candidates).
STAGES = [
    ("registered", _("Registered, not consented"), {"status": PatientStatus.SCREENING, "consented": "no"}),
    ("incomplete", _("Consented, data incomplete"), {"consented": "yes", "work": WorkState.INCOMPLETE}),
    ("review", _("Criteria to decide"), {"work": WorkState.REVIEW}),
    ("ready", _("Ready to sign"), {"work": WorkState.READY}),
    ("eligible", _("Signed eligible"), {"status": PatientStatus.ELIGIBLE}),
    ("enrolled", _("Enrolled"), {"status": PatientStatus.ENROLLED}),
    ("screen_failed", _("Screen failed"), {"status": PatientStatus.SCREEN_FAILED}),
    ("withdrawn", _("Withdrawn"), {"status": PatientStatus.WITHDRAWN}),
]


def pipeline_counts(candidates: QuerySet) -> list[tuple[str, str, int, dict]]:
    """How many candidates are at each stage (one query): (key, label, count, search parameters)."""
    filters = {
        "registered": Q(status=PatientStatus.SCREENING, consents__isnull=True),
        "incomplete": _at_work_stage(WorkState.INCOMPLETE) & Q(consents__isnull=False),
        "review": _at_work_stage(WorkState.REVIEW),
        "ready": _at_work_stage(WorkState.READY),
        **{key: Q(status=query["status"]) for key, _label, query in STAGES[4:]},
    }
    counts = candidates.aggregate(**{key: Count("pk", filter=condition, distinct=True)
                                     for key, condition in filters.items()})
    return [(key, label, counts[key], query) for key, label, query in STAGES]
