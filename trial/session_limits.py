"""The absolute session lifetime: however active, a session ends 12 hours after login.

The idle timeout needs no code (SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST); this middleware
adds the hard limit that ASVS 3.3 asks for.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

SESSION_STARTED_KEY = "portal_session_started_at"


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            if time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session reached its 12-hour limit. Please log in again."))
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
