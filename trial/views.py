"""The landing page, the three role dashboards, and /healthz."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from patients.models import Patient
from trial import health
from trial.access import role_required
from trial.forms_search import CandidateSearchForm, pipeline_counts
from trial.models import Role
from trial.selectors import first_of, roles_of, sites_of


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the dashboard of their first role; sponsor admins to the admin."""
    roles = roles_of(request.user)
    if roles:
        return redirect(f"dashboard_{roles[0]}")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "trial/no_role.html", status=403)


# A dashboard lists the most recently registered candidates; the screening log lists them all. A busy site
# (500 candidates in the benchmark) otherwise renders hundreds of rows on every visit.
DASHBOARD_PATIENTS = 50


def _dashboard(request: HttpRequest, role: str, template: str) -> HttpResponse:
    """A role's dashboard; ``?trial=`` narrows it (the candidates, the reminders, alerts and queries panels) to
    one of the user's trials."""
    sites = list(sites_of(request.user, roles=[role]).order_by("trial__code", "number"))
    trials = sorted({site.trial for site in sites}, key=lambda trial: trial.code)
    chosen = next((trial for trial in trials if str(trial.pk) == request.GET.get("trial")), None)
    shown = [site for site in sites if chosen is None or site.trial_id == chosen.pk]
    candidates = Patient.objects.visible_to(request.user).filter(site__in=shown)
    pipeline = pipeline_counts(candidates)
    search = CandidateSearchForm(request.GET)
    if search.is_valid():
        candidates = search.narrowed(candidates)
    newest = first_of(candidates.select_related("site__trial", "site__hospital", "evaluation_summary")
                      .order_by("-registered_at", "-pk"), DASHBOARD_PATIENTS)
    return render(request, template, {
        "sites": sites, "shown_sites": shown, "trials": trials, "chosen_trial": chosen, "patients": newest.rows,
        "patients_total": newest.total, "role": role, "search": search, "pipeline": pipeline,
        "searching": search.is_valid() and search.searching(),
    })


@require_GET
@role_required(Role.COORDINATOR)
def dashboard_coordinator(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, Role.COORDINATOR, "trial/dashboard_coordinator.html")


@require_GET
@role_required(Role.INVESTIGATOR)
def dashboard_investigator(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, Role.INVESTIGATOR, "trial/dashboard_investigator.html")


@require_GET
@role_required(Role.MONITOR)
def dashboard_monitor(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, Role.MONITOR, "trial/dashboard_monitor.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: the portal's icon, not a 404 in every log."""
    return redirect(static("favicon.svg"))  # not permanent: the hashed static name changes with the file


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    status = {"database": health.database_ok(), "redis": health.redis_ok()}
    body = {name: "ok" if up else "down" for name, up in status.items()}
    return JsonResponse(body, status=200 if all(status.values()) else 503)
