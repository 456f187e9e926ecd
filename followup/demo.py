"""The demo's candidates: about ten at every stage of the pipeline, so a newcomer's first login shows the
whole portal at work (registered, consented, half entered, eligible awaiting signature, signed, enrolled
with a reminder due today and one overdue, screen failed, withdrawn, an open data query, a void signature).

Everything goes through the services people use, with the demo's own accounts as the acting users: the
audit trail, the facts and the signatures are real. Dates count back from the site's today. Signing needs
the investigator's password and a one-time code: the demo has the password only when it creates the
accounts, so the candidates are loaded with them, once (``load_demo``; ``make clean-data`` starts over),
and the authenticator used to sign is removed afterwards so the person enrols their own at first login.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from fpdf import FPDF

from followup.services import enrollment_record
from patients.clock import site_today
from patients.models import Patient
from patients.services import patient_register
from screening.consent.services import consent_record, icf_version_add, patient_withdraw
from screening.models import ICFVersion, LabResult
from screening.records.ranges import reference_range_of
from screening.records.services import (
    attestation_record,
    reference_range_save,
    screening_record_create,
    screening_record_update,
)
from screening.signoff.selectors import assess
from screening.signoff.services import signature_sign
from screening.signoff.summaries import summaries_refresh_stale
from trial.audit.review import query_raise
from trial.models import Site

RANGES = {"creatinine": ("45", "84", "umol/L"), "alt": ("7", "40", "U/L"), "ast": ("13", "40", "U/L"),
          "total_bilirubin": ("3.4", "21", "umol/L")}
ATTESTATIONS = [
    ("no_serious_mental_disorder", True, ""), ("apheresis_suitable", True, ""), ("contraception_agreed", True, "iud"),
    ("no_gamete_donation_agreed", True, ""), ("intolerant_to_conventional_therapy", False, ""),
    ("liver_involvement", False, ""),
]
TREATMENTS = [
    ("hydroxychloroquine", dt.date(2024, 2, 1), None, Decimal("400")),
    ("prednisone", dt.date(2024, 2, 1), None, Decimal("60")),
    ("mycophenolate", dt.date(2024, 3, 1), dt.date(2025, 1, 15), None),
    ("tacrolimus", dt.date(2025, 1, 20), None, None), ("belimumab", dt.date(2025, 4, 1), None, None),
]


class _Staff:
    """The demo accounts of one site that act in its pipeline, and the investigator's password."""

    def __init__(self, site: Site, coordinator: str, investigator: str, password: str, monitor: str):
        users = get_user_model().objects
        self.site = site
        self.coordinator = users.get(username=coordinator)
        self.investigator = users.get(username=investigator)
        self.monitor = users.get(username=monitor)
        self.password = password


