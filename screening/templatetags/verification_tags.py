"""``{% to_verify_panel %}``: the monitor's dashboard count, per site, of what is left to review: records not
verified as they stand, and unresolved data queries."""

from __future__ import annotations

from django import template

from patients.models import Patient
from screening.records.verification import ToVerify, to_verify_by_site
from trial.audit.search import unresolved_query_counts

register = template.Library()


@register.inclusion_tag("screening/records/_to_verify_panel.html", takes_context=True)
def to_verify_panel(context) -> dict:
    """On the monitor's dashboard (``trial.views._dashboard``'s context)."""
    # The dashboard's own sites (the monitor's, narrowed to the chosen trial), read already.
    sites = context["shown_sites"]
    counts = to_verify_by_site(sites)
    unresolved = unresolved_query_counts(Patient.objects.filter(site__in=sites), "patient__site_id")
    return {"rows": [(site, counts.get(site.pk, ToVerify()), unresolved.get(site.pk, 0)) for site in sites]}
