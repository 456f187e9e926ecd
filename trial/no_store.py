"""``Cache-Control: no-store`` on every response to a signed-in user: pages, PDFs and exports carry patient
data, and neither the browser nor a proxy may keep a copy (a shared ward computer's back button, a disk
cache). Static files and anonymous pages (the login form) keep their own caching."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
