"""Every CSV the portal exports is safe to open in a spreadsheet (a cell that would run as a formula is
escaped, the value still readable), and nothing a signed-in user is sent may be stored by a cache."""

from __future__ import annotations

import csv
import io

import pghistory
import pytest
from django.urls import reverse

from patients.models import Patient
from trial.csv_export import safe_cell

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("REC-01")]


@pytest.mark.parametrize(("value", "shown"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("-12.5", "-12.5"), ("plain", "plain"),
    (42, 42),
])
def test_a_cell_that_would_be_a_formula_is_escaped(value, shown):
    assert safe_cell(value) == shown


def test_the_audit_export_escapes_a_reason_typed_as_a_formula(client_of, monitor_a, patient_a):
    with pghistory.context(reason='=HYPERLINK("http://evil.test","click")'):
        Patient.objects.filter(pk=patient_a.pk).update(weight_kg=60)
    response = client_of(monitor_a).get(reverse("audit_export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    reasons = [row[-2] for row in csv.reader(io.StringIO(body))]
    assert "'=HYPERLINK(\"http://evil.test\",\"click\")" in reasons
    assert not any(reason.startswith("=") for reason in reasons)


@pytest.mark.parametrize("export", ["audit_export", "screening_log_export"])
def test_exports_start_with_a_byte_order_mark_so_excel_reads_them_as_utf8(client_of, monitor_a, patient_a, export):
    """Without the mark Excel opens a CSV in the machine's legacy code page and Chinese arrives garbled."""
    with pghistory.context(reason="体重更正"):
        Patient.objects.filter(pk=patient_a.pk).update(weight_kg=61)
    body = b"".join(client_of(monitor_a).get(reverse(export)).streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.count(b"\xef\xbb\xbf") == 1  # once, not before every streamed row
    if export == "audit_export":
        assert "体重更正" in body.decode("utf-8-sig")


def test_pages_and_exports_for_a_signed_in_user_are_never_stored(client_of, coordinator_a, monitor_a, patient_a):
    page = client_of(coordinator_a).get(reverse("patient_detail", args=[patient_a.pk]))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    export = client_of(monitor_a).get(reverse("audit_export"))
    assert "no-store" in export["Cache-Control"]
