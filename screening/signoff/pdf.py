"""The eligibility checklist as a PDF for the investigator site file (fpdf2, pure Python).

It shows what was signed when a valid signature exists (the stored document, not a re-evaluation), and the
live evaluation marked "NOT SIGNED" otherwise: then every page carries a DRAFT watermark (VOID when the last
signature is void or superseded), and the overall result is never stated bare. Only the screening number
and initials identify the candidate.

Language: the one asked for (``?language=`` on the page's link); without one, a signed checklist is printed
in the language the signer signed in (the meaning is stored in it) and an unsigned one in the reader's.
Chinese needs a CJK TrueType font (``settings.PDF_CJK_FONT``, Debian's fonts-wqy-microhei, installed by
``make``); without it the PDF is printed in English with a logged warning,
never refused. The English PDF uses the built-in fonts, which cover Latin-1 only: other characters (Chinese
names, arrows) are transliterated where there is an ASCII form and replaced by "?" otherwise.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from patients.models import Patient
from screening.eligibility.general.naming import names_in
from screening.evidence_text import rendered, status_label
from screening.fact_names import fact_summary, record_value, value_at
from screening.models import ENDED_STATUSES, EligibilitySignature
from screening.signoff import selectors
from trial.pdf_document import Document, cjk_font
from trial.protocol_versions import protocol_of


def checklist_pdf(patient: Patient, language: str | None = None) -> bytes:
    """The checklist PDF in ``language`` when given; else in the signer's language when signed, in the active
    one when not; in English when that language needs a font this machine lacks."""
    signature = selectors.valid_signature(patient)
    fallback = signature.language if signature is not None else (translation.get_language() or "en")
    language = language or fallback
    font = None
    if not language.startswith("en"):
        font = cjk_font()
        if font is None:
            language = "en"
    with translation.override(language):
        return _checklist_pdf(patient, signature, "zh-hans" if language.startswith("zh") else "en", font)


def _checklist_pdf(patient: Patient, signature: EligibilitySignature | None, language: str,
                   font: Path | None) -> bytes:
    latest = EligibilitySignature.objects.filter(patient=patient).order_by("-signed_at", "-pk").first()
    if signature is not None:
        document = signature.document
        protocol = protocol_of(signature.protocol_version)
    else:
        assessment = selectors.assess(patient)
        if assessment is None:
            document, protocol = None, None
        else:
            document, protocol = assessment.document, assessment.protocol

    watermark = ""
    if signature is None:
        watermark = _("VOID") if latest is not None and latest.status in ENDED_STATUSES else _("DRAFT")
    pdf = Document(_("%(number)s eligibility checklist") % {"number": patient.screening_number}, font, watermark)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.line_of(_("%(trial)s - Eligibility checklist") % {"trial": patient.site.trial.code}, size=14, bold=True,
                height=8)
    pdf.line_of(_("Candidate %(number)s (%(initials)s), site %(site)s") % {
        "number": patient.screening_number, "initials": patient.initials, "site": patient.site,
    })
    if document is None:
        pdf.line_of(_("No protocol is loaded for this trial: the criteria cannot be evaluated."))
        _signature_block(pdf, patient, None, latest)
        return bytes(pdf.output())

    result = document["result"]
    facts = {
        "on": result.get("evaluated_on", "?"), "protocol": result.get("protocol", "?"),
        "version": result.get("protocol_version", "?"), "overall": status_label(result.get("overall", "?")),
    }
    if signature is not None:
        pdf.line_of(_(
            "Evaluated on %(on)s under protocol %(protocol)s version %(version)s. Overall result: %(overall)s."
        ) % facts)
    else:
        # Never a bare "overall: eligible" on paper nobody signed.
        pdf.line_of(_(
            "DRAFT, not signed: evaluated on %(on)s under protocol %(protocol)s version %(version)s, the live "
            "result would be %(overall)s. It is not an eligibility decision until an investigator signs it."
        ) % facts, bold=True)
    pdf.ln(2)
    names = {c.code: c.names for c in (*protocol.criteria, *protocol.exclusion_criteria)}
    decisions = {d["code"]: d for d in document.get("decisions", [])}
    signed_facts, name_of = document.get("facts", {}), names_in(protocol, language)
    # One row a criterion: its code, its wording, its status, and what it rests on in words. The table repeats
    # its heading on every page it runs over.
    pdf.set_font(pdf.family, size=7.5)
    pdf.table_of((11, 44, 17, 108), (_("Code"), _("Criterion"), _("Status"), _("Evidence, data used and decisions")),
                 ((criterion["code"], _criterion_name(names, criterion["code"], language),
                   status_label(criterion["status"]),
                   "\n".join(_criterion_lines(criterion, decisions.get(criterion["code"]), signed_facts, protocol,
                                              language, name_of)))
                  for criterion in result["criteria"]))
    _signature_block(pdf, patient, signature, latest)
    return bytes(pdf.output())


def _criterion_name(names: dict, code: str, language: str) -> str:
    name = names.get(code) or {}
    return name.get(language) or name.get("en", "")


def _criterion_lines(criterion: dict, decision: dict | None, signed_facts: dict, protocol, language: str,
                     name_of) -> list[str]:
    """What a criterion rests on, for its table cell: the evidence as signed (a document signed before
    evidence was structured shows its English text as signed), the records it used, what is missing, and the
    investigator's decision."""
    lines = []
    evidence = (rendered(criterion["evidence_items"], protocol, language, signed_facts) if "evidence_items" in criterion
                else criterion["evidence"])
    if evidence:
        lines.append(evidence)
    if criterion["uses"]:
        used = dict.fromkeys(fact_summary(ref, record_value(signed_facts, ref), value_at(signed_facts, ref), name_of, _)
                             for ref in criterion["uses"])
        lines.append(_("Data used: %(refs)s") % {"refs": "; ".join(used)})
    if criterion["missing"]:
        missing = (rendered(criterion["missing_items"], protocol, language, signed_facts) if "missing_items" in criterion
                   else "; ".join(criterion["missing"]))
        lines.append(_("Missing: %(items)s") % {"items": missing})
    if decision is not None:
        lines.append(_("Investigator decision: %(verdict)s (%(by)s, %(at)s UTC): %(comment)s") % {
            "verdict": status_label(decision["verdict"]), "by": decision["decided_by"], "at": decision["decided_at"],
            "comment": decision["comment"],
        })
    return lines


