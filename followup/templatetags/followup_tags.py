"""Dashboard sections of the follow-up, included by the role dashboards with one tag each."""

from __future__ import annotations

from django import template

from followup import selectors
from patients.models import Patient, PatientStatus
from trial.models import Role
from trial.selectors import sites_of

register = template.Library()


@register.inclusion_tag("followup/_board.html", takes_context=True)
def followup_coordinator_board(context) -> dict:
    """Overdue, due today and the next 14 days; and who is signed eligible but not yet enrolled."""
    user = context["request"].user
    ready = Patient.objects.filter(
        site__in=sites_of(user, roles=[Role.COORDINATOR]), status=PatientStatus.ELIGIBLE, enrollment__isnull=True
    ).order_by("screening_number")
    return {"board": selectors.reminder_board(user), "ready_to_enroll": ready,
            "upcoming_days": selectors.UPCOMING_DAYS}


@register.inclusion_tag("followup/_alerts.html", takes_context=True)
def followup_investigator_alerts(context) -> dict:
    return {"alerts": list(selectors.open_alerts_for(context["request"].user)), "csrf_token": context.get("csrf_token")}
