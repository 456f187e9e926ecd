"""Monitor review pages: the audit log (search, one entry, CSV), a candidate's change history, and the
verification / query actions. Thin: scoping is in ``trial.audit.search``, writes in ``trial.audit.review``."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from patients.models import Patient
from trial.access import audit_reader_required
from trial.audit import review as services_review
from trial.audit.forms import (
    AuditFilterForm,
    PanelVerifyForm,
    QueryAnswerForm,
    QueryRaiseForm,
    VerifyForm,
)
from trial.audit.monitoring import DataQuery
from trial.audit.naming import record_type_label
from trial.audit.presenting import shown_entries, shown_queries
from trial.audit.search import (
    closed_queries,
    entries_visible_to,
    iter_entries,
    last_verification_run,
    my_verifications,
    open_queries,
    queryable_fields,
    search_entries,
    visible_changes,
)
from trial.audit.search import (
    patient_history as history_of,
)
from trial.csv_export import csv_response, safe_writer
from trial.models import Role
from trial.selectors import has_role


def _filter_query(form: AuditFilterForm, **extra) -> str:
    """The submitted filters (as typed, without the page cursor) plus ``extra``, as a query string."""
    params = {name: form.data.get(name) for name in form.fields if name != "before" and form.data.get(name)}
    params.update(extra)
    return urlencode(params)


@require_GET
@audit_reader_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, viewer=request.user)
    page = None
    if form.is_valid():
        page = search_entries(request.user, form.filters(), before=form.cleaned_data.get("before"))
    return render(request, "audit/log.html", {
        "form": form,
        "page": page,
        "rows": [(shown.entry, shown.changes, shown.record) for shown in shown_entries(page.entries)] if page else [],
        "next_query": _filter_query(form, before=page.next_before) if page and page.next_before else "",
        "filter_query": _filter_query(form),
        "last_run": last_verification_run(),
    }, status=200 if form.is_valid() else 400)


CSV_HEADER = ["entry", "time_utc", "site", "candidate", "record_type", "object_id", "action", "user", "path",
              "ip", "reason", "changes"]


def csv_row(entry) -> list[str]:
    """One entry as exported: no direct identifiers (they are not in the changes shown either)."""
    changes = {change.field: [change.old, change.new] for change in visible_changes(entry)}
    return [
        str(entry.pk), entry.occurred_at.isoformat(), entry.site.code if entry.site_id else "",
        entry.patient.screening_number if entry.patient_id else "", entry.record_type, entry.object_id,
        entry.action, entry.user.username if entry.user_id else "", entry.url, entry.ip, entry.reason,
        json.dumps(changes, ensure_ascii=False, sort_keys=True, default=str),
    ]


@require_GET
@audit_reader_required
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, viewer=request.user)
    if not form.is_valid():
        return render(request, "audit/log.html", {"form": form, "page": None, "rows": [],
                                                  "last_run": last_verification_run()}, status=400)
    filters, user = form.filters(), request.user
    writer = safe_writer()

    def rows() -> Iterator[str]:
        yield writer.writerow(CSV_HEADER)
        for entry in iter_entries(user, filters):
            yield writer.writerow(csv_row(entry))

    return csv_response(rows(), "audit-log.csv")


@require_GET
@audit_reader_required
def audit_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(entries_visible_to(request.user).select_related("site__trial", "site__hospital", "patient", "user"), pk=pk)
    can_review = entry.patient_id is not None and has_role(request.user, Role.MONITOR, entry.patient.site)
    [shown] = shown_entries([entry])
    return render(request, "audit/entry.html", {
        "entry": entry,
        "changes": shown.changes,
        "record_label": shown.record,
        "can_review": can_review,
        "fields": queryable_fields(entry.record_type) if can_review else [],
    })


@require_GET
@login_required
def patient_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change to everything about one candidate, oldest first. Staff of the candidate's site only."""
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=pk)
    after = request.GET.get("after", "")
    page = history_of(patient, after=int(after) if after.isdigit() else None)
    is_monitor = has_role(request.user, Role.MONITOR, patient.site)
    verified = my_verifications(request.user, patient) if is_monitor else {}
    rows = []
    for shown in shown_entries(page.entries):
        entry = shown.entry
        mark = verified.get((entry.record_type, entry.object_id))
        rows.append({
            "entry": entry,
            "changes": shown.changes,
            "record_label": shown.record,
            # None: never verified by me; True: changed after my last verification; False: verified as is.
            "changed_since_verified": None if mark is None else entry.pk > mark,
        })
    can_answer = not is_monitor and (
        has_role(request.user, Role.COORDINATOR, patient.site) or has_role(request.user, Role.INVESTIGATOR, patient.site)
    )
    return render(request, "audit/patient_history.html", {
        "patient": patient,
        "rows": rows,
        "next_after": page.next_before,
        "is_monitor": is_monitor,
        "can_answer": can_answer,
        "queries": shown_queries(open_queries(patient).select_related("raised_by", "answered_by")),
        # Closed ones stay listed: what was asked, answered and why it was closed.
        "closed_queries": shown_queries(closed_queries(patient).select_related("raised_by", "answered_by",
                                                                               "closed_by")),
        "answer_form": QueryAnswerForm(),
    })


