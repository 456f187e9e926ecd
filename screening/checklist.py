"""The live eligibility checklist on the candidate page: every criterion with its status, evidence, the
records it used and what is still missing. It reloads itself (htmx) whenever a form on the page saves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from patients.clock import site_today
from patients.models import Patient
from screening.eligibility import Protocol
from screening.eligibility.general.naming import names_in
from screening.evaluation import evaluate_eligibility
from screening.evidence_text import page_language, rendered, rendered_each, status_label
from screening.facts_builder import Preloaded, SourceLink
from trial.protocol_versions import current_protocol


@dataclass(frozen=True)
class ChecklistRow:
    code: str
    name: str
    status: str
    evidence: str  # in the page's language (screening.evidence_text)
    sources: list[SourceLink]
    missing: tuple[str, ...]

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass(frozen=True)
class Checklist:
    evaluated_on: date | None = None
    overall: str = ""
    protocol_version: str = ""
    rows: list[ChecklistRow] = field(default_factory=list)
    missing: tuple[str, ...] = ()
    problem: str = ""  # why there is no evaluation (no protocol loaded)

    @property
    def overall_label(self) -> str:
        return status_label(self.overall)


def checklist_for(patient: Patient, evaluated_on: date | None = None, language: str = "en",
                  preloaded: Preloaded = None, protocol: Protocol | None = None) -> Checklist:
    """``protocol``: the one in force on ``evaluated_on``, when the caller has read it already."""
    evaluated_on = evaluated_on or site_today(patient.site)
    protocol = protocol or current_protocol(patient.site.trial, evaluated_on)
    if protocol is None:
        return Checklist(problem=_("No protocol is loaded for this trial: the criteria cannot be evaluated."))
    evaluation, built = evaluate_eligibility(patient, evaluated_on, protocol=protocol, preloaded=preloaded)
    names = {c.code: c.names for c in (*protocol.criteria, *protocol.exclusion_criteria)}
    name_of = names_in(protocol, language)
    rows = [
        ChecklistRow(
            code=result.code,
            name=(names.get(result.code) or {}).get(language) or (names.get(result.code) or {}).get("en", ""),
            status=result.status.value,
            evidence=rendered(result.details, protocol, language, built.document) if result.details else result.evidence,
            sources=built.links_for(result.uses, name_of, translation.gettext),
            missing=(rendered_each(result.needed, protocol, language, built.document) if result.details
                     else result.missing),
        )
        for result in evaluation.criteria
    ]
    missing = tuple(dict.fromkeys(f"{row.code}: {item}" for row in rows for item in row.missing))
    return Checklist(evaluation.evaluated_on, evaluation.overall.value, evaluation.protocol_version, rows, missing)


@require_GET
@login_required
def eligibility_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist fragment (htmx reloads it on ``facts-changed``; without JS it is part of the page)."""
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=pk)
    return render(request, "screening/_checklist.html",
                  {"patient": patient, "checklist": checklist_for(patient, language=page_language())})
