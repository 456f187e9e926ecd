"""Delegating a hospital's clinical staff to its site in another trial.

A role is held at a trial's site (the delegation log is per trial: an investigator signs only for the trials
they are delegated to). When a hospital starts a second trial, its coordinators and investigators usually
work on both: one action gives the new site the clinical roles its hospital's other sites hold. Monitors
are the sponsor's, per trial, and are not copied.
"""

from __future__ import annotations

import pghistory
from django.core.exceptions import PermissionDenied
from django.db import transaction

from trial.audit import with_reason
from trial.models import Role, Site, StaffRole

CLINICAL_ROLES = (Role.COORDINATOR, Role.INVESTIGATOR)


def site_staff_from_hospital(*, acting_user, site: Site) -> list[StaffRole]:
    """Give ``site`` every coordinator and investigator role held at its hospital's other sites; roles it
    already has are kept. Returns the roles created (audited, with the reason)."""
    if not acting_user.is_superuser:
        raise PermissionDenied
    held = (StaffRole.objects.filter(site__hospital_id=site.hospital_id, role__in=CLINICAL_ROLES)
            .exclude(site=site).values_list("user_id", "role").distinct())
    existing = set(StaffRole.objects.filter(site=site).values_list("user_id", "role"))
    created = []
    reason = f"clinical staff of {site.hospital.name} delegated to {site.trial.code} site {site.code}"
    with transaction.atomic(), pghistory.context(user=acting_user.pk), with_reason(reason):
        for user_id, role in sorted(set(held) - existing):
            created.append(StaffRole.objects.create(user_id=user_id, site=site, role=role))
    return created
