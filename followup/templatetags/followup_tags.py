"""Dashboard sections of the follow-up, included by the role dashboards with one tag each."""

from __future__ import annotations

from django import template

from followup import selectors

register = template.Library()


@register.inclusion_tag("followup/_board.html", takes_context=True)
def followup_coordinator_board(context) -> dict:
    """Overdue, due today and the next 14 days; and who is signed eligible but not yet enrolled."""
    user, trial = context["request"].user, context.get("chosen_trial")  # the dashboard's trial filter
    return {"board": selectors.reminder_board(user, trial=trial), "ready_to_enroll": selectors.ready_to_enroll(user, trial),
            "upcoming_days": selectors.UPCOMING_DAYS}


@register.inclusion_tag("followup/_alerts.html", takes_context=True)
def followup_investigator_alerts(context) -> dict:
    alerts = selectors.open_alerts_for(context["request"].user, context.get("chosen_trial"))
    return {"alerts": list(alerts), "csrf_token": context.get("csrf_token")}
