"""Dashboard panels of the monitor review, usable from any dashboard without touching its view."""

from __future__ import annotations

from django import template

from trial.audit.presenting import shown_queries
from trial.audit.search import last_verification_run, open_queries_for_site_staff
from trial.models import Role

register = template.Library()


@register.inclusion_tag("audit/_queries_panel.html", takes_context=True)
def open_queries_panel(context, role: str = Role.COORDINATOR) -> dict:
    """Unresolved data queries at the sites where the signed-in user holds ``role``."""
    user = context["request"].user
    queries = open_queries_for_site_staff(user, roles=[role], trial=context.get("chosen_trial"))
    return {"queries": shown_queries(queries), "role": role}


@register.inclusion_tag("audit/_monitor_panel.html", takes_context=True)
def monitor_review_panel(context) -> dict:
    """The monitor's entry points: the audit log, the last integrity check, their sites' unresolved queries."""
    user = context["request"].user
    return {
        "last_run": last_verification_run(),
        "queries": shown_queries(open_queries_for_site_staff(user, roles=[Role.MONITOR],
                                                             trial=context.get("chosen_trial"))),
        "role": Role.MONITOR,
    }
