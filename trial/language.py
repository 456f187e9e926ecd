"""The interface language: the user's own choice, else the default language of their first site.

Coordinators and investigators at the Hefei and Hangzhou sites work in Simplified Chinese by default;
the sponsor's monitors may pick English. Anonymous visitors get the browser's language (LocaleMiddleware).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from trial.audit import with_reason
from trial.models import StaffPreference
from trial.selectors import sites_of

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
SESSION_LOCALE_KEY = "portal_locale"  # [language, time zone] of the signed-in user


def language_and_zone_for(user) -> tuple[str | None, str | None]:
    """The user's language (their stored choice, else their first site's default; None lets the browser
    decide) and the time zone of their first site (None: the settings' TIME_ZONE). One query for staff."""
    preference = StaffPreference.objects.filter(user=user).values("language")[:1]
    site = (
        sites_of(user).order_by("number").annotate(preference=Subquery(preference))
        .values_list("preference", "hospital__default_language", "hospital__time_zone").first()
    )
    if site is None:  # no role at any site (the sponsor's administrator): only a stored choice
        return StaffPreference.objects.filter(user=user).values_list("language", flat=True).first(), None
    chosen, default_language, zone = site
    return chosen or default_language, zone


def preference_set(*, acting_user, language: str) -> StaffPreference:
    """Store the user's interface language (audited like any change)."""
    if language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {language!r}")
    with transaction.atomic(), with_reason("interface language changed"):
        preference, _ = StaffPreference.objects.update_or_create(user=acting_user, defaults={"language": language})
    return preference


class UserLanguageMiddleware:
    """After authentication: activate the signed-in user's language for this request, and their site's time
    zone, so a time on a page reads as the clock on the site's wall (a time labelled UTC goes through the
    ``utc`` filter)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            # Resolved once per session, then read from the session the request has loaded anyway.
            cached = request.session.get(SESSION_LOCALE_KEY)
            if cached is None:
                cached = request.session[SESSION_LOCALE_KEY] = list(language_and_zone_for(request.user))
            language, zone = cached
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
            if zone:
                timezone.activate(ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # the zone is this request's, never the next one's on this thread


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The language switcher: remembered on the account when signed in, in a cookie otherwise."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if language not in LANGUAGE_CODES:
        return response
    if request.user.is_authenticated:
        preference_set(acting_user=request.user, language=language)
        request.session.pop(SESSION_LOCALE_KEY, None)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE, httponly=True,
    )
    return response
