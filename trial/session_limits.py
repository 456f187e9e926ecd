"""Session lifetimes: an idle session ends after SESSION_COOKIE_AGE (30 minutes), and however active, a
session ends 12 hours after login (the hard limit ASVS 3.3 asks for).

Activity renews the idle timer, at most once a minute: saving the session on every request
(SESSION_SAVE_EVERY_REQUEST) cost a write and a commit per page view; a minute's granularity on a 30-minute
limit costs nothing a user notices.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

SESSION_STARTED_KEY = "portal_session_started_at"
SESSION_RENEWED_KEY = "portal_session_renewed_at"
RENEW_AFTER_SECONDS = 60


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session reached its 12-hour limit. Please log in again."))
                return redirect_to_login(request.get_full_path())
            if now - request.session.get(SESSION_RENEWED_KEY, 0) > RENEW_AFTER_SECONDS:
                # A changed session is saved with a new expiry, in the database and on the cookie.
                request.session[SESSION_RENEWED_KEY] = now
        return self.get_response(request)
