"""What the follow-up's services share: the role check, the dose level and date checks, the sweep nudge.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from followup import queue
from patients.clock import site_today
from screening.eligibility import Protocol
from trial.models import Site
from trial.selectors import has_role

logger = logging.getLogger(__name__)


# -- permissions and protocol checks -----------------------------------------------------------------------------


def require_role(user: AbstractBaseUser, site: Site, *roles: str) -> None:
    if not any(has_role(user, role, site) for role in roles):
        raise PermissionDenied(f"only a {' or '.join(roles)} of site {site.code} may do this")


def checked_dose_level(value: Decimal | None, protocol: Protocol) -> Decimal | None:
    """The dose level as the protocol writes it; none for a trial whose protocol declares no dose levels."""
    if protocol.dose_levels is None:
        if value is not None:
            raise ValidationError({"dose_level": _("The protocol declares no dose levels.")})
        return None
    if value is None:
        raise ValidationError({"dose_level": _("Choose the dose level.")})
    for level in protocol.dose_levels.levels:
        if Decimal(str(level)) == value:
            return Decimal(str(level))
    allowed = ", ".join(f"{level:g}" for level in protocol.dose_levels.levels)
    raise ValidationError({"dose_level": _("Not a dose level of the protocol (%(allowed)s %(unit)s).") % {
        "allowed": allowed, "unit": protocol.dose_levels.unit,
    }})


def check_dates(
    *, site: Site, planned_lymphodepletion_on: dt.date, planned_infusion_on: dt.date, infused_on: dt.date | None
) -> None:
    errors = {}
    if planned_infusion_on < planned_lymphodepletion_on:
        errors["planned_infusion_on"] = _("The infusion cannot be planned before lymphodepletion.")
    if infused_on is not None:
        if infused_on > site_today(site):
            errors["infused_on"] = _("The infusion date cannot be in the future; record it once it has happened.")
        elif infused_on < planned_lymphodepletion_on:
            errors["infused_on"] = _(
                "The infusion cannot precede lymphodepletion; correct the lymphodepletion date first."
            )
    if errors:
        raise ValidationError(errors)


def queue_sweep_after_commit() -> None:
    # Reminders due today go out within seconds instead of at the next beat; best effort, never blocking.
    transaction.on_commit(queue.enqueue_sweep)
