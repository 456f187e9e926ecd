"""Writes about candidates: registration and corrections. Withdrawal: ``screening.consent.services``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from patients import rules
from patients.clock import site_today
from patients.models import Patient, SiteCounter
from patients import signals
from patients.selectors import can_enter_data, possible_duplicates
from patients.versioning import ensure_version
from screening.consent.guards import ensure_open_for_entry
from trial.audit import with_reason
from trial.models import Site

EDITABLE_FIELDS = [
    "initials", "date_of_birth", "sex", "weight_kg", "childbearing_potential", "non_childbearing_reason",
    "gilbert_syndrome", "full_name", "hospital_record_number",
]
# What a concurrent-edit message may describe: the editable fields and the status (withdrawal, sign-off).
VERSIONED_FIELDS = [*EDITABLE_FIELDS, "status"]


class PossibleDuplicate(ValidationError):
    """Registration needs confirmation: ``duplicates`` are the site's candidates with the same initials and
    date of birth."""

    def __init__(self, duplicates: QuerySet[Patient]) -> None:
        numbers = ", ".join(f"{p.screening_number} ({p.site.trial.code})" for p in duplicates)
        super().__init__(
            {"confirm_duplicate": _(
                "Possible duplicate of %(numbers)s at this hospital (same initials and date of birth, or same "
                "hospital record number): tick the box to confirm this is another person."
            ) % {"numbers": numbers}},
            code="possible_duplicate",
        )
        self.duplicates = list(duplicates)


def _problems(*, date_of_birth: date, weight_kg: Decimal, sex: str, childbearing_potential: bool,
              non_childbearing_reason: str, today: date) -> dict[str, str]:
    problems = dict(rules.childbearing_problem(sex, childbearing_potential, non_childbearing_reason))
    if problem := rules.date_of_birth_problem(date_of_birth, today):
        problems["date_of_birth"] = problem
    if problem := rules.weight_problem(weight_kg):
        problems["weight_kg"] = problem
    return problems


def _next_sequence(site: Site) -> int:
    """The next screening sequence of a site. Call inside a transaction: the counter row stays locked until
    commit, so concurrent registrations at one site queue here and get distinct numbers."""
    # Locking the Site row first makes creating the site's counter row race-free as well. The lock takes the
    # hospital's row too (the site manager joins it): registrations in the hospital's other trials queue here,
    # so the duplicate check across them cannot race either.
    Site.objects.select_for_update().get(pk=site.pk)
    counter, _ = SiteCounter.objects.select_for_update().get_or_create(site=site)
    # Candidates created outside this service (imports, fixtures) also hold numbers: never hand those out.
    highest = Patient.objects.filter(site=site).aggregate(highest=Max("sequence"))["highest"] or 0
    counter.last_sequence = max(counter.last_sequence, highest) + 1
    counter.save(update_fields=["last_sequence"])
    return counter.last_sequence


def patient_register(
    *,
    acting_user,
    site: Site,
    initials: str,
    date_of_birth: date,
    sex: str,
    weight_kg: Decimal,
    childbearing_potential: bool,
    non_childbearing_reason: str = "",
    gilbert_syndrome: bool = False,
    full_name: str = "",
    hospital_record_number: str = "",
    duplicate_confirmed: bool = False,
) -> Patient:
    """Register a screening candidate at ``site`` under the site's next screening number.

    Raises ``PossibleDuplicate`` unless ``duplicate_confirmed`` when the hospital already has a candidate, in
    any of its trials, with the same initials and date of birth or the same hospital record number."""
    if not can_enter_data(acting_user, site):
        raise PermissionDenied
    initials = initials.strip().upper()
    problems = _problems(
        date_of_birth=date_of_birth, weight_kg=weight_kg, sex=sex, childbearing_potential=childbearing_potential,
        non_childbearing_reason=non_childbearing_reason, today=site_today(site),
    )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason("candidate registered"):
        sequence = _next_sequence(site)  # locks the site: the duplicate check below cannot race either
        duplicates = possible_duplicates(site, initials, date_of_birth, hospital_record_number)
        if duplicates.exists() and not duplicate_confirmed:
            raise PossibleDuplicate(duplicates)
        return Patient.objects.create(
            site=site,
            sequence=sequence,
            screening_number=rules.screening_number(site.number, sequence),
            initials=initials,
            date_of_birth=date_of_birth,
            sex=sex,
            weight_kg=weight_kg,
            childbearing_potential=childbearing_potential,
            non_childbearing_reason=non_childbearing_reason,
            gilbert_syndrome=gilbert_syndrome,
            full_name=full_name.strip(),
            hospital_record_number=hospital_record_number.strip(),
            registered_by=acting_user,
        )


def patient_update(*, acting_user, patient: Patient, version: int, reason: str, **changes) -> Patient:
    """Correct a candidate's registration data. ``version`` is the one the form showed (a newer one raises
    ``StaleVersion`` describing the other change); ``reason`` is stored with the audit event."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if not can_enter_data(acting_user, patient.site):
        raise PermissionDenied
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(reason.strip()):
        patient = Patient.objects.select_for_update().select_related("site").get(pk=patient.pk)
        ensure_version(patient, version, VERSIONED_FIELDS)
        ensure_open_for_entry(patient)
        if "initials" in changes:
            changes["initials"] = changes["initials"].strip().upper()
        for name, value in changes.items():
            setattr(patient, name, value)
        problems = _problems(
            date_of_birth=patient.date_of_birth, weight_kg=patient.weight_kg, sex=patient.sex,
            childbearing_potential=patient.childbearing_potential,
            non_childbearing_reason=patient.non_childbearing_reason, today=site_today(patient.site),
        )
        if problems:
            raise ValidationError(problems)
        patient.save()
        patient.refresh_from_db(fields=["version"])  # bumped by the database trigger
        # Weight, sex, date of birth ... are facts: a signature that used a changed one is void with it, in
        # this transaction (screening's receiver; screening builds on patients).
        signals.facts_changed.send(sender=Patient, patient=patient, acting_user=acting_user)
        patient.refresh_from_db(fields=["status", "version"])
    return patient
