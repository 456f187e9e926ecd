"""The monitor's list behind the dashboard's counts: the candidates whose screening records are not verified
as they stand, most left first, each linked to the candidate page where the panels verify them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from patients.models import Patient
from screening.records.verification import to_verify_by_patient
from trial.access import role_required
from trial.audit.search import unresolved_query_counts
from trial.models import Role
from trial.selectors import sites_of

LISTED = 100


@require_GET
@role_required(Role.MONITOR)
def records_to_verify(request: HttpRequest) -> HttpResponse:
    sites = list(sites_of(request.user, roles=[Role.MONITOR]).select_related("trial", "hospital")
                 .order_by("trial__code", "number"))
    chosen = next((site for site in sites if str(site.pk) == request.GET.get("site")), None)
    if request.GET.get("site") and chosen is None:
        messages.error(request, _("That is not one of your sites: the list shows all of them."))
    shown = [chosen] if chosen else sites
    counts = to_verify_by_patient(Patient.objects.filter(site__in=shown))
    listed = sorted(counts, key=lambda pk: (-counts[pk].total, pk))[:LISTED]
    patients = Patient.objects.filter(pk__in=listed).select_related("site__trial", "site__hospital").in_bulk()
    unresolved = unresolved_query_counts(listed, "patient_id")
    return render(request, "screening/records/to_verify.html", {
        "sites": sites, "chosen": chosen, "total": len(counts),
        "rows": [(patients[pk], counts[pk], unresolved.get(pk, 0)) for pk in listed],
    })
