"""Pages, evidence and the checklist PDF in Simplified Chinese; English stays as the engine wrote it."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from screening.eligibility import evaluate, load_protocol_file, parse_facts
from screening.eligibility.general.messages import without_empty_parts
from screening.eligibility.instruments import INSTRUMENTS
from screening.evidence_text import rendered, rendered_each
from screening.instrument_names import ITEM_LABELS
from screening.models import EligibilitySignature
from screening.signoff.pdf import checklist_pdf
from tests.examples import ELIGIBLE_FEMALE
from tests.screening.signoff_setup import enter_eligible, sign
from trial.language import preference_set

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("I18N-01")]


@pytest.fixture(scope="module")
def mc_1_50():
    return load_protocol_file(settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml")


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
    assert "窗口期 " in html and "内无肌酐" in html  # missing labs: the engine's evidence, rendered in Chinese
    assert "Eligibility checklist" not in html and "in the window" not in html


def test_english_pages_keep_the_engines_words(client_of, coordinator_a, consented):
    preference_set(acting_user=coordinator_a, language="en")
    html = client_of(coordinator_a).get(reverse("patient_detail", args=[consented.pk])).content.decode()
    assert "Eligibility checklist" in html and "in the window" in html
    assert 'data-status="met">met</span>' in html


def test_evidence_renders_from_its_structure_in_the_readers_language(mc_1_50):
    """Values, dates and record references pass through; item names come from the protocol's catalogue;
    the English rendering is the engine's own evidence."""
    protocol = mc_1_50
    doc = json.loads(ELIGIBLE_FEMALE.read_text(encoding="utf-8"))
    doc["consent"]["signed_on"] = "2026-11-25"  # after the evaluation date: no window
    late = evaluate(parse_facts(doc, protocol), protocol)
    assert "无超声心动图" not in rendered(late.result("I06a").details, protocol, "zh-hans")
    assert "无左心室射血分数：无窗口期：知情同意 2026-11-25 晚于评估日期 2026-11-20" in rendered(
        late.result("I06a").details, protocol, "zh-hans")
    evaluation = evaluate(parse_facts(json.loads(ELIGIBLE_FEMALE.read_text(encoding="utf-8")), protocol), protocol)
    renal = rendered(evaluation.result("I06b").details, protocol, "zh-hans")
    assert "肌酐 70 umol/L（2026-11-05）= 0.83 × 正常值上限 84（最高 2.0 × 正常值上限）" in renal
    assert "labs[" not in renal  # a record reference means nothing to a reader
    pregnancy = rendered(evaluation.result("I09").details, protocol, "zh-hans")
    assert "2026-11-05 血清妊娠试验 阴性" in pregnancy and "避孕方法：宫内节育器" in pregnancy
    for result in evaluation.criteria:
        # The engine's own English, less the record references a reader is not shown.
        shown, stripped = rendered(result.details, protocol, "en"), result.evidence
        for ref in sorted(set(result.uses), key=len, reverse=True):
            stripped = re.sub(rf"(?<=\(){re.escape(ref)}(?=[,)])", "", stripped)
        for instrument, labels in ITEM_LABELS.items():  # an instrument's counted items, named for the reader
            if INSTRUMENTS[instrument].title in stripped:
                for code, label in labels.items():
                    stripped = re.sub(rf"(?<![\w]){code} (?=\d)", f"{label} ", stripped)
        assert shown == without_empty_parts(stripped)
        assert not re.search(r"\[\d+\]", shown)
    assert "Joint involvement 6" in rendered(evaluation.result("I03a").details, protocol, "en")


def test_what_is_missing_renders_in_chinese(mc_1_50):
    protocol = mc_1_50
    doc = json.loads(ELIGIBLE_FEMALE.read_text(encoding="utf-8"))
    del doc["labs"][0]
    result = evaluate(parse_facts(doc, protocol), protocol).result("I06b")
    assert rendered_each(result.needed, protocol, "zh-hans") == ("日期在 2026-11-02 至 2026-11-20 内的肌酐",)


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


def test_an_age_that_cannot_be_computed_names_what_is_missing_in_chinese(mc_1_50):
    protocol = mc_1_50
    doc = json.loads(ELIGIBLE_FEMALE.read_text(encoding="utf-8"))
    doc["patient"]["date_of_birth"] = None
    doc["consent"] = None
    result = evaluate(parse_facts(doc, protocol), protocol).result("I02")
    assert rendered_each(result.needed, protocol, "zh-hans") == ("出生日期", "知情同意日期")
    assert rendered(result.details, protocol, "zh-hans") == "无法计算年龄：缺少出生日期, 知情同意日期"
    assert rendered_each(result.needed, protocol, "en") == ("date of birth", "consent date")


def test_the_timeline_names_each_kind_of_entry_in_chinese(client_of, coordinator_a, consented):
    html = chinese_client(client_of, coordinator_a).get(reverse("patient_detail", args=[consented.pk])).content.decode()
    timeline = html.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    assert '<span class="badge text-bg-light">登记</span>' in timeline
    assert '<span class="badge text-bg-light">知情同意</span>' in timeline
    assert "registration" not in timeline and ">consent<" not in timeline
