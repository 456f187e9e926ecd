"""The sweep that announces due reminders and urgent alerts by e-mail.

Delivery is at-most-once per due date: due reminders are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``,
marked sent and emailed as one digest per site in that same transaction; if the worker dies before the
commit, the rows are still pending and the next sweep sends them (a mail server that accepted a digest
just before the crash is the one window left, and the Message-ID is derived from the reminders and due
dates so a mail client can fold such a duplicate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followup import rules
from followup.models import (
    Reminder,
    ReminderKind,
    ReminderStatus,
    Undelivered,
    UrgentAlert,
)
from patients.clock import site_today
from patients.models import Patient
from screening.eligibility import Protocol
from trial.audit import with_reason
from trial.models import Role, Site
from trial.protocol_versions import NoProtocolLoaded, protocol_for
from trial.selectors import staff_emails

logger = logging.getLogger(__name__)


# -- the sweep ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    sent: int
    overdue: int
    alerts_emailed: int


def reminders_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Announce what fell due: overdue reminders first (coordinators and investigators), then reminders due
    today or earlier (coordinators), then unsent urgent alerts (investigators). Safe to run concurrently."""
    now = now or timezone.now()
    sent = overdue = 0
    protocols: dict[int, Protocol] = {}
    for site in Site.objects.select_related("trial").order_by("pk"):
        try:
            protocol = protocols.get(site.trial_id) or protocol_for(site.trial)
        except NoProtocolLoaded:
            logger.error("followup sweep: site %s skipped, no protocol loaded for %s", site.code, site.trial.code)
            continue
        protocols[site.trial_id] = protocol
        today = site_today(site, now)
        if protocol.reminders is not None:  # a protocol without reminder schedules has nothing to chase
            overdue_cutoff = rules.overdue_cutoff(today, protocol.reminders.overdue_after_days)
            open_statuses = [ReminderStatus.PENDING, ReminderStatus.SENT]
            overdue += _announce_due(site, open_statuses, overdue_cutoff, ReminderStatus.OVERDUE, now)
        sent += _announce_due(site, [ReminderStatus.PENDING], today, ReminderStatus.SENT, now)
    alerts = 0
    while _email_one_alert(now):
        alerts += 1
    return SweepResult(sent, overdue, alerts)


def _announce_due(
    site: Site, statuses: list[str], due_on_or_before: dt.date, new_status: str, now: dt.datetime
) -> int:
    """Announce every reminder of ``site`` due by then, a digest of at most ``REMINDERS_PER_MESSAGE`` per
    transaction; returns how many.

    The due ids are listed by one index scan per round, then claimed by id in chunks. (Claiming "the site's
    first due row" each time rescanned every other site's due rows: 17 ms a claim at 100,000 due reminders,
    see the README's Benchmarks.) A claim still skips locked rows and re-checks the status, so concurrent
    sweeps share the work and never announce a row twice. Rounds repeat until one claims nothing: a row
    another sweep rolled back is picked up, one that stays locked is left to the next sweep."""
    announced = 0
    while True:
        due = list(
            Reminder.objects.filter(site=site, status__in=statuses, due_date__lte=due_on_or_before)
            .order_by("due_date", "pk")
            .values_list("pk", flat=True)
        )
        chunks = [due[start:start + REMINDERS_PER_MESSAGE] for start in range(0, len(due), REMINDERS_PER_MESSAGE)]
        claimed = sum(_announce_digest(pks, statuses, due_on_or_before, new_status, site, now) for pks in chunks)
        announced += claimed
        if not claimed:
            return announced


# One message per claim: the coordinators of a site that fell behind get a few digests, not a thousand mails,
# and a sweep commits once per digest instead of once per reminder (about 1.4 ms a reminder instead of 6 ms
# at 100,000 due, most of it now the audit triggers; README "Benchmarks"). The window #7 accepts stays one
# message: a crash after the mail server took a digest but before the commit re-sends that digest, with the
# same Message-ID.
REMINDERS_PER_MESSAGE = 100


def _announce_digest(
    pks: list[int], statuses: list[str], due_on_or_before: dt.date, new_status: str, site: Site, now: dt.datetime
) -> int:
    """Claim the reminders ``pks`` that are still due in ``statuses`` and not locked by another sweep, mark
    them, email one digest of them, all in one transaction; returns how many it claimed."""
    reason = "reminder overdue: investigators told" if new_status == ReminderStatus.OVERDUE else "reminder sent"
    with transaction.atomic(), with_reason(reason):
        reminders = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient")
            .filter(pk__in=pks, status__in=statuses, due_date__lte=due_on_or_before)
            .order_by("due_date", "patient__screening_number", "kind", "sequence")
        )
        if not reminders:
            return 0
        stamp = {"overdue_at": now} if new_status == ReminderStatus.OVERDUE else {"sent_at": now}
        roles = [Role.COORDINATOR, Role.INVESTIGATOR] if new_status == ReminderStatus.OVERDUE else [Role.COORDINATOR]
        recipients = staff_emails(site, roles)
        # Marked as announced either way (the sweep must not retry every minute), but one that reached nobody
        # says so: the board shows "not delivered" and why, and the dashboard warns the site.
        stamp["undelivered_reason"] = "" if recipients else Undelivered.NO_RECIPIENT
        # One UPDATE for the digest; the row locks held since the claim keep every status as read.
        claimed = Reminder.objects.filter(pk__in=[r.pk for r in reminders], status__in=statuses)
        claimed.update(status=new_status, **stamp)
        _simulate_slow_mail_server()
        _send(_reminder_email(reminders, site, new_status, recipients))
    return len(reminders)


