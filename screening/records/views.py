"""Entry pages for screening records, attestations and reference ranges.

Every page works without JavaScript (plain POST, redirect to the candidate page); with htmx the forms post
in place and the response is the refreshed panel with the client event ``facts-changed``, on which the
eligibility checklist reloads itself. Candidates come through ``patients.views.patient_for_entry`` (another
site: 404, not a coordinator there: 403); records through the user's visible candidates.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from patients.clock import site_today
from patients.models import Patient
from patients.selectors import can_enter_data
from patients.versioning import StaleVersion, show_conflict
from patients.views import patient_for_entry
from screening.eligibility import Protocol
from screening.models import Attestation, ScreeningRecord
from screening.records import ranges, selectors, services
from screening.records.forms import (
    AttestationForm,
    AttestationsForm,
    MarkInErrorForm,
    RecordForm,
    ReferenceRangeForm,
    lab_test_choices,
)
from screening.records.kinds import KINDS
from screening.records.kinds.base import RecordKind
from screening.records.lab_draw import DrawProblems, LabDrawForm, lab_draw_create
from trial.access import role_required
from trial.audit.search import VERIFIED, queryable_fields, verification_state
from trial.htmx import HtmxHttpRequest
from trial.models import Role
from trial.protocol_versions import current_protocol, protocol_for
from trial.selectors import sites_of

FACTS_CHANGED = "facts-changed"


def needs_protocol(view):
    """Entry pages validate against the protocol in force: without one, say so instead of failing."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ValidationError as error:
            if error.code != "no_protocol":
                raise
            return render(request, "screening/records/no_protocol.html", {"message": error.message}, status=503)

    return wrapper


def _kind(slug: str):
    if slug not in KINDS:
        raise Http404
    return KINDS[slug]


def _preview(kind: RecordKind, data, protocol: Protocol, patient: Patient) -> dict | None:
    return kind.preview(data, protocol, patient) if kind.preview is not None else None


def _record_form(slug: str, patient: Patient, data=None, protocol: Protocol | None = None, **kwargs) -> RecordForm:
    protocol = protocol or protocol_for(patient.site.trial)
    return KINDS[slug].form(data, patient=patient, protocol=protocol, today=site_today(patient.site), **kwargs)


def panel_context(patient: Patient, slug: str, *, can_enter: bool, form: RecordForm | None = None,
                  editing: ScreeningRecord | None = None, marking: ScreeningRecord | None = None,
                  side_form=None, open_form: bool = False, protocol: Protocol | None = None,
                  lazy_form: bool = False, records: list[ScreeningRecord] | None = None,
                  verification: dict | None = None,
                  draw_form: LabDrawForm | None = None) -> dict:
    """Everything ``screening/records/_panel.html`` needs for one kind's panel.

    ``lazy_form``: leave the closed "Add" form out; opening it fetches it (htmx GET of the "new" view). The
    candidate page shows eight panels whose forms are rarely opened: building and rendering them was a
    third of the page's time. ``records``: the kind's records (``selectors.records_of``), if read already.
    ``draw_form``: the labs panel's form for a whole draw, when open (else fetched when first opened).
    ``verification``: for a monitor of the site, the versions of the candidate's records that monitors
    verified (``trial.audit.search.verified_versions``); None for anyone else (no verify buttons)."""
    kind = KINDS[slug]
    protocol = protocol or protocol_for(patient.site.trial)
    if can_enter and form is None and editing is None and marking is None and not lazy_form:
        form = _record_form(slug, patient, protocol=protocol)
    shown = form if form is not None else None
    preview = None
    if shown is not None:
        data = shown.data if shown.is_bound else shown.initial
        preview = _preview(kind, data, protocol, patient)
    records = list(selectors.records_of(patient, slug)) if records is None else records
    kind.as_listed(records, patient, protocol)
    for record in records if verification is not None else ():
        record.sdv = verification_state(verification, kind.record_type, record)  # "", "verified" or "changed"
    return {
        "patient": patient, "kind": kind, "records": records,
        "can_enter": can_enter, "form": form, "editing": editing, "marking": marking, "side_form": side_form,
        "preview": preview, "open_form": open_form or bool(form is not None and form.is_bound),
        "protocol": protocol, "item_names": kind.item_names(protocol), "draw_form": draw_form,
        "can_verify": verification is not None,
        # "Verify all" sends what the page showed: each record not verified at its shown version.
        "to_verify": [record for record in records if record.sdv != VERIFIED] if verification is not None else [],
        # A monitor raises a query on a field of a record from its row: the fields a query may name.
        "query_fields": queryable_fields(kind.record_type) if verification is not None else [],
    }


