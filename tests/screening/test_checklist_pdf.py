"""The eligibility checklist PDF: every criterion, the decision and the signature manifestation, read back
with pypdf; "not signed" without a signature; non-Latin text does not break it."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.screening.signoff_setup import enter_eligible, sign
from trial.pdf_document import latin1

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("REC-01", "SIG-01")]


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def candidate(protocol_version, patient_a, coordinator_a, investigator_a):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    return patient_a


def test_signed_pdf_shows_name_time_and_meaning(candidate, investigator_a, client_of, coordinator_a):
    signature = sign(candidate, investigator_a)
    text = pdf_text(client_of(coordinator_a).get(reverse("signoff_checklist_pdf", args=[candidate.pk])))
    local = signature.signed_at.astimezone(ZoneInfo(candidate.site.time_zone))
    assert "Inv_A Tester" in text
    assert f"{local:%Y-%m-%d %H:%M}" in text
    assert "I confirm that this subject meets all eligibility criteria" in text
    for code in ("I01", "I06b"):
        assert code in text
    # A table: code, criterion, status, and the evidence in words (the heading repeats on each page).
    assert "Evidence, data used and decisions" in text and "Data used: creatinine of" in text
    assert "labs[" not in text  # never a record reference on paper
    assert signature.sha256 in text.replace("\n", "")


def test_unsigned_pdf_says_not_signed(candidate, client_of, monitor_a):
    text = pdf_text(client_of(monitor_a).get(reverse("signoff_checklist_pdf", args=[candidate.pk])))
    assert "NOT SIGNED" in text
    assert "I confirm" not in text


def test_non_latin_text_does_not_break_the_pdf(candidate, investigator_a, client_of, coordinator_a):
    investigator_a.first_name, investigator_a.last_name = "张", "伟"
    investigator_a.save(update_fields=["first_name", "last_name"])
    sign(candidate, investigator_a)  # printed name "张 伟"
    response = client_of(coordinator_a).get(reverse("signoff_checklist_pdf", args=[candidate.pk]))
    assert response.status_code == 200
    assert "I confirm that this subject meets all eligibility criteria" in pdf_text(response)
    assert latin1("张伟 → ok") == "?? -> ok"


def pages_of(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def test_an_unsigned_pdf_is_a_draft_on_every_page_and_never_a_bare_verdict(candidate, client_of, monitor_a):
    pages = pages_of(client_of(monitor_a).get(reverse("signoff_checklist_pdf", args=[candidate.pk])))
    assert len(pages) >= 2
    assert all("DRAFT" in page for page in pages)  # the watermark, drawn on each page
    text = "\n".join(pages)
    assert "DRAFT, not signed" in text and "Overall result: eligible" not in text


def test_a_void_signatures_pdf_says_void_on_every_page(candidate, investigator_a, coordinator_a, client_of):
    from screening.models import LabResult
    from tests.screening.signoff_setup import correct_lab

    sign(candidate, investigator_a)
    correct_lab(LabResult.objects.get(patient=candidate, test="creatinine"), coordinator_a, "75")
    pages = pages_of(client_of(coordinator_a).get(reverse("signoff_checklist_pdf", args=[candidate.pk])))
    assert all("VOID" in page for page in pages)
    assert "I confirm" not in "\n".join(pages)


def test_a_signed_pdf_has_no_watermark_and_comes_in_the_language_asked_for(candidate, investigator_a, client_of,
                                                                          coordinator_a):
    sign(candidate, investigator_a, language="en")
    url = reverse("signoff_checklist_pdf", args=[candidate.pk])
    english = "\n".join(pages_of(client_of(coordinator_a).get(url)))
    assert "DRAFT" not in english and "VOID" not in english and "Investigator signature" in english
    chinese = "\n".join(pages_of(client_of(coordinator_a).get(url, {"language": "zh-hans"})))
    assert "研究者签名" in chinese
