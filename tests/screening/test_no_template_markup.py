"""No template markup reaches a reader: a Django {# #} comment that spans lines is printed as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

pytestmark = pytest.mark.django_db


def test_no_template_has_a_comment_spanning_lines():
    spanning = [f"{path.relative_to(TEMPLATES)}: {match.group(0)[:60]!r}"
                for path in TEMPLATES.rglob("*.html")
                for match in re.finditer(r"\{#(?:(?!#\}).)*\n", path.read_text(), flags=re.S)]
    assert spanning == []


def test_the_candidate_page_shows_no_template_markup(client_of, coordinator_a, consented):
    page = client_of(coordinator_a).get(reverse("patient_detail", args=[consented.pk])).content.decode()
    assert "{#" not in page and "{%" not in page and "fetched when first opened" not in page
