"""The 500 handler: a database that cannot be reached answers 503 with the layout and a plain message.

Reused connections are health-checked (``CONN_HEALTH_CHECKS``), so a restarted PostgreSQL costs no request;
this covers the outage itself, wherever the error surfaced (a view, the session or the user lookup in a
middleware). Both pages render without the request's context processors, which read the database.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)
