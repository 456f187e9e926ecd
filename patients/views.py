"""Candidate pages. Every patient is fetched through ``Patient.objects.visible_to``: another site's
candidate is a 404, indistinguishable from one that does not exist."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from patients.models import Patient


@require_GET
@login_required
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("site"), pk=pk)
    return render(request, "patients/detail.html", {"patient": patient})
