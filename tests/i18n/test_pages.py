"""Pages, evidence and the checklist PDF in Simplified Chinese; English stays as the engine wrote it."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from screening.evidence_text import translate_evidence
from screening.models import EligibilitySignature
from screening.signoff.pdf import checklist_pdf
from tests.screening.signoff_setup import enter_eligible, sign
from trial.language import preference_set

pytestmark = pytest.mark.django_db



def chinese_client(client_of, user):
    preference_set(acting_user=user, language="zh-hans")
    return client_of(user)


def test_coordinator_dashboard_in_chinese(client_of, coordinator_a, patient_a):
    html = chinese_client(client_of, coordinator_a).get(reverse("dashboard_coordinator")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "协调员工作台" in html and "登记候选者" in html and "筛选号" in html
    assert "Coordinator dashboard" not in html


def test_candidate_checklist_in_chinese(client_of, coordinator_a, consented, django_assert_max_num_queries):
    client = chinese_client(client_of, coordinator_a)
    with django_assert_max_num_queries(80):
        html = client.get(reverse("patient_detail", args=[consented.pk])).content.decode()
    assert "入选资格核查表" in html
    assert "患者或其监护人签署知情同意书" in html  # I01's name from the protocol file
    assert "年龄 ≥ 18 岁" in html
    assert 'data-status="met">符合</span>' in html  # the badge shows the status in Chinese, the code stays
    assert "窗口期内无" in html  # missing labs: the engine's evidence, translated
    assert "Eligibility checklist" not in html and "in the window" not in html


def test_english_pages_keep_the_engines_words(client_of, coordinator_a, consented):
    preference_set(acting_user=coordinator_a, language="en")
    html = client_of(coordinator_a).get(reverse("patient_detail", args=[consented.pk])).content.decode()
    assert "Eligibility checklist" in html and "in the window" in html
    assert 'data-status="met">met</span>' in html


@pytest.mark.parametrize(("english", "chinese"), [
    ("creatinine 70 umol/L (labs[0], 2025-03-10) = 0.83 x ULN 84 (limit 2.0)",
     "肌酐 70 umol/L (labs[0], 2025-03-10) = 0.83 × 正常值上限 84 (限值 2.0)"),
    ("no ALT result in the window 2025-02-10 to 2025-03-10 (labs[1] dated 2025-01-01, before consent 2025-02-01)",
     "2025-02-10 至 2025-03-10 窗口期内无ALT 结果 (labs[1] 日期 2025-01-01，早于知情同意 2025-02-01)"),
    ("born 1985-03-14, 39 years on consent date 2025-02-01 (minimum 18)",
     "出生于 1985-03-14，知情同意日期 2025-02-01 时 39 岁（最低 18）"),
    ("serum pregnancy test negative on 2025-03-08; contraception method: Intrauterine device (IUD)",
     "2025-03-08 血清妊娠试验阴性; 避孕方法: 宫内节育器"),
    ("no echocardiography: no window: consent 2026-11-25 is after the evaluation date 2026-11-20",
     "无超声心动图：无窗口期：知情同意 2026-11-25 晚于评估日期 2026-11-20"),
    ("weight 6.4 kg (patient.weight_kg) is outside the plausible range 25-300 kg: check the value and its unit",
     "体重 6.4 kg (patient.weight_kg) 超出合理范围 25-300 kg: 请核对数值及其单位"),
])
def test_evidence_is_translated_around_its_values(english, chinese):
    """Values, dates and record references pass through; the protocol's own words come from the protocol."""
    with translation.override("zh-hans"):
        assert translate_evidence(english, {"Intrauterine device (IUD)": "宫内节育器"}) == chinese
    with translation.override("en"):
        assert translate_evidence(english) == english


def test_a_translated_line_depends_on_the_protocol_wording_it_was_given():
    """Translations are remembered per language, text and wording: another protocol's wording of the same
    method, or none, gives its own result, and English is never touched."""
    line = "contraception method: Intrauterine device (IUD)"
    with translation.override("zh-hans"):
        assert translate_evidence(line, {"Intrauterine device (IUD)": "宫内节育器"}) == "避孕方法: 宫内节育器"
        assert translate_evidence(line, {"Intrauterine device (IUD)": "IUD 宫内节育器"}) == "避孕方法: IUD 宫内节育器"
        assert translate_evidence(line) == "避孕方法: Intrauterine device (IUD)"
    with translation.override("en"):
        assert translate_evidence(line, {"Intrauterine device (IUD)": "宫内节育器"}) == line


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def eligible(protocol_version, patient_a, coordinator_a, investigator_a):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    return patient_a


def test_a_signature_shown_in_chinese_is_stored_and_printed_in_chinese(eligible, investigator_a, client_of,
                                                                        monitor_a):
    with translation.override("zh-hans"):
        signature = sign(eligible, investigator_a)
    assert (signature.language, signature.meaning) == ("zh-hans", "我确认该受试者符合全部入选标准")
    preference_set(acting_user=monitor_a, language="en")  # the reader's language does not change a signed PDF
    response = client_of(monitor_a).get(reverse("signoff_checklist_pdf", args=[eligible.pk]))
    text = pdf_text(response.content)
    assert "入选资格核查表" in text and "研究者签名" in text
    assert "我确认该受试者符合全部入选标准" in text
    assert "患者或其监护人签署知情同意书" in text


def test_an_english_signature_prints_in_english(eligible, investigator_a):
    signature = sign(eligible, investigator_a, language="en")
    assert signature.meaning == "I confirm that this subject meets all eligibility criteria"
    with translation.override("zh-hans"):
        text = pdf_text(checklist_pdf(eligible))
    assert "Investigator signature" in text and "研究者签名" not in text


def test_without_the_cjk_font_the_pdf_is_english_and_says_why(eligible, settings, caplog, tmp_path):
    settings.PDF_CJK_FONT = str(tmp_path / "missing.ttc")
    with translation.override("zh-hans"):
        text = pdf_text(checklist_pdf(eligible))
    assert "NOT SIGNED" in text and "Eligibility checklist" in text
    assert "fonts-wqy-microhei" in caplog.text


def test_the_database_refuses_meaning_words_of_another_language(eligible, investigator_a):
    from django.db import IntegrityError, transaction

    signature = sign(eligible, investigator_a, language="en")
    row = {f.attname: getattr(signature, f.attname) for f in EligibilitySignature._meta.concrete_fields
           if not f.primary_key}
    signature.status = "void"
    with transaction.atomic(), pytest.raises(IntegrityError):
        EligibilitySignature.objects.create(**{**row, "language": "zh-hans"})
