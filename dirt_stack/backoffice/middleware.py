"""Logins in the back office: their timeouts and second factor, and organizers that
require two-factor authentication of their members (ADR 0018)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from accounts import sessions, two_factor

_EXPIRED = {
    "idle": gettext_lazy("You were logged out after a while without activity. Log in again."),
    "absolute": gettext_lazy("Your login has expired. Log in again."),
    "second_factor": gettext_lazy("Log in again with your two-factor code."),
}


class SessionTimeoutMiddleware:
    """End a login that was idle too long, is too old, or belongs to a user with
    two-factor authentication but never passed it (a login made elsewhere, e.g. the
    admin's form). Anonymous sessions, a buyer's, are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            reason = sessions.expiry(request.session)
            if (
                reason is None
                and not sessions.passed_second_factor(request.session)
                and two_factor.is_enabled(user)
            ):
                reason = "second_factor"
            if reason is None:
                sessions.touch(request.session)
            else:
                logout(request)
                messages.info(request, str(_EXPIRED[reason]))
        return self.get_response(request)


class TwoFactorEnforcementMiddleware:
    """Send a member without two-factor authentication to set it up when they open the
    back office of an organizer that requires it; their other organizers stay open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        match = request.resolver_match
        slug = kwargs.get("organizer_slug")
        if match is None or match.namespace != "backoffice" or not isinstance(slug, str):
            return None
        if not request.user.is_authenticated:
            return None
        organizer = two_factor.must_enrol(request.user, slug)
        if organizer is None:
            return None
        message = gettext("%(organizer)s requires two-factor authentication. Set it up to continue.") % {
            "organizer": organizer.name
        }
        if request.method != "GET" and "X-Inertia" not in request.headers:
            return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
        messages.warning(request, message)
        target = request.path if request.method == "GET" else reverse("backoffice:home")
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': target})}")
