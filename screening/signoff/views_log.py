"""The screening log pages: the table with funnel and failure-reason charts, and the streamed CSV export.

Anyone holding a role sees the candidates of the sites where they hold it (monitors their monitored sites,
coordinators and investigators their own); ``?trial=`` narrows to one trial's sites, ``?site=`` to one site."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from screening.signoff import log
from trial.csv_export import csv_response
from trial.fields import SiteChoiceField
from trial.models import Site, Trial
from trial.selectors import sites_of


class SiteFilterForm(forms.Form):
    trial = forms.ModelChoiceField(queryset=Trial.objects.none(), required=False, label=_("Trial"),
                                   empty_label=_("All my trials"))
    site = SiteChoiceField(queryset=Site.objects.none(), required=False, label=_("Site"),
                           empty_label=_("All my sites"))

    def __init__(self, *args, sites: QuerySet[Site], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["trial"].queryset = Trial.objects.filter(sites__in=sites).distinct().order_by("code")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


def _scope(request: HttpRequest) -> tuple[SiteFilterForm, QuerySet[Site]]:
    sites = sites_of(request.user).order_by("trial__code", "number")
    if not sites.exists():
        raise PermissionDenied
    form = SiteFilterForm(request.GET or None, sites=sites)
    if form.is_bound and form.is_valid():
        if form.cleaned_data["trial"] is not None:
            sites = sites.filter(trial=form.cleaned_data["trial"])
        if form.cleaned_data["site"] is not None:
            sites = sites.filter(pk=form.cleaned_data["site"].pk)
    return form, sites


@require_GET
@login_required
def screening_log(request: HttpRequest) -> HttpResponse:
    form, sites = _scope(request)
    rows = list(log.log_rows(sites))
    return render(request, "screening/signoff/log.html", {
        "form": form, "rows": rows, "sites": sites,
        "funnel": log.bar_chart(log.funnel(rows)),
        "reasons": log.bar_chart(log.failure_reasons(rows)),
        "query": request.GET.urlencode(),
    }, status=400 if form.is_bound and not form.is_valid() else 200)


@require_GET
@login_required
def screening_log_export(request: HttpRequest) -> StreamingHttpResponse:
    """The log as CSV, streamed row by row (no direct identifiers)."""
    _, sites = _scope(request)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return csv_response(log.csv_lines(log.log_rows(sites)), f"screening-log-{stamp}.csv")