def demo_candidates_load(passwords: dict[str, str]) -> list[Patient]:
    """The pipeline at site 01 (Hefei) and site 02 (Hangzhou); ``passwords``: the demo accounts' by username.
    Returns the candidates created (none when the demo already has candidates)."""
    if Patient.objects.filter(site__trial__code="MC-1-50").exists():
        return []
    hefei = _Staff(Site.objects.get(trial__code="MC-1-50", number=1), "coord.hefei", "inv.hefei",
                   passwords["inv.hefei"], "monitor")
    hangzhou = _Staff(Site.objects.get(trial__code="MC-1-50", number=2), "coord.hangzhou", "inv.hangzhou",
                      passwords["inv.hangzhou"], "monitor")
    created = []
    with transaction.atomic():
        for staff in (hefei, hangzhou):
            _site_setup(staff)
        created.append(_register(hefei, "ZQ", dt.date(1990, 5, 2)))  # just registered

        consented = _register(hefei, "LH", dt.date(1988, 9, 14))
        _consent(hefei, consented)
        created.append(consented)

        half = _register(hefei, "WY", dt.date(1993, 1, 30))
        _consent(hefei, half)
        _labs(hefei, half)  # labs only: the checklist lists what is still missing
        query_raise(acting_user=hefei.monitor, patient=half, record_type="screening.LabResult",
                    object_id=str(LabResult.objects.filter(patient=half, test="creatinine").get().pk), field="value",
                    text="The source shows 79 µmol/L for this creatinine; please check the value entered.")
        created.append(half)

        awaiting = _register(hefei, "CX", dt.date(1991, 7, 8))
        _eligible(hefei, awaiting)  # eligible, waiting for the investigator's signature
        created.append(awaiting)

        signed = _register(hefei, "HM", dt.date(1986, 3, 21))
        _eligible(hefei, signed)
        _sign(hefei, signed)  # signed eligible, not yet enrolled
        created.append(signed)

        today = site_today(hefei.site)
        overdue = _register(hefei, "SJ", dt.date(1989, 11, 5))
        _eligible(hefei, overdue)
        _sign(hefei, overdue)
        # Lymphodepletion today: the pre-lymphodepletion pregnancy test was due yesterday (overdue).
        enrollment_record(acting_user=hefei.coordinator, patient=overdue, dose_level=Decimal("0.3"),
                          planned_lymphodepletion_on=today, planned_infusion_on=today + dt.timedelta(days=3))
        created.append(overdue)

        due = _register(hangzhou, "ZL", dt.date(1992, 4, 17))
        _eligible(hangzhou, due)
        _sign(hangzhou, due)
        # Lymphodepletion tomorrow: the pregnancy test is due today.
        today = site_today(hangzhou.site)
        enrollment_record(acting_user=hangzhou.coordinator, patient=due, dose_level=Decimal("0.3"),
                          planned_lymphodepletion_on=today + dt.timedelta(days=1),
                          planned_infusion_on=today + dt.timedelta(days=4))
        created.append(due)

        failed = _register(hangzhou, "GY", dt.date(1985, 12, 1))
        _eligible(hangzhou, failed, creatinine="400")  # renal function fails I06b
        _sign(hangzhou, failed)  # signed not eligible: a screen failure
        created.append(failed)

        withdrawn = _register(hangzhou, "MT", dt.date(1994, 6, 9))
        _consent(hangzhou, withdrawn)
        patient_withdraw(acting_user=hangzhou.coordinator, patient=withdrawn,
                         withdrawn_on=site_today(hangzhou.site), reason="Candidate decided not to take part.")
        created.append(withdrawn)

        void = _register(hangzhou, "FN", dt.date(1987, 8, 25))
        records = _eligible(hangzhou, void)
        _sign(hangzhou, void)
        creatinine = records["creatinine"]
        creatinine.refresh_from_db()
        screening_record_update(  # after signing: the signature goes void, the investigator is told
            acting_user=hangzhou.coordinator, record=creatinine, version=creatinine.version,
            reason="transcription error: the report reads 97", values={
                "test": "creatinine", "value": Decimal("97"), "unit": "umol/L",
                "reference_low": creatinine.reference_low, "reference_high": creatinine.reference_high,
                "collected_on": creatinine.collected_on, "source": creatinine.source})
        created.append(void)
        summaries_refresh_stale()  # the worklists as they stand, also where the writes' own refresh cannot run
    return created


def _site_setup(staff: _Staff) -> None:
    """The site's ICF (version 1.0, a generated PDF) and its laboratory's reference ranges for women."""
    if not ICFVersion.objects.filter(site=staff.site).exists():
        document = FPDF()
        document.add_page()
        document.set_font("helvetica", size=12)
        document.cell(text=f"Demo informed consent form, MC-1-50, {staff.site.code}, version 1.0")
        icf_version_add(acting_user=staff.coordinator, site=staff.site, language="en", label="1.0",
                        ethics_approved_on=dt.date(2025, 9, 1), effective_on=dt.date(2025, 10, 1),
                        pdf=SimpleUploadedFile("icf-1.0.pdf", bytes(document.output()), "application/pdf"))
    for test, (low, high, unit) in RANGES.items():
        if reference_range_of(staff.site, test, "female") is None:  # a hospital's ranges serve all its trials
            reference_range_save(acting_user=staff.coordinator, site=staff.site, test=test, sex="female",
                                 low=Decimal(low), high=Decimal(high), unit=unit)


