"""Someone logged in with a temporary password (made by an administrator) chooses
their own before anything else: every page leads to 我的账号 until then."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Paths a person with a temporary password may still reach: their account page (to
# change it), logging out, switching the language, and the assets pages need. The
# REST API answers its own clients (tokens), never a redirect.
_OPEN_PREFIXES = ("/logout/", "/i18n/", "/api/", "/jobs/", "/favicon")


class TemporaryPasswordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.open_prefixes = (*_OPEN_PREFIXES, settings.STATIC_URL)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.password_is_temporary
                and not self._is_open(request.path_info)):
            return redirect("accounts:me")
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        return path == reverse("accounts:me") or path.startswith(self.open_prefixes)
