"""``{% screening_panels patient %}``: the live eligibility checklist and the screening data panels, for the
candidate page (``templates/patients/detail.html``)."""

from __future__ import annotations

from django import template
from django.core.exceptions import ValidationError

from patients.clock import site_today
from patients.selectors import can_enter_data
from screening.checklist import checklist_for
from screening.evidence_text import page_language
from screening.models import Attestation
from screening.records.kinds import KINDS, shown_for
from screening.records.selectors import attestation_history, records_by_kind
from screening.records.services import can_attest
from screening.records.views import attestation_context, panel_context
from trial.audit.search import verified_versions
from trial.models import Role
from trial.protocol_versions import protocol_for
from trial.selectors import has_role

register = template.Library()


@register.inclusion_tag("screening/_candidate_panels.html", takes_context=True)
def screening_panels(context, patient) -> dict:
    user = context["request"].user
    language = page_language()
    today = site_today(patient.site)
    try:
        protocol = protocol_for(patient.site.trial, today)
    except ValidationError as error:  # no protocol loaded: nothing can be validated or evaluated
        return {"patient": patient, "checklist": checklist_for(patient, language=language),
                "problem": " ".join(error.messages)}
    # Listed by the panels and evaluated by the checklist: read once.
    records = records_by_kind(patient)
    history = attestation_history(patient)
    preloaded = {KINDS[slug].model: listed for slug, listed in records.items()} | {Attestation: history}
    entering = can_enter_data(user, patient.site)
    # A monitor verifies records against the source from here; the verifications are read once for all panels.
    verification = verified_versions(patient) if has_role(user, Role.MONITOR, patient.site) else None
    return {
        "patient": patient,
        "checklist": checklist_for(patient, today, language=language, preloaded=preloaded, protocol=protocol),
        "panels": [panel_context(patient, slug, can_enter=entering, protocol=protocol, lazy_form=True,
                                 records=records[slug], verification=verification)
                   for slug in KINDS if shown_for(slug, protocol, records[slug])],
        "att": attestation_context(patient, can_attest=can_attest(user, patient.site), protocol=protocol,
                                   history=history),
    }
