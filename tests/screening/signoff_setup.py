"""A candidate whose data makes them eligible, entered through the services with dates relative to the
site's today (the validity window counts back from the evaluation date), and signing helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import RequestFactory

from patients.clock import site_today
from screening.records.services import (
    attestation_record,
    screening_record_create,
    screening_record_update,
)
from screening.signoff.selectors import assess
from screening.signoff.services import signature_sign
from tests import factories
from tests.screening.records_setup import consent, reference_ranges

ATTESTATIONS = [
    ("no_serious_mental_disorder", True, ""), ("apheresis_suitable", True, ""), ("contraception_agreed", True, "iud"),
    ("no_gamete_donation_agreed", True, ""), ("intolerant_to_conventional_therapy", False, ""),
    ("liver_involvement", False, ""),
]


def lab(patient, coordinator, test: str, value: str, unit: str, collected_on: dt.date):
    return screening_record_create(acting_user=coordinator, kind="labs", patient=patient, values={
        "test": test, "value": Decimal(value), "unit": unit, "reference_low": None, "reference_high": None,
        "collected_on": collected_on,
    })


def correct_lab(record, user, value: str, reason: str = "transcription error"):
    """A coordinator's correction of a lab's value, through the service."""
    record.refresh_from_db()
    return screening_record_update(acting_user=user, record=record, version=record.version, reason=reason, values={
        "test": record.test, "value": Decimal(value), "unit": record.unit, "reference_low": record.reference_low,
        "reference_high": record.reference_high, "collected_on": record.collected_on,
    })


def enter_eligible(patient, coordinator, investigator, *, skip_attestation: str = "", attest: bool = True) -> dict:
    """eligible-female.json's data, dated in the last three weeks (``attest=False``: the coordinator's part
    only). Returns the records by name."""
    today = site_today(patient.site)
    day = today - dt.timedelta(days=15)
    consent(patient, coordinator, today - dt.timedelta(days=20))
    reference_ranges(patient.site)
    records = {}
    for test, value, unit in [("creatinine", "70", "umol/L"), ("alt", "30", "U/L"), ("ast", "28", "U/L"),
                              ("total_bilirubin", "12", "umol/L")]:
        records[test] = lab(patient, coordinator, test, value, unit, day)

    def create(kind, **values):
        return screening_record_create(acting_user=coordinator, kind=kind, patient=patient, values=values)

    records["ana"] = create("serology", test="ana", result="positive", titer=640, pattern="homogeneous",
                            collected_on=day)
    create("serology", test="anti_dsdna", result="positive", titer=None, pattern="", collected_on=day)
    create("sledai", assessed_on=day + dt.timedelta(days=1),
           descriptors=["arthritis", "proteinuria", "low_complement", "increased_dna_binding"])
    create("eular", assessed_on=day + dt.timedelta(days=1), ana_ever_1_80_hep2=True,
           criteria=["joint_involvement", "proteinuria", "low_c3_and_low_c4", "anti_dsdna_or_anti_smith"])
    for drug, started, stopped, dose in [
        ("hydroxychloroquine", dt.date(2024, 2, 1), None, Decimal("400")),
        ("prednisone", dt.date(2024, 2, 1), None, Decimal("60")),
        ("mycophenolate", dt.date(2024, 3, 1), dt.date(2025, 1, 15), None),
        ("tacrolimus", dt.date(2025, 1, 20), None, None), ("belimumab", dt.date(2025, 4, 1), None, None),
    ]:
        create("treatments", drug=drug, started_on=started, stopped_on=stopped, dose_mg_per_day=dose)
    records["echo"] = create("echo", lvef_percent=Decimal("62"), performed_on=day + dt.timedelta(days=2))
    create("spo2", percent=Decimal("97"), room_air=True, measured_on=day)
    create("pregnancy", specimen="serum", result="negative", collected_on=day)
    for question, answer, method in ATTESTATIONS if attest else ():
        if question != skip_attestation:
            attestation_record(acting_user=investigator, patient=patient, question=question, answer=answer,
                               contraception_method=method)
    return records


def signing_request(user):
    """A request as the signing view passes it (django-axes needs one to count failures)."""
    request = RequestFactory().post("/screening/sign/", REMOTE_ADDR="10.1.2.3")
    request.user = user
    return request


def sign(patient, investigator, *, password: str = factories.PASSWORD, code: str | None = None, **extra):
    device = investigator.totpdevice_set.filter(confirmed=True).first() or factories.create_totp_device(investigator)
    # A code is accepted once per time step: a second signature in the same test needs the step reset.
    device.last_t = -1
    device.save(update_fields=["last_t"])
    # As the page does: the hash of the result shown (the current one, unless a test says otherwise).
    if "shown_sha256" not in extra:
        assessment = assess(patient)
        extra["shown_sha256"] = assessment.sha256 if assessment else ""
    return signature_sign(
        acting_user=investigator, patient=patient, printed_name=extra.pop("printed_name", investigator.get_full_name()),
        password=password,
        otp_token=code if code is not None else factories.current_totp_code(device),
        request=signing_request(investigator), **extra,
    )
