"""Typed htmx requests: a view that answers htmx takes an ``HtmxHttpRequest`` (django-htmx's middleware sets
``request.htmx`` on every request), so what it reads of the request is declared rather than guessed.
Client events go through django-htmx's ``trigger_client_event``: several events on one response merge
instead of the last overwriting the others."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
