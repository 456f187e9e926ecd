"""Candidate pages. Every patient is fetched through ``Patient.objects.visible_to``: another site's
candidate is a 404, indistinguishable from one that does not exist. Data entry is for the coordinators
of the candidate's site (others: 403)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from patients import services
from patients.clock import site_today
from patients.forms import PatientCorrectionForm, PatientRegistrationForm
from patients.models import Patient
from patients.selectors import can_enter_data, can_see_identifiers, entry_sites
from patients.timeline import timeline
from patients.versioning import StaleVersion, show_conflict
from screening.consent.selectors import reconsent_reasons, withdrawal_of
from trial.access import role_required
from trial.models import Role


def patient_for_entry(request: HttpRequest, pk: int) -> Patient:
    """The candidate, if the user may enter data for them: other sites 404, other roles 403."""
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=pk)
    if not can_enter_data(request.user, patient.site):
        raise PermissionDenied
    return patient


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def patient_register(request: HttpRequest) -> HttpResponse:
    sites = entry_sites(request.user)
    form = PatientRegistrationForm(request.POST or None, sites=sites)
    duplicates = []
    if request.method == "POST":
        try:  # the site's date judges the date of birth; a malformed site id is the form's error to report
            site = form.fields["site"].clean(request.POST.get("site"))
        except ValidationError:
            site = None
        form.today = site_today(site) if site else None
        if form.is_valid():
            try:
                patient = services.patient_register(
                    acting_user=request.user, site=form.cleaned_data["site"],
                    duplicate_confirmed=form.cleaned_data["confirm_duplicate"], **form.patient_values(),
                )
            except services.PossibleDuplicate as error:
                duplicates = error.duplicates
                form.add_error(None, error)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("patient_detail", pk=patient.pk)
    return render(request, "patients/register.html", {"form": form, "duplicates": duplicates})


@require_GET
@login_required
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(
        Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital", "registered_by"), pk=pk
    )
    consents = patient.consents.select_related("icf_version", "obtained_by").order_by("signed_at", "pk")
    return render(request, "patients/detail.html", {
        "patient": patient,
        "show_identifiers": can_see_identifiers(request.user, patient.site),
        "can_enter_data": can_enter_data(request.user, patient.site),
        "consents": consents,
        "withdrawal": withdrawal_of(patient),
        "reconsent_reasons": reconsent_reasons(patient),
        "timeline": timeline(patient),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for_entry(request, pk)
    form = PatientCorrectionForm(
        request.POST or None, initial=PatientCorrectionForm.initial_of(patient), today=site_today(patient.site)
    )
    if request.method == "POST" and form.is_valid():
        values = form.patient_values()
        try:
            services.patient_update(
                acting_user=request.user, patient=patient, version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"], **values,
            )
        except StaleVersion as error:
            show_conflict(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("patient_detail", pk=patient.pk)
    return render(request, "patients/edit.html", {"form": form, "patient": patient})
