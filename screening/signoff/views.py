"""Sign-off pages: the investigator's review-and-sign page, decisions on review items, the checklist PDF.

Candidates come through ``Patient.objects.visible_to`` (another site: 404); signing and decisions are for
investigators of the candidate's site (anyone else: 403)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patients.models import Patient
from screening.consent.selectors import current_consent, reconsent_reasons
from screening.eligibility.general.naming import names_in
from screening.evidence_text import page_language, rendered, rendered_each
from screening.facts_builder import SourceLink
from screening.signoff import pdf, rules, selectors, services
from screening.signoff.forms import DecisionForm, SignatureForm
from screening.signoff.work_state import awaiting_attestation
from trial.access import role_required
from trial.audit.search import open_queries
from trial.form_errors import show_service_error
from trial.models import Role


def _patient(request: HttpRequest, pk: int) -> Patient:
    return get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=pk)


def _investigator_patient(request: HttpRequest, pk: int) -> Patient:
    patient = _patient(request, pk)
    if not services.can_sign(request.user, patient):
        raise PermissionDenied
    return patient


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    criterion: rules.DecidedCriterion
    evidence: str  # in the page's language
    sources: list[SourceLink]
    form: DecisionForm | None  # for a criterion awaiting the investigator's decision
    signed_status: str = ""  # with a valid signature: the status it signed ("" when the criterion is new)


def _page(request: HttpRequest, patient: Patient, *, form: SignatureForm | None = None,
          decision_form: DecisionForm | None = None, status: int = 200) -> HttpResponse:
    assessment = selectors.assess(patient)
    signature = selectors.valid_signature(patient)
    context = {"patient": patient, "assessment": assessment, "signature": signature,
               "history": selectors.signatures_of(patient)}
    if signature is not None:
        context["manifestation"] = selectors.manifestation_of(signature)
    signed_statuses: dict[str, str] = {}
    if signature is not None:
        signed_result = signature.document["result"]
        signed_statuses = {c["code"]: c["status"] for c in signed_result["criteria"]}
        context["signed"] = {"overall": signed_result["overall"], "version": signature.protocol_version.label,
                             "evaluated_on": signature.evaluated_on}
    if assessment is not None:
        language = page_language()
        protocol = assessment.protocol
        name_of = names_in(protocol, language)
        names = {c.code: c.names for c in (*protocol.criteria, *protocol.exclusion_criteria)}
        rows = []
        for criterion in assessment.decided.criteria:
            row_form = None
            if criterion.engine_status == "needs_review" and signature is None:
                if decision_form is not None and decision_form.data.get("criterion_code") == criterion.code:
                    row_form = decision_form
                else:
                    initial = {"criterion_code": criterion.code}
                    if criterion.decision:
                        initial |= {"verdict": criterion.decision.verdict, "comment": criterion.decision.comment}
                    row_form = DecisionForm(initial=initial, prefix=None, auto_id=f"id_{criterion.code}_%s")
            name = names.get(criterion.code) or {}
            rows.append(Row(criterion.code, name.get(language) or name.get("en", ""), criterion,
                            rendered(criterion.details, protocol, language, assessment.built.document) if criterion.details
                            else criterion.evidence,
                            assessment.built.links_for(criterion.uses, name_of, gettext), row_form,
                            signed_statuses.get(criterion.code, "") if signature is not None else ""))
        today_problems = rules.signing_problems(
            overall=assessment.decided.overall,
            missing=list(assessment.decided.missing_shown(
                lambda c: rendered_each(c.needed, protocol, language, assessment.built.document) if c.details else c.missing,
                _("investigator decision"))),
            consent_current=current_consent(patient) is not None, reconsent_reasons=reconsent_reasons(patient),
            open_queries=open_queries(patient).count(),
        )
        overall = assessment.decided.overall
        if signature is not None:
            # The signature covers what was signed, on its date and version; the live evaluation may differ
            # (the window moved, a later version is in force). The page says so instead of a plain "signed".
            context["live_differs"] = (
                overall != context["signed"]["overall"]
                or assessment.protocol_version.pk != signature.protocol_version_id
                or any(row.signed_status != row.criterion.status for row in rows)
            )
        context |= {"rows": rows, "problems": today_problems,
                    "attestations_open": awaiting_attestation(assessment.decided),
                    "meaning": rules.meaning_of(overall, language) if overall in rules.MEANINGS else ""}
        if signature is None and not today_problems:
            user = request.user
            context["form"] = form or SignatureForm(initial={
                "printed_name": user.get_full_name(), "shown_sha256": assessment.sha256, "language": language,
            })
    return render(request, "screening/signoff/sign.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.INVESTIGATOR)
def signoff_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Review the checklist with decisions applied, decide review items, and sign."""
    patient = _investigator_patient(request, pk)
    if request.method == "GET":
        return _page(request, patient)
    form = SignatureForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.signature_sign(
                acting_user=request.user, patient=patient, printed_name=data["printed_name"],
                password=data["password"], otp_token=data["otp_token"], request=request,
                shown_sha256=data["shown_sha256"], language=data["language"],
            )
        except services.AlreadySigned as error:
            messages.info(request, error.messages[0])
            return redirect(reverse("patient_detail", args=[patient.pk]) + "#signoff")
        except ValidationError as error:
            show_service_error(form, error)
        else:
            # A new session id at the moment of signing: whatever knew the old one cannot act as the signer.
            request.session.cycle_key()
            messages.success(request, _("Signed. The signature is recorded with the result it covers."))
            return redirect(reverse("patient_detail", args=[patient.pk]) + "#signoff")
    return _page(request, patient, form=form, status=400)


@require_POST
@role_required(Role.INVESTIGATOR)
def signoff_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide one ``needs_review`` criterion met or not met, with a comment."""
    patient = _investigator_patient(request, pk)
    form = DecisionForm(request.POST, auto_id=f"id_{request.POST.get('criterion_code', '')[:16]}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_record(acting_user=request.user, patient=patient,
                                     criterion_code=data["criterion_code"], verdict=data["verdict"],
                                     comment=data["comment"])
        except ValidationError as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("Decision on %(code)s recorded.") % {"code": data["criterion_code"]})
            return redirect("signoff_sign", pk=patient.pk)
    if not form.non_field_errors() and not form.errors:
        form.add_error(None, _("The decision could not be recorded."))
    messages.error(request, " ".join(
        [*form.non_field_errors(), *(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()
                                      if field != "__all__")]
    ))
    return _page(request, patient, decision_form=form, status=400)


@require_GET
@login_required
def signoff_checklist_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The eligibility checklist for the investigator site file: the signed result when a valid signature
    exists, the live one otherwise (marked not signed). ``?language=en`` or ``zh-hans`` chooses the language."""
    patient = _patient(request, pk)
    asked = request.GET.get("language", "")
    content = pdf.checklist_pdf(patient, asked if asked in dict(settings.LANGUAGES) else None)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="eligibility-checklist-{patient.screening_number}.pdf"'
    return response
