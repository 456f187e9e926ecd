"""Consent figures for the dashboards, as an include, so the dashboard views need not know about consent."""

from __future__ import annotations

from django import template

from screening.consent.selectors import reconsent_counts

register = template.Library()


@register.inclusion_tag("screening/consent_dashboard_summary.html")
def reconsent_summary(sites) -> dict:
    counts = reconsent_counts(sites)
    return {"counts": counts, "total": sum(counts.values())}
