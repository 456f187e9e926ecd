"""Structured evidence in the reader's language: every message template is translated with the same
parameters, and an evaluation renders in Chinese through gettext, not by rewriting English sentences."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.utils import translation

from screening.eligibility import evaluate, load_protocol_file, parse_facts
from screening.eligibility.general.messages import TEMPLATES, render_all

pytestmark = pytest.mark.requirement("I18N-01")

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("message_id", sorted(TEMPLATES))
def test_every_evidence_template_is_translated_with_its_parameters(message_id: str) -> None:
    template = TEMPLATES[message_id]
    with translation.override("zh-hans"):
        translated = translation.gettext(template)
    if re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", template)):
        assert translated != template, "not translated"
    assert sorted(re.findall(r"\{\w+\}", translated)) == sorted(re.findall(r"\{\w+\}", template))


def test_an_evaluation_renders_in_chinese() -> None:
    protocol = load_protocol_file(CHECKOUT / "trial/protocols/nct01639339-bliss-ln.toml")
    doc = json.loads((CHECKOUT / "tests/eligibility/trials/nct01639339-eligible.json").read_text(encoding="utf-8"))
    doc["qualitative"][2]["result"] = "positive"  # HBsAg
    result = evaluate(parse_facts(doc, protocol), protocol).result("EXC4")
    names = {code: item.names["zh-hans"] for code, item in protocol.catalogue.qualitative.items()}
    with translation.override("zh-hans"):
        text = render_all(result.details, translation.gettext, lambda code: names.get(code, code))
    assert "乙肝表面抗原 阳性（qualitative[2]，2026-11-04）" in text
    assert "HBsAg" not in text