def _email_one_alert(now: dt.datetime) -> bool:
    with transaction.atomic():
        alert = (
            UrgentAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient__site__trial", "patient__site__hospital", "reminder")
            .filter(emailed_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if alert is None:
            return False
        if not UrgentAlert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(emailed_at=now):
            return True
        site = alert.patient.site
        _send(_alert_email(alert, staff_emails(site, [Role.INVESTIGATOR])))
    return True


def _simulate_slow_mail_server() -> None:
    # Test-only (default 0): widens the claim-to-commit window so a test can kill a worker inside it.
    delay_ms = settings.FOLLOWUP_DELIVERY_DELAY_MS
    if delay_ms:
        time.sleep(delay_ms / 1000)


def _send(message: EmailMessage) -> None:
    if not message.to:
        logger.warning("followup: no recipient with an email address for %r; shown on the dashboard only",
                       message.subject)
        return
    message.send(fail_silently=False)


def _patient_label(patient: Patient) -> str:
    # Email leaves the portal: screening number and initials only, never a name or record number.
    return f"{patient.screening_number} {patient.initials}"


def _reminder_email(reminders: list[Reminder], site: Site, status: str, recipients: list[str]) -> EmailMessage:
    """One message for the site's staff (in the site's language) naming every reminder of the digest.

    ``X-MC150-Reminders`` lists each reminder's idempotency key, so a duplicate can be told from a new
    announcement; the Message-ID is derived from the keys, due dates and delivery, so a digest sent again
    after a crash carries the same one and a mail client folds it."""
    with translation.override(site.default_language):
        subject, body = _reminder_text(reminders, site, status)
    keys = [reminder.idempotency_key for reminder in reminders]
    identity = hashlib.sha256(
        " ".join(f"{r.idempotency_key}@{r.due_date:%Y%m%d}" for r in reminders).encode()
    ).hexdigest()[:24]
    return EmailMessage(
        subject=subject,
        body=body,
        to=recipients,
        headers={
            "Message-ID": f"<reminders.{site.code}.{status}.{identity}@mc-1-50-portal>",
            "X-MC150-Reminders": " ".join(keys),
            "X-MC150-Delivery": status,
        },
    )


def _reminder_line(reminder: Reminder) -> str:
    what = str(reminder.get_kind_display())
    if reminder.sequence and reminder.kind != ReminderKind.PREGNANCY_TEST_PRE_LD:
        what = _("%(what)s (month %(month)s)") % {"what": what, "month": reminder.sequence}
    return _("%(label)s: %(what)s, due %(due)s") % {
        "label": _patient_label(reminder.patient), "what": what, "due": f"{reminder.due_date:%Y-%m-%d}",
    }


def _reminder_text(reminders: list[Reminder], site: Site, status: str) -> tuple[str, str]:
    overdue = status == ReminderStatus.OVERDUE
    if len(reminders) == 1:
        line = _reminder_line(reminders[0])
        subject = (_("[%(trial)s] OVERDUE: %(reminder)s") if overdue else _("[%(trial)s] %(reminder)s")) % {
            "reminder": line, "trial": site.trial.code,
        }
    else:
        values = {"count": len(reminders), "site": site.code, "trial": site.trial.code}
        subject = (_("[%(trial)s] OVERDUE: %(count)s reminders at site %(site)s") if overdue
                   else _("[%(trial)s] %(count)s reminders due at site %(site)s")) % values
    first = (_("Overdue at site %(site)s:") if overdue else _("Due at site %(site)s:")) % {"site": site.code}
    lines = "\n".join(f"- {_reminder_line(reminder)}" for reminder in reminders)
    closing = _("Record the results on the coordinator dashboard of the %(portal)s.") % {"portal": settings.PORTAL_NAME}
    return subject, f"{first}\n\n{lines}\n\n{closing}\n"


def _alert_email(alert: UrgentAlert, recipients: list[str]) -> EmailMessage:
    site = alert.patient.site
    values = {
        "label": _patient_label(alert.patient), "site": site.code, "due": f"{alert.reminder.due_date:%Y-%m-%d}",
        "trial": site.trial.code, "portal": settings.PORTAL_NAME,
    }
    with translation.override(site.default_language):
        values.update(kind=str(alert.get_kind_display()), reminder=str(alert.reminder.get_kind_display()))
        subject = _("[%(trial)s] URGENT %(label)s: %(kind)s") % values
        body = (
            _("URGENT: %(kind)s recorded for subject %(label)s at site %(site)s (%(reminder)s, due %(due)s).") % values
            + "\n\n" + _("Review it on the investigator dashboard of the %(portal)s.") % values + "\n"
        )
    return EmailMessage(
        subject=subject,
        body=body,
        to=recipients,
        headers={"Message-ID": f"<alert.{alert.pk}@mc-1-50-portal>", "X-MC150-Alert": str(alert.pk)},
    )
