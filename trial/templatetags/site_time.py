"""``{{ moment|at_site:site }}``: a time as the site lives it, with its zone named (2026-12-07 19:01 CST), the
way the audit log shows times; a page for two sites in different zones shows each in its own."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def at_site(moment: dt.datetime | None, site) -> str:
    if not moment:
        return ""
    zone = ZoneInfo(site.time_zone) if site is not None else dt.timezone.utc
    return date_format(timezone.localtime(moment, zone), "Y-m-d H:i T")
