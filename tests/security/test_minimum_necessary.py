"""Minimum necessary: monitors and exports see screening numbers and initials, never the candidate's full
name or hospital record number; and no log line ever holds them."""

from __future__ import annotations

import logging
import re
import zlib

import pytest
from django.urls import reverse

from patients import services as patient_services
from patients.models import Patient
from tests.security.access_matrix import MATRIX, OK, VIEWERS
from tests.security.conftest import FULL_NAME, RECORD_NUMBER, World, client_as
from tests.security.test_access_matrix import portal_urls, url_of
from trial.audit.ledger import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("PRV-01")]

NEW_RECORD_NUMBER = "HRN-7730041-Y"
IDENTIFIERS = (FULL_NAME, "Qiuyue", RECORD_NUMBER, NEW_RECORD_NUMBER, "7730041")


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/pdf"):
        return pdf_text(content)
    return content.decode()


def pdf_text(content: bytes) -> str:
    """The PDF's bytes with its compressed streams inflated: the text operators hold the words shown."""
    parts = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, flags=re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return b"\n".join(parts).decode("latin-1")


def leaked(text: str) -> list[str]:
    return [identifier for identifier in IDENTIFIERS if identifier in text]


@pytest.fixture
def identifiers_changed(world: World):
    """A correction of the record number too, so the audit trail holds identifier changes."""
    patient_services.patient_update(
        acting_user=world.users["coordinator_a"], patient=world.patient, version=Patient.objects.get(
            pk=world.patient.pk).version, reason="record number re-issued", hospital_record_number=NEW_RECORD_NUMBER,
    )
    return world


def test_clinical_staff_do_see_the_identifiers(world: World):
    """The check below is not vacuous: the identifiers are set and shown to the site's coordinator."""
    page = body(client_as(world.users["coordinator_a"]).get(reverse("patient_detail", args=[world.patient.pk])))
    assert FULL_NAME in page and RECORD_NUMBER in page


def test_no_page_a_monitor_can_open_shows_an_identifier(identifiers_changed: World):
    world = identifiers_changed
    monitor = client_as(world.users["monitor_a"])
    routes = portal_urls()
    monitor_index = VIEWERS.index("monitor_a")
    opened, leaks = [], []
    urls = [url_of(name, routes[name], access, world) for name, access in MATRIX.items()
            if name in routes and access.get[monitor_index] == OK]
    candidate_urls = {url_of(name, routes[name], access, world) for name, access in MATRIX.items()
                      if name in routes and access.pk == "patient"}
    urls += [reverse("audit_entry", args=[entry.pk]) for entry in AuditEntry.objects.filter(patient=world.patient)]
    urls += [reverse("audit_log") + f"?candidate={world.patient.screening_number}",
             reverse("audit_export") + f"?candidate={world.patient.screening_number}"]
    for url in urls:
        response = monitor.get(url)
        assert response.status_code == 200, url
        opened.append(url)
        text = body(response)
        if response["Content-Type"].startswith("application/pdf") and url in candidate_urls:
            # A candidate's PDF: the text extraction works.
            assert world.patient.screening_number in text, url
        if found := leaked(text):
            leaks.append(f"{url}: {found}")
    assert not leaks, "identifiers shown to a monitor:\n" + "\n".join(leaks)
    assert reverse("patient_detail", args=[world.patient.pk]) in opened
    assert any(url.startswith(reverse("audit_export")) for url in opened)


def test_audit_csv_export_holds_screening_numbers_not_identifiers(identifiers_changed: World):
    world = identifiers_changed
    csv_text = body(client_as(world.users["monitor_a"]).get(reverse("audit_export")))
    assert world.patient.screening_number in csv_text
    assert "record number re-issued" in csv_text  # the correction is exported ...
    assert not leaked(csv_text)  # ... without the identifier's value


def test_calendar_feed_holds_no_identifier(world: World):
    feed = body(client_as(None).get(reverse("followup_calendar_feed", kwargs={"token": world.calendar_token})))
    assert world.patient.screening_number in feed
    assert not leaked(feed)


REGISTRATION = {
    "initials": "ZQY", "date_of_birth": "1988-07-02", "sex": "female", "weight_kg": "61.5",
    "childbearing_potential": "yes", "non_childbearing_reason": "", "gilbert_syndrome": "no",
    "full_name": FULL_NAME, "hospital_record_number": RECORD_NUMBER,
}


def test_no_identifier_reaches_the_logs(caplog, site_a, coordinator_a, coordinator_b, monitor_a):
    """Registration, correction, a form error, a 403, a 404 and a failed login, with every logger at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    for name in ("django.request", "django.server", "django.security", "celery", "axes", "kombu", "trial"):
        caplog.set_level(logging.DEBUG, logger=name)
    coordinator = client_as(coordinator_a)

    bad = coordinator.post(reverse("patient_register"), {**REGISTRATION, "site": site_a.pk, "initials": "7"})
    assert bad.status_code == 200 and "2 to 4 letters" in bad.content.decode()
    registered = coordinator.post(reverse("patient_register"), {**REGISTRATION, "site": site_a.pk})
    assert registered.status_code == 302
    patient = Patient.objects.get(full_name=FULL_NAME)
    edit = reverse("patient_edit", args=[patient.pk])
    corrected = coordinator.post(edit, {**REGISTRATION, "hospital_record_number": NEW_RECORD_NUMBER,
                                        "version": patient.version, "reason": "re-issued"})
    assert corrected.status_code == 302
    stale = coordinator.post(edit, {**REGISTRATION, "weight_kg": "62", "version": patient.version, "reason": "x"})
    assert "changed by someone else meanwhile" in stale.content.decode()
    assert client_as(monitor_a).post(edit, {**REGISTRATION, "version": 9, "reason": "x"}).status_code == 403
    assert client_as(coordinator_b).get(reverse("patient_detail", args=[patient.pk])).status_code == 404
    client_as(None).post(reverse("login"), {"username": FULL_NAME, "password": RECORD_NUMBER})

    assert caplog.records, "nothing was logged: the capture is not working"
    assert any(record.name == "django.request" for record in caplog.records)  # the 403 / 404 were logged
    leaks = [f"{record.name}: {record.getMessage()}" for record in caplog.records
             if leaked(record.getMessage() + repr(vars(record)))]
    assert not leaks, "identifiers in the logs:\n" + "\n".join(leaks)
