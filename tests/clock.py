"""Moving the portal's clock in a test, for histories that must have happened in order: a candidate signed
eligible months ago, then enrolled and infused. Everything that reads ``django.utils.timezone.now`` (site
dates, auto_now fields, the services' "today") sees the moved clock; the database's NOW() does not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


@contextmanager
def days_ago(days: int) -> Iterator[None]:
    real = timezone.now
    with mock.patch("django.utils.timezone.now", lambda: real() - dt.timedelta(days=days)):
        yield
