"""Consent pages: ICF versions, consent records and corrections, withdrawal, the re-consent worklist.

Candidates come through ``patients.views.patient_for_entry`` (other site: 404; not a coordinator there:
403); ICF versions through the sites the user holds a role at."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from patients.models import Patient
from patients.selectors import entry_sites
from patients.versioning import StaleVersion, show_conflict
from patients.views import patient_for_entry
from screening.consent import services
from screening.consent.forms import (
    ConsentCorrectionForm,
    ConsentForm,
    ICFVersionForm,
    WithdrawalForm,
)
from screening.consent.selectors import reconsent_counts, reconsent_worklist
from screening.models import Consent, ICFVersion
from trial.access import role_required
from trial.models import Role
from trial.selectors import sites_of


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for_entry(request, pk)
    form = ConsentForm(request.POST or None, patient=patient, initial={"obtained_by": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(acting_user=request.user, patient=patient, **form.consent_values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("patient_detail", pk=patient.pk)
    return render(request, "screening/consent_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def consent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    visible = Consent.objects.filter(patient__in=Patient.objects.visible_to(request.user))
    consent = get_object_or_404(visible.select_related("patient"), pk=pk)
    patient = patient_for_entry(request, consent.patient_id)
    form = ConsentCorrectionForm(request.POST or None, patient=patient, initial=ConsentCorrectionForm.initial_of(consent))
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_update(
                acting_user=request.user, consent=consent, version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"], **form.consent_values(),
            )
        except StaleVersion as error:
            show_conflict(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("patient_detail", pk=patient.pk)
    return render(request, "screening/consent_form.html", {"form": form, "patient": patient, "consent": consent})


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def withdrawal_record(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for_entry(request, pk)
    form = WithdrawalForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_withdraw(acting_user=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("patient_detail", pk=patient.pk)
    return render(request, "screening/consent_withdraw.html", {"form": form, "patient": patient})


@require_GET
@login_required
def icf_versions(request: HttpRequest) -> HttpResponse:
    sites = sites_of(request.user)
    if not sites.exists():
        raise PermissionDenied
    versions = ICFVersion.objects.filter(site__in=sites).select_related("site__trial", "site__hospital", "added_by").order_by(
        "site__number", "language", "-effective_on"
    )
    return render(request, "screening/consent_icf_list.html", {
        "versions": versions, "can_add": entry_sites(request.user).exists(),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def icf_version_add(request: HttpRequest) -> HttpResponse:
    form = ICFVersionForm(request.POST or None, request.FILES or None, sites=entry_sites(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.icf_version_add(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("icf_versions")
    return render(request, "screening/consent_icf_form.html", {"form": form})


@require_GET
@login_required
def icf_version_pdf(request: HttpRequest, pk: int) -> FileResponse:
    version = get_object_or_404(ICFVersion.objects.filter(site__in=sites_of(request.user)), pk=pk)
    return FileResponse(version.pdf.open("rb"), content_type="application/pdf",
                        filename=f"ICF-{version.site.code}-{version.language}-{version.label}.pdf")


@require_GET
@login_required
def reconsent(request: HttpRequest) -> HttpResponse:
    sites = sites_of(request.user)
    if not sites.exists():
        raise PermissionDenied
    return render(request, "screening/consent_reconsent.html", {
        "items": reconsent_worklist(sites), "counts": reconsent_counts(sites),
        "entry_site_ids": set(entry_sites(request.user).values_list("pk", flat=True)),
    })
