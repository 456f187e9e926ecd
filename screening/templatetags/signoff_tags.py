"""``{% signoff_panel patient %}`` for the candidate page, ``{% signoff_void_alerts %}`` and
``{% signoff_worklist %}`` for the investigator dashboard, ``{% work_state patient %}`` for the candidate
tables (the patient read with its ``evaluation_summary``)."""

from __future__ import annotations

from django import template

from followup.models import Enrollment
from patients.clock import site_today
from patients.models import PatientStatus
from screening.models import EligibilitySignature, SignatureOutcome
from screening.signoff import selectors
from trial.models import Role
from trial.selectors import first_of, roles_at

register = template.Library()


@register.inclusion_tag("screening/signoff/_panel.html", takes_context=True)
def signoff_panel(context, patient) -> dict:
    """Two queries: the latest signature and the enrollment (the user's roles are read once a request)."""
    user = context["request"].user
    latest = (EligibilitySignature.objects.filter(patient=patient).select_related("patient__site__trial", "patient__site__hospital")
              .order_by("-signed_at", "-pk").first())
    # A new signature is possible only once the previous one is void, so a valid one is always the latest.
    signature = latest if latest is not None and latest.is_valid else None
    # followup.selectors.enrollment_allowed, answered from the row already read.
    allowed = signature is not None and signature.outcome == SignatureOutcome.ELIGIBLE
    enrollment = Enrollment.objects.filter(patient=patient).first()
    roles = roles_at(user, patient.site_id)
    return {
        "patient": patient,
        "signature": signature,
        "manifestation": selectors.manifestation_of(signature) if signature else None,
        "latest": latest,
        "latest_manifestation": selectors.manifestation_of(latest) if latest else None,
        "can_sign": Role.INVESTIGATOR in roles,
        "has_enrollment": enrollment is not None,
        "can_enroll": allowed and Role.COORDINATOR in roles and (enrollment is None or enrollment.is_active),
        # Enrolled (perhaps infused) under a signature that has since been voided: shown, never undone.
        "enrolled_without_signature": enrollment is not None and not allowed,
    }


@register.inclusion_tag("screening/signoff/_void_alerts.html", takes_context=True)
def signoff_void_alerts(context) -> dict:
    return {"voided": list(selectors.void_signatures_to_review(context["request"].user))}


WORKLIST_ROWS = 20


@register.inclusion_tag("screening/signoff/_worklist.html", takes_context=True)
def signoff_worklist(context) -> dict:
    trial = context.get("chosen_trial")
    rows = first_of(selectors.worklist_of(context["request"].user, trial), WORKLIST_ROWS)
    return {"summaries": rows.rows, "total": rows.total, "chosen_trial": trial}


@register.inclusion_tag("screening/signoff/_work_state.html")
def work_state(patient) -> dict:
    """Whose turn it is with a candidate in screening; nothing for the other statuses (the status says it)."""
    summary = getattr(patient, "evaluation_summary", None) if patient.status == PatientStatus.SCREENING else None
    return {"patient": patient, "summary": summary, "screening": patient.status == PatientStatus.SCREENING,
            "earlier_day": summary is not None and summary.evaluated_on != site_today(patient.site)}