def _signature_block(pdf: Document, patient: Patient, signature: EligibilitySignature | None,
                     latest: EligibilitySignature | None) -> None:
    pdf.ln(3)
    pdf.line_of(_("Investigator signature"), size=11, bold=True, height=7)
    if signature is not None:
        shown = selectors.manifestation_of(signature)
        pdf.line_of(_("Signed by: %(name)s") % {"name": shown.printed_name})
        pdf.line_of(_("Signed at: %(when)s") % {"when": shown.signed_at})
        pdf.line_of(_("Meaning: %(meaning)s") % {"meaning": shown.meaning})
        if signature.screen_failure_reasons:
            pdf.line_of(_("Screen-failure reasons: %(codes)s") % {"codes": ", ".join(signature.screen_failure_reasons)})
        pdf.line_of(_("SHA-256 of the signed facts and result: %(sha256)s") % {"sha256": signature.sha256},
                    size=7, height=4)
        return
    pdf.line_of(_("NOT SIGNED"), bold=True)
    if latest is not None and latest.status in ENDED_STATUSES:
        shown = selectors.manifestation_of(latest)
        pdf.line_of(_("The signature by %(name)s at %(when)s is void: %(reason)s.") % {
            "name": shown.printed_name, "when": shown.signed_at, "reason": _(latest.void_reason),
        })
        for change in latest.void_changes:
            pdf.line_of(f"- {change}", size=8, height=4)
