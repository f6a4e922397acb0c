"""Recent re-authentication before sensitive actions: creating API tokens, changing
members' roles and the organizer's settings.

A view calls ``require_recent_authentication`` after its permission checks. When the
user last proved who they are longer ago than ``REAUTHENTICATION_TIMEOUT``, the answer
sends them to the confirmation page, which returns to ``return_to`` (the page the
action is on): an Inertia visit gets Inertia's 409 with ``X-Inertia-Location``, which
makes the browser open that page; anything else a redirect.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from inertia import location

from accounts import sessions


def require_recent_authentication(request: HttpRequest, return_to: str) -> HttpResponse | None:
    """None when the user authenticated recently; otherwise the answer that sends them
    to confirm their password (and code) and come back to ``return_to``."""
    if sessions.recently_authenticated(request.session):
        return None
    target = f"{reverse('accounts:reauthenticate')}?{urlencode({'next': return_to})}"
    if "X-Inertia" in request.headers:
        return location(target)
    return redirect(target)
