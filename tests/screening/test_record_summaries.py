"""A record in its panel's list reads as people name things: SLEDAI-2K descriptors and EULAR/ACR criteria by
their names in the page's language, not their codes (``low_complement``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import translation

from patients.clock import site_today
from screening.instrument_names import EULAR_LABELS, SLEDAI_LABELS
from screening.records.services import screening_record_create


def test_sledai_and_eular_records_list_their_findings_by_name_in_the_pages_language(client_of, coordinator_a,
                                                                                    consented):
    day = site_today(consented.site) - dt.timedelta(days=1)
    screening_record_create(acting_user=coordinator_a, kind="sledai", patient=consented,
                            values={"assessed_on": day, "descriptors": ["low_complement", "arthritis"]})
    screening_record_create(acting_user=coordinator_a, kind="eular", patient=consented, values={
        "assessed_on": day, "ana_ever_1_80_hep2": True, "criteria": ["acute_cutaneous_lupus"]})
    client = client_of(coordinator_a)
    for language in ("en", "zh-hans"):
        client.post(reverse("language_switch"), {"language": language, "next": "/"})  # as the switcher does
        html = client.get(reverse("patient_detail", args=[consented.pk])).content.decode()
        sledai = html.split('data-testid="records-sledai"')[1].split("</table>")[0]
        eular = html.split('data-testid="records-eular"')[1].split("</table>")[0]
        with translation.override(language):
            assert str(SLEDAI_LABELS["low_complement"]) in sledai and str(SLEDAI_LABELS["arthritis"]) in sledai
            assert str(EULAR_LABELS["acute_cutaneous_lupus"]) in eular
        assert "low_complement" not in sledai and "acute_cutaneous_lupus" not in eular
