"""The rendered pages of the demo, for each role, show nothing a person would not recognise: no template
syntax, no record reference (``labs[0]``), no model label (``screening.LabResult``), no raw boolean, no
microsecond time. The demo has a candidate at every stage, so every panel has something to show."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from followup.models import Enrollment
from patients.models import Patient
from tests.demo_setup import load_demo
from tests.factories import create_totp_device
from trial.audit.search import entries_visible_to

FORBIDDEN = {
    "template syntax": re.compile(r"\{#|\{%|#\}|%\}"),
    "a record reference": re.compile(r"\b(?:labs|serology|treatments|echo|spo2|pregnancy_test|measurements)\[\d+\]"
                                     r"|\b(?:attestations|patient|instruments)\.[a-z_]+\b(?![./(])"),
    "a model label": re.compile(r"\b(?:screening|patients|followup|trial)\.[A-Z][A-Za-z]+\b"),
    "a raw boolean": re.compile(r">\s*(?:True|False|None)\s*<"),
    "a microsecond time": re.compile(r"\d\d:\d\d:\d\d\.\d{6}"),
}


@pytest.fixture
def demo(settings, tmp_path, db):
    load_demo(settings, tmp_path)


def pages_for(username: str) -> list[str]:
    urls = {"coord.hefei": [reverse("dashboard_coordinator")], "inv.hangzhou": [reverse("dashboard_investigator")],
            "monitor": [reverse("dashboard_monitor"), reverse("audit_log")]}[username]
    urls.append(reverse("screening_log"))
    sites = {"coord.hefei": [1], "inv.hangzhou": [2], "monitor": [1, 2]}[username]
    for patient in Patient.objects.filter(site__number__in=sites):
        urls += [reverse("patient_detail", args=[patient.pk]), reverse("patient_history", args=[patient.pk])]
        if username == "inv.hangzhou":
            urls.append(reverse("signoff_sign", args=[patient.pk]))
        if Enrollment.objects.filter(patient=patient).exists() and username == "coord.hefei":
            urls.append(reverse("followup_patient", args=[patient.pk]))
    if username == "monitor":
        monitor = get_user_model().objects.get(username=username)
        urls += [reverse("audit_entry", args=[pk]) for pk in entries_visible_to(monitor).order_by("-pk")
                 .values_list("pk", flat=True)[:30]]
    return urls


def visible_text(html: str) -> str:
    """What the page shows: the markup outside script, style and attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]*>", "><", html)


@pytest.mark.parametrize("username", ["coord.hefei", "inv.hangzhou", "monitor"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_page_of_the_demo_shows_what_a_person_would_not_recognise(demo, client, username, language):
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    if username != "coord.hefei":
        device = create_totp_device(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    client.post(reverse("language_switch"), {"language": language, "next": "/"})  # remembered on the account
    found = []
    for url in pages_for(username):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        for what, pattern in FORBIDDEN.items():
            if match := pattern.search(text):
                found.append(f"{url}: {what}: {text[max(0, match.start() - 60):match.end() + 40]!r}")
    assert found == [], "\n".join(found[:20])
    assert f'lang="{language}"' in client.get(pages_for(username)[0]).content.decode()  # the language asked for