def _register(staff: _Staff, initials: str, born: dt.date) -> Patient:
    return patient_register(acting_user=staff.coordinator, site=staff.site, initials=initials, date_of_birth=born,
                            sex="female", weight_kg=Decimal("58"), childbearing_potential=True)


def _consent(staff: _Staff, patient: Patient) -> None:
    signed_at = dt.datetime.combine(site_today(staff.site) - dt.timedelta(days=20), dt.time(2, 0), tzinfo=dt.UTC)
    consent_record(acting_user=staff.coordinator, patient=patient,
                   icf_version=ICFVersion.objects.get(site=staff.site, label="1.0", language="en"),
                   signer="patient", signed_at=signed_at, obtained_by=staff.investigator, copy_given=True)


def _labs(staff: _Staff, patient: Patient, creatinine: str = "70") -> dict[str, LabResult]:
    day = site_today(staff.site) - dt.timedelta(days=15)
    return {test: screening_record_create(acting_user=staff.coordinator, kind="labs", patient=patient, values={
        "test": test, "value": Decimal(value), "unit": unit, "reference_low": None, "reference_high": None,
        "collected_on": day, "source": ""})
        for test, value, unit in [("creatinine", creatinine, "umol/L"), ("alt", "30", "U/L"), ("ast", "28", "U/L"),
                                  ("total_bilirubin", "12", "umol/L")]}


def _eligible(staff: _Staff, patient: Patient, creatinine: str = "70") -> dict[str, LabResult]:
    """Consent and every data item an eligible candidate of MC-1-50 has (a high creatinine fails I06b)."""
    _consent(staff, patient)
    records = _labs(staff, patient, creatinine)
    day = site_today(staff.site) - dt.timedelta(days=15)

    def create(kind: str, **values) -> None:
        screening_record_create(acting_user=staff.coordinator, kind=kind, patient=patient, values=values)

    create("serology", test="ana", result="positive", titer=640, pattern="homogeneous", collected_on=day, source="")
    create("serology", test="anti_dsdna", result="positive", titer=None, pattern="", collected_on=day, source="")
    create("sledai", assessed_on=day + dt.timedelta(days=1),
           descriptors=["arthritis", "proteinuria", "low_complement", "increased_dna_binding"])
    create("eular", assessed_on=day + dt.timedelta(days=1), ana_ever_1_80_hep2=True,
           criteria=["joint_involvement", "proteinuria", "low_c3_and_low_c4", "anti_dsdna_or_anti_smith"])
    for drug, started, stopped, dose in TREATMENTS:
        create("treatments", drug=drug, started_on=started, stopped_on=stopped, dose_mg_per_day=dose)
    create("echo", lvef_percent=Decimal("62"), performed_on=day + dt.timedelta(days=2))
    create("spo2", percent=Decimal("97"), room_air=True, measured_on=day)
    create("pregnancy", specimen="serum", result="negative", collected_on=day)
    for question, answer, method in ATTESTATIONS:
        attestation_record(acting_user=staff.investigator, patient=patient, question=question, answer=answer,
                           contraception_method=method)
    return records


def _sign(staff: _Staff, patient: Patient) -> None:
    """The investigator's signature through the signing service: password and a one-time code of an
    authenticator made for the purpose and removed afterwards (the person enrols their own)."""
    user = staff.investigator
    device = TOTPDevice.objects.create(user=user, name="demo loader", confirmed=True)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"
    request = RequestFactory().post("/demo/", REMOTE_ADDR="127.0.0.1")
    request.user = user
    assessment = assess(patient)
    try:
        signature_sign(acting_user=user, patient=patient, printed_name=user.get_full_name(), password=staff.password,
                       otp_token=code, request=request, shown_sha256=assessment.sha256 if assessment else "")
    finally:
        device.delete()
