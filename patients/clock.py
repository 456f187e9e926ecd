"""Dates as the site lives them: staff type dates in their site's calendar, so "today" and "in the future"
are judged in the site's time zone, not the server's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from trial.models import Site


def site_zone(site: Site) -> ZoneInfo:
    return ZoneInfo(site.time_zone)


def site_today(site: Site, now: dt.datetime | None = None) -> dt.date:
    """The calendar date at the site (now, or at ``now``): dates of the trial are site-local days."""
    return timezone.localdate(now, timezone=site_zone(site))


def site_datetime(site: Site, day: dt.date, time: dt.time) -> dt.datetime:
    """An aware datetime for a date and time read off the site's clock."""
    return dt.datetime.combine(day, time, tzinfo=site_zone(site))


def site_date_of(site: Site, moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment, timezone=site_zone(site))
