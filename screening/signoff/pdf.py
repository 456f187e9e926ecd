"""The eligibility checklist as a PDF for the investigator site file (fpdf2, pure Python).

It shows what was signed when a valid signature exists (the stored document, not a re-evaluation), and the
live evaluation marked "NOT SIGNED" otherwise. Only the screening number and initials identify the
candidate. The built-in PDF fonts cover Latin-1 only: other characters (Chinese names, arrows) are
transliterated where there is an ASCII form and replaced by "?" otherwise, so a PDF is always produced;
Chinese text will come with an embedded CJK font.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from patients.models import Patient
from screening.models import EligibilitySignature, SignatureStatus
from screening.signoff import selectors
from trial.protocol_versions import protocol_of

_ASCII_FORMS = {"→": "->", "←": "<-", "≤": "<=", "≥": ">=", "—": "-", "–": "-", "…": "...", "’": "'", "‘": "'",
                "“": '"', "”": '"', "•": "-", "\u00a0": " "}


def latin1(text: Any) -> str:
    """``text`` in the core fonts' character set: never raises, whatever the script."""
    value = "".join(_ASCII_FORMS.get(ch, ch) for ch in str(text))
    return value.encode("latin-1", errors="replace").decode("latin-1")


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, latin1(f"{self.footer_text} - page {self.page_no()}/{{nb}}"), align="C")

    def line_of(self, text: str, *, size: float = 9, bold: bool = False, height: float = 5) -> None:
        self.set_font("Helvetica", style="B" if bold else "", size=size)
        self.multi_cell(0, height, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def checklist_pdf(patient: Patient) -> bytes:
    signature = selectors.valid_signature(patient)
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

    pdf = _Document(f"{patient.screening_number} eligibility checklist")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.line_of(f"{patient.site.trial.code} - Eligibility checklist", size=14, bold=True, height=8)
    pdf.line_of(f"Candidate {patient.screening_number} ({patient.initials}), site {patient.site}")
    if document is None:
        pdf.line_of("No protocol is loaded for this trial: the criteria cannot be evaluated.")
        _signature_block(pdf, patient, None, latest)
        return bytes(pdf.output())

    result = document["result"]
    pdf.line_of(f"Evaluated on {result.get('evaluated_on', '?')} under protocol {result.get('protocol', '?')} "
                f"version {result.get('protocol_version', '?')}. Overall result: {result.get('overall', '?')}.")
    pdf.ln(2)
    names = {c.code: c.names.get("en", "") for c in (*protocol.criteria, *protocol.exclusion_criteria)}
    decisions = {d["code"]: d for d in document.get("decisions", [])}
    for criterion in result["criteria"]:
        code = criterion["code"]
        pdf.line_of(f"{code}  [{criterion['status']}]  {names.get(code, '')}", bold=True)
        if criterion["evidence"]:
            pdf.line_of(f"Evidence: {criterion['evidence']}", size=8, height=4)
        if criterion["uses"]:
            pdf.line_of(f"Data used: {', '.join(criterion['uses'])}", size=8, height=4)
        if criterion["missing"]:
            pdf.line_of(f"Missing: {'; '.join(criterion['missing'])}", size=8, height=4)
        if code in decisions:
            d = decisions[code]
            pdf.line_of(f"Investigator decision: {d['verdict']} ({d['decided_by']}, {d['decided_at']} UTC): "
                        f"{d['comment']}", size=8, height=4)
        pdf.ln(1)
    _signature_block(pdf, patient, signature, latest)
    return bytes(pdf.output())


def _signature_block(pdf: _Document, patient: Patient, signature: EligibilitySignature | None,
                     latest: EligibilitySignature | None) -> None:
    pdf.ln(3)
    pdf.line_of("Investigator signature", size=11, bold=True, height=7)
    if signature is not None:
        shown = selectors.manifestation_of(signature)
        pdf.line_of(f"Signed by: {shown.printed_name}")
        pdf.line_of(f"Signed at: {shown.signed_at}")
        pdf.line_of(f"Meaning: {shown.meaning}")
        if signature.screen_failure_reasons:
            pdf.line_of(f"Screen-failure reasons: {', '.join(signature.screen_failure_reasons)}")
        pdf.line_of(f"SHA-256 of the signed facts and result: {signature.sha256}", size=7, height=4)
        return
    pdf.line_of("NOT SIGNED", bold=True)
    if latest is not None and latest.status == SignatureStatus.VOID:
        shown = selectors.manifestation_of(latest)
        pdf.line_of(f"The signature by {shown.printed_name} at {shown.signed_at} is void: {latest.void_reason}.")
        for change in latest.void_changes:
            pdf.line_of(f"- {change}", size=8, height=4)
