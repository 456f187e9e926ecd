"""Template filters for the eligibility engine's words: statuses and evidence in the page's language."""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext_lazy

from patients.models import PatientStatus
from screening.evidence_text import status_label

register = template.Library()


@register.filter
def eligibility_status(status: str) -> str:
    """``not_met`` -> the status as the page's language shows it (the code itself in English)."""
    return status_label(str(status))


@register.filter
def label_in(code: str, labels: dict) -> str:
    """A catalogue code as the page names it (``labels``: code -> name in the page's language)."""
    return labels.get(code, code) if labels else code


# The screening log's funnel stages (screening.signoff.log.FUNNEL_STAGES); the data keeps the English keys.
FUNNEL_STAGES = {
    "registered": pgettext_lazy("screening funnel", "registered"),
    "consented": pgettext_lazy("screening funnel", "consented"),
    "evaluated": pgettext_lazy("screening funnel", "evaluated"),
    "signed eligible": pgettext_lazy("screening funnel", "signed eligible"),
    "infused": pgettext_lazy("screening funnel", "infused"),
}


@register.filter
def funnel_stage(label: str) -> str:
    """A funnel stage (or a criterion code, which stays as it is) in the page's language."""
    stage = FUNNEL_STAGES.get(str(label))
    return str(stage) if stage is not None else str(label)


@register.filter
def patient_status(status: str) -> str:
    """A candidate status code, as its label in the page's language."""
    try:
        return str(PatientStatus(status).label)
    except ValueError:
        return str(status)
