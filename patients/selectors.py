"""Reads about candidates that depend on who is asking."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from patients.models import Patient
from trial.models import Role, Site, StaffRole
from trial.selectors import has_role, roles_at, sites_of


def entry_sites(user) -> QuerySet[Site]:
    """Sites where the user may enter data (register, consent, correct, withdraw): coordinators only."""
    return sites_of(user, roles=[Role.COORDINATOR])


def can_enter_data(user, site: Site) -> bool:
    return has_role(user, Role.COORDINATOR, site)


def can_see_identifiers(user, site: Site) -> bool:
    """Full name and hospital record number: clinical staff of the candidate's own site. Monitors never,
    not even at their own site (minimum necessary: they verify by screening number and initials)."""
    return bool(roles_at(user, site.pk) & {Role.COORDINATOR, Role.INVESTIGATOR})


def site_staff(site: Site) -> QuerySet:
    """Clinical staff of a site (who may obtain consent), by name."""
    held = StaffRole.objects.filter(site=site, role__in=[Role.COORDINATOR, Role.INVESTIGATOR])
    return get_user_model().objects.filter(pk__in=held.values("user_id")).order_by("last_name", "first_name")


def possible_duplicates(site: Site, initials: str, date_of_birth: date, hospital_record_number: str = "",
                        exclude_pk: int | None = None) -> QuerySet:
    """Candidates at the same hospital, in any of its trials, withdrawn ones included, with the same initials
    and date of birth, or with the same hospital record number (one person may be screened for two trials)."""
    same = Q(initials=initials.upper(), date_of_birth=date_of_birth)
    if hospital_record_number.strip():
        same |= Q(hospital_record_number=hospital_record_number.strip())
    found = Patient.objects.filter(same, site__hospital_id=site.hospital_id).select_related("site__trial", "site__hospital")
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.order_by("site__trial__code", "sequence")