def _history_url(patient: Patient) -> str:
    return reverse("patient_history", args=[patient.pk])


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _monitored_patient(request: HttpRequest, pk: int) -> Patient:
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=pk)
    if not has_role(request.user, Role.MONITOR, patient.site):
        raise PermissionDenied
    return patient


@require_POST
@login_required
def record_verify(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _monitored_patient(request, pk)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the record to verify."))
        return redirect(_history_url(patient))
    data = form.cleaned_data
    try:
        services_review.verification_create(acting_user=request.user, patient=patient, record_type=data["record_type"],
                                            object_id=data["object_id"], seen_version=data["version"])
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("%(record)s marked verified.") % {"record": record_type_label(data["record_type"])})
    return _back(request, patient)


@require_POST
@login_required
def panel_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Verify every record a panel of the candidate page showed unverified, at once."""
    patient = _monitored_patient(request, pk)
    form = PanelVerifyForm(request.POST)
    if not form.is_valid():
        _report(request, ValidationError(form.non_field_errors() or _("Name the records to verify.")))
        return _back(request, patient)
    try:
        done = services_review.verifications_create(acting_user=request.user, patient=patient,
                                                    record_type=form.cleaned_data["record_type"],
                                                    seen=form.cleaned_data["seen"])
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, ngettext("%(count)d record marked verified.", "%(count)d records marked verified.",
                                           len(done)) % {"count": len(done)})
    return _back(request, patient)


def _back(request: HttpRequest, patient) -> HttpResponse:
    """Back where the monitor acted: the candidate page's panel (``next``), or the candidate's history."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(_history_url(patient))


@require_POST
@login_required
def query_raise(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _monitored_patient(request, pk)
    form = QueryRaiseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, patient)
    try:
        services_review.query_raise(acting_user=request.user, patient=patient, **form.cleaned_data)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Query raised."))
    return _back(request, patient)


def _visible_query(request: HttpRequest, pk: int) -> DataQuery:
    return get_object_or_404(
        DataQuery.objects.filter(patient__in=Patient.objects.visible_to(request.user)).select_related("patient__site__trial", "patient__site__hospital"),
        pk=pk,
    )


@require_POST
@login_required
def query_answer(request: HttpRequest, pk: int) -> HttpResponse:
    query = _visible_query(request, pk)
    if has_role(request.user, Role.MONITOR, query.patient.site):
        raise PermissionDenied  # monitors never enter data
    form = QueryAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the answer."))
        return redirect(_history_url(query.patient))
    try:
        services_review.query_answer(acting_user=request.user, query=query, answer=form.cleaned_data["answer"])
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Answer sent to the monitor."))
    return redirect(_history_url(query.patient))


def _monitor_resolves(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    """A monitor's close or reopen of a query of their site, with the note the form sent."""
    query = _visible_query(request, pk)
    if not has_role(request.user, Role.MONITOR, query.patient.site):
        raise PermissionDenied
    try:
        service(acting_user=request.user, query=query, note=request.POST.get("note", ""))
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, done)
    return redirect(_history_url(query.patient))


@require_POST
@login_required
def query_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _monitor_resolves(request, pk, services_review.query_close, _("Query closed."))


@require_POST
@login_required
def query_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _monitor_resolves(request, pk, services_review.query_reopen,
                             _("Query reopened: the site answers it again."))
