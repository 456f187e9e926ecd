"""Plain functions that build valid objects with sensible defaults; tests override what they test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from patients.models import Patient
from trial.models import Hospital, Site, StaffRole, Trial

PASSWORD = "correct horse battery staple 42"


def create_trial(**fields) -> Trial:
    return Trial.objects.create(**{"code": "MC-1-50", "title": "MC-1-50 Phase I", **fields})


HOSPITAL_FIELDS = ("name", "city", "time_zone", "default_language")


def create_site(trial: Trial, hospital: Hospital | None = None, **fields) -> Site:
    """A site of ``trial`` at ``hospital``, else at the hospital of that name and city (made when new)."""
    # English unless a test asks otherwise: assertions read English text; Chinese has its own tests.
    place = {"name": "Site", "city": "Hefei", "default_language": "en"}
    place.update({key: fields.pop(key) for key in HOSPITAL_FIELDS if key in fields})
    if hospital is None:
        hospital, _ = Hospital.objects.get_or_create(
            name=place.pop("name"), city=place.pop("city"), defaults=place)
    return Site.objects.create(**{"trial": trial, "hospital": hospital, "number": 1, **fields})


def create_user(username: str, **fields):
    return get_user_model().objects.create_user(username, password=PASSWORD, **fields)


def create_staff(username: str, role: str, *sites: Site):
    user = create_user(username, first_name=username.title(), last_name="Tester")
    for site in sites:
        StaffRole.objects.create(user=user, site=site, role=role)
    return user


def create_sponsor_admin(username: str):
    return create_user(username, is_staff=True, is_superuser=True)


def create_patient(site: Site, registered_by, **fields) -> Patient:
    sequence = fields.pop("sequence", Patient.objects.filter(site=site).count() + 1)
    defaults = {
        "site": site,
        "sequence": sequence,
        "screening_number": f"{site.number:02d}-{sequence:04d}",
        "initials": "ABC",
        "date_of_birth": dt.date(1985, 3, 14),
        "sex": "female",
        "weight_kg": Decimal("58.0"),
        "childbearing_potential": True,
        "registered_by": registered_by,
    }
    patient = Patient.objects.create(**{**defaults, **fields})
    if patient.status in ("eligible", "enrolled"):
        # "Signed eligible" is a valid eligible signature (enrollment requires one), not just the status.
        create_signature(patient, registered_by)
    return patient


def create_signature(patient: Patient, signer, outcome: str = "eligible", **fields):
    """A valid eligibility signature row under the trial's latest loaded protocol version (load one first),
    for tests that need "signed" without going through the data and the signing page. Its document is a
    stub: a real one comes from ``screening.signoff.services.signature_sign``."""
    from django.utils import timezone

    from screening.models import EligibilitySignature
    from screening.signoff import rules
    from trial.models import ProtocolVersion

    version = ProtocolVersion.objects.filter(trial=patient.site.trial).order_by("-number").first()
    if version is None:
        raise AssertionError("create_signature needs a loaded protocol version (the protocol_version fixture)")
    result = {"protocol": patient.site.trial.code, "protocol_version": version.label,
              "evaluated_on": timezone.localdate().isoformat(), "overall": outcome, "criteria": [], "missing": []}
    document = {"facts": {}, "result": result, "decisions": [], "records": {}}
    defaults = {
        "patient": patient, "signer": signer, "printed_name": signer.get_full_name() or signer.get_username(),
        "signed_at": timezone.now(), "outcome": outcome, "meaning": rules.meaning_of(outcome),
        "protocol_version": version, "evaluated_on": timezone.localdate(), "document": document,
        "sha256": rules.sha256_of(document), "screen_failure_reasons": [] if outcome == "eligible" else ["I06b"],
    }
    return EligibilitySignature.objects.create(**{**defaults, **fields})


def create_icf_version(site: Site, added_by, **fields):
    """An ICF version row (no file written: tests of uploads go through the service)."""
    from screening.models import ICFVersion

    defaults = {
        "site": site, "language": "en", "label": "1.0", "ethics_approved_on": dt.date(2024, 1, 10),
        "effective_on": dt.date(2024, 2, 1), "pdf": "icf/test.pdf", "sha256": "0" * 64, "added_by": added_by,
    }
    return ICFVersion.objects.create(**{**defaults, **fields})


def create_consent(patient: Patient, icf_version, obtained_by, **fields):
    """A consent signed by the candidate at 10:00 UTC on ``signed_on`` (default 2024-03-01)."""
    from screening.models import Consent

    signed_on = fields.pop("signed_on", dt.date(2024, 3, 1))
    defaults = {
        "patient": patient, "icf_version": icf_version, "signer": "patient",
        "signed_at": dt.datetime.combine(signed_on, dt.time(10, 0), tzinfo=dt.UTC), "signed_on": signed_on,
        "obtained_by": obtained_by, "recorded_by": obtained_by, "copy_given": True,
    }
    return Consent.objects.create(**{**defaults, **fields})


def create_totp_device(user):
    """A confirmed authenticator for ``user`` (investigators and monitors must have one)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def current_totp_code(device) -> str:
    """The code the user's authenticator app would show now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def current_version(record) -> int:
    """The version a form opened now would show (the database trigger bumps it on every change)."""
    return type(record).objects.values_list("version", flat=True).get(pk=record.pk)
