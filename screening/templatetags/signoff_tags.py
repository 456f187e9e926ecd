"""``{% signoff_panel patient %}`` for the candidate page and ``{% signoff_void_alerts %}`` for the
investigator dashboard."""

from __future__ import annotations

from django import template

from followup.models import Enrollment
from screening.models import EligibilitySignature, SignatureOutcome
from screening.signoff import selectors
from trial.models import Role
from trial.selectors import roles_at

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