def _panel_response(request: HtmxHttpRequest, context: dict, *, changed: bool = False) -> HttpResponse:
    response = render(request, "screening/records/_panel.html", {"panel": context, "patient": context["patient"]})
    if changed:
        trigger_client_event(response, FACTS_CHANGED)
    return response


def _back_to_patient(patient: Patient, slug: str) -> HttpResponse:
    return redirect(f"{reverse('patient_detail', args=[patient.pk])}#panel-{slug}")


def _visible_record(request: HtmxHttpRequest, slug: str, pk: int) -> ScreeningRecord:
    record = selectors.visible_record(request.user, slug, pk)
    if record is None:
        raise Http404
    if not can_enter_data(request.user, record.patient.site):
        raise PermissionDenied
    return record


@require_GET
@login_required
@needs_protocol
def screening_record_panel(request: HtmxHttpRequest, pk: int, slug: str) -> HttpResponse:
    """One kind's panel (htmx: after "cancel" of an inline correction)."""
    _kind(slug)
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=pk)
    return _panel_response(request, panel_context(patient, slug, can_enter=can_enter_data(request.user, patient.site)))


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
@needs_protocol
def screening_record_new(request: HtmxHttpRequest, pk: int, slug: str) -> HttpResponse:
    kind = _kind(slug)
    patient = patient_for_entry(request, pk)
    form = _record_form(slug, patient, request.POST or None, initial=selectors.last_date_of(patient, slug))
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_record_create(acting_user=request.user, kind=slug, patient=patient, values=form.values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return _panel_response(request, panel_context(patient, slug, can_enter=True, open_form=True, protocol=form.protocol),
                                       changed=True)
            return _back_to_patient(patient, slug)
    if request.htmx:
        return _panel_response(request, panel_context(patient, slug, can_enter=True, form=form, protocol=form.protocol))
    return render(request, "screening/records/form_page.html", {
        "patient": patient, "kind": kind, "form": form, "action": request.path,
        "preview": _preview(kind, form.data if form.is_bound else {}, form.protocol, patient),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
@needs_protocol
def lab_draw_new(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The results of one blood draw, several tests in one form (``screening.records.lab_draw``)."""
    patient = patient_for_entry(request, pk)
    protocol = protocol_for(patient.site.trial)
    form = LabDrawForm(request.POST or None, patient=patient, protocol=protocol, today=site_today(patient.site),
                       defaults=ranges.reference_ranges_for(patient), initial=selectors.last_date_of(patient, "labs"))
    if request.method == "POST" and form.is_valid():
        try:
            lab_draw_create(acting_user=request.user, patient=patient, collected_on=form.cleaned_data["collected_on"],
                            source=form.cleaned_data["source"], results=form.results())
        except DrawProblems as error:
            form.add_service_errors(error.problems)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return _panel_response(request, panel_context(patient, "labs", can_enter=True, protocol=protocol),
                                       changed=True)
            return _back_to_patient(patient, "labs")
    if request.htmx:
        return _panel_response(request, panel_context(patient, "labs", can_enter=True, protocol=protocol,
                                                      lazy_form=True, draw_form=form))
    return render(request, "screening/records/lab_draw_page.html", {"patient": patient, "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
@needs_protocol
def screening_record_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Correct a record: reason required, and a version check against a concurrent change."""
    kind = _kind(slug)
    record = _visible_record(request, slug, pk)
    patient = patient_for_entry(request, record.patient_id)
    form = _record_form(slug, patient, request.POST or None, correction=True,
                        initial=kind.form.initial_of(record))
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_record_update(
                acting_user=request.user, record=record, version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"], values=form.values(),
            )
        except StaleVersion as error:
            show_conflict(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return _panel_response(request, panel_context(patient, slug, can_enter=True, protocol=form.protocol),
                                       changed=True)
            return _back_to_patient(patient, slug)
    if request.htmx:
        return _panel_response(request, panel_context(patient, slug, can_enter=True, form=form, editing=record,
                                                      protocol=form.protocol))
    return render(request, "screening/records/form_page.html", {
        "patient": patient, "kind": kind, "form": form, "record": record, "action": request.path,
        "preview": _preview(kind, form.data if form.is_bound else form.initial, form.protocol, patient),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
@needs_protocol
def screening_record_mark_in_error(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take a record out of the facts as entered in error (never deleted), with a reason."""
    kind = _kind(slug)
    record = _visible_record(request, slug, pk)
    patient = patient_for_entry(request, record.patient_id)
    form = MarkInErrorForm(request.POST or None, initial={"version": record.version},
                           auto_id=f"id_{slug}_error_%s")
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_record_mark_in_error(
                acting_user=request.user, record=record, version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except StaleVersion as error:
            show_conflict(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return _panel_response(request, panel_context(patient, slug, can_enter=True), changed=True)
            return _back_to_patient(patient, slug)
    if request.htmx:
        return _panel_response(request, panel_context(patient, slug, can_enter=True, marking=record, side_form=form))
    return render(request, "screening/records/in_error_page.html",
                  {"patient": patient, "kind": kind, "form": form, "record": record, "action": request.path})


@require_POST
@login_required
@needs_protocol
def screening_record_preview(request: HtmxHttpRequest, pk: int, slug: str) -> HttpResponse:
    """The live score / conversion of a form being filled in; reads only."""
    kind = _kind(slug)
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=pk)
    preview = _preview(kind, request.POST, protocol_for(patient.site.trial), patient)
    if preview is None:
        raise Http404
    return render(request, f"{kind.template}#preview", {"preview": preview})


# -- attestations ---------------------------------------------------------------------------------------


def attestation_context(patient: Patient, *, can_attest: bool, form: AttestationForm | None = None,
                        protocol: Protocol | None = None, history: list[Attestation] | None = None,
                        together: AttestationsForm | None = None) -> dict:
    """``history``: the candidate's ``attestation_history``, if read already."""
    protocol = protocol or protocol_for(patient.site.trial)
    if can_attest and form is None:
        form = AttestationForm(protocol=protocol, language=get_language() or "en",
                               action=reverse("attestation_new", args=[patient.pk]))
    history = selectors.attestation_history(patient) if history is None else history
    latest = selectors.latest_of(history)  # the same rows: one query for both
    if can_attest and together is None:
        together = AttestationsForm(protocol=protocol, language=get_language() or "en", answered=latest)
    labels = selectors.attestation_questions(protocol, get_language() or "en", latest)
    questions = [(code, label, latest.get(code)) for code, label in labels]
    names = dict(labels)
    return {"patient": patient, "form": form, "can_attest": can_attest, "questions": questions, "history": history,
            "together": together if together is not None and together.open_questions else None,
            "history_rows": [(a, names.get(a.question, a.question)) for a in history], "protocol": protocol}


def _to_attest(request: HtmxHttpRequest, pk: int) -> tuple[Patient, Protocol]:
    """The candidate and their protocol, for an investigator of the candidate's site (others 403, other sites
    404)."""
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=pk)
    if not services.can_attest(request.user, patient.site):
        raise PermissionDenied
    return patient, protocol_for(patient.site.trial)


@require_http_methods(["GET", "POST"])
@login_required
@needs_protocol
def attestation_new(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Investigator decisions: investigators of the candidate's site only (others 403, other sites 404)."""
    patient, protocol = _to_attest(request, pk)
    form = AttestationForm(request.POST or None, protocol=protocol, language=get_language() or "en",
                           action=request.path, initial={"question": request.GET.get("question", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.attestation_record(acting_user=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                response = render(request, "screening/records/_attestations.html",
                                  {"att": attestation_context(patient, can_attest=True), "patient": patient})
                trigger_client_event(response, FACTS_CHANGED)
                return response
            return redirect(f"{reverse('patient_detail', args=[patient.pk])}#attestations")
    context = attestation_context(patient, can_attest=True, form=form)
    if request.htmx:
        return render(request, "screening/records/_attestations.html", {"att": context, "patient": patient})
    return render(request, "screening/records/attestation_page.html", {"att": context, "patient": patient})


@require_POST
@login_required
@needs_protocol
def attestations_new(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The open yes/no questions answered together; the same access as one attestation."""
    patient, protocol = _to_attest(request, pk)
    history = selectors.attestation_history(patient)
    together = AttestationsForm(request.POST, protocol=protocol, language=get_language() or "en",
                                answered=selectors.latest_of(history))
    if together.is_valid():
        try:
            services.attestations_record(acting_user=request.user, patient=patient, answers=together.answers())
        except ValidationError as error:
            together.add_error(None, error.messages)
        else:
            if not request.htmx:
                return redirect(f"{reverse('patient_detail', args=[patient.pk])}#attestations")
            response = render(request, "screening/records/_attestations.html",
                              {"att": attestation_context(patient, can_attest=True), "patient": patient})
            trigger_client_event(response, FACTS_CHANGED)
            return response
    context = attestation_context(patient, can_attest=True, protocol=protocol, history=history, together=together)
    template = "screening/records/_attestations.html" if request.htmx else "screening/records/attestation_page.html"
    return render(request, template, {"att": context, "patient": patient})


# -- reference ranges ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def reference_ranges(request: HtmxHttpRequest) -> HttpResponse:
    """The default reference ranges of the coordinator's sites, and a form to add one."""
    sites = sites_of(request.user, roles=[Role.COORDINATOR])
    protocols = _protocols_of_sites(sites)
    # No catalogue yet (no protocol loaded for the coordinator's trials): the hospital's ranges are listed,
    # and the page says why none can be added, instead of a form whose tests would be unknown.
    form = ReferenceRangeForm(request.POST or None, sites=sites, protocols=protocols) if protocols else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.reference_range_save(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("reference_ranges")
    return render(request, "screening/records/reference_ranges.html", {
        "form": form, "ranges": ranges.reference_ranges_of(sites), "lab_names": dict(lab_test_choices(*protocols)),
    })


def _protocols_of_sites(sites) -> list[Protocol]:
    """The catalogues the coordinator's reference ranges are for: the protocols in force of their sites'
    trials (a trial whose protocol is not loaded yet has none)."""
    trials = {site.trial for site in sites}
    if not trials:
        raise PermissionDenied
    return [protocol for trial in sorted(trials, key=lambda t: t.code) if (protocol := current_protocol(trial))]


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def reference_range_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    sites = sites_of(request.user, roles=[Role.COORDINATOR])
    reference = get_object_or_404(ranges.reference_ranges_of(sites), pk=pk)
    protocols = _protocols_of_sites(sites)
    if not protocols:
        return redirect("reference_ranges")  # which says why
    # The range may have been set through the hospital's site in another trial: changed through one of the
    # coordinator's own sites at that hospital.
    own_site = sites.filter(hospital_id=reference.hospital_id).first()
    initial = {"site": own_site, "test": reference.test, "sex": reference.sex, "low": reference.low,
               "high": reference.high, "unit": reference.unit, "version": reference.version}
    form = ReferenceRangeForm(request.POST or None, sites=sites, protocols=protocols, correction=True,
                              initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reference_range_save(acting_user=request.user, **form.cleaned_data)
        except StaleVersion as error:
            show_conflict(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("reference_ranges")
    return render(request, "screening/records/reference_range_edit.html", {"form": form, "reference": reference})
