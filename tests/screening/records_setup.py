"""Helpers for the screening-record tests: a consented candidate, site reference ranges, form posts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from screening.models import ReferenceRange
from tests import factories

# The ranges of ../shared/protocol/examples/eligible-female.json (ULN 84, 40, 40, 21).
RANGES = {
    "creatinine": (Decimal("45"), Decimal("84"), "umol/L"),
    "alt": (Decimal("7"), Decimal("40"), "U/L"),
    "ast": (Decimal("13"), Decimal("40"), "U/L"),
    "total_bilirubin": (Decimal("3.4"), Decimal("21"), "umol/L"),
}


def consent(patient, staff, signed_on: dt.date):
    from screening.models import ICFVersion

    # One current ICF per site and language: a second candidate of the site signs the same one.
    icf = ICFVersion.objects.filter(site=patient.site, label="1.0").first() or factories.create_icf_version(
        patient.site, staff, label="1.0", ethics_approved_on=dt.date(2024, 1, 10), effective_on=dt.date(2024, 2, 1))
    return factories.create_consent(patient, icf, staff, signed_on=signed_on)


def reference_ranges(site, sex: str = "female") -> None:
    """The site lab's ranges (once per site and sex: a second candidate of the site shares them)."""
    for test, (low, high, unit) in RANGES.items():
        ReferenceRange.objects.get_or_create(hospital=site.hospital, test=test, sex=sex,
                                             defaults={"site": site, "low": low, "high": high, "unit": unit})


def form_errors(response) -> str:
    """The form errors of a re-rendered page, for assertion messages."""
    context = getattr(response, "context", None) or {}
    for key in ("form",):
        form = context.get(key) if hasattr(context, "get") else None
        if form is not None and form.errors:
            return form.errors.as_text()
    return response.content.decode()[:2000]


def post_ok(client, url: str, data: dict) -> None:
    """POST a form without htmx and insist it saved (redirect), showing the errors otherwise."""
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
