"""What a login's session records about it: when it began, when it was last used, when
the user last proved who they are, whether it passed the second factor, and a login
half done (password right, second factor awaited).

Times are Unix seconds. ``SESSION_IDLE_TIMEOUT``, ``SESSION_ABSOLUTE_TIMEOUT`` and
``REAUTHENTICATION_TIMEOUT`` (settings) bound them; backoffice/middleware.py ends a
login that outlived them.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.http import HttpRequest

LOGGED_IN_AT = "login_at"
SEEN_AT = "login_seen_at"
AUTHENTICATED_AT = "login_authenticated_at"
SECOND_FACTOR = "login_second_factor"
PENDING = "login_pending"
# How long the second step of a login may wait for its code.
PENDING_SECONDS = 300
# The last-seen time is written at most this often, not on every request.
SEEN_RESOLUTION = 60


def now() -> int:
    return int(time.time())


@receiver(user_logged_in)
def _record_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Every login (the login page's, sign-up's, the admin's, tests' ``force_login``)
    starts the clocks; logging in proves who the user is."""
    if request is None:
        return
    moment = now()
    request.session[LOGGED_IN_AT] = moment
    request.session[SEEN_AT] = moment
    request.session[AUTHENTICATED_AT] = moment
    request.session.pop(PENDING, None)


def expiry(session: SessionBase) -> str | None:
    """Why the session's login is over ("idle", "absolute"), or None while it is valid."""
    logged_in_at, seen_at = session.get(LOGGED_IN_AT), session.get(SEEN_AT)
    if not isinstance(logged_in_at, int) or not isinstance(seen_at, int):
        return "absolute"  # a login from before the clocks existed
    moment = now()
    if moment - logged_in_at >= settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if moment - seen_at >= settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return None


def touch(session: SessionBase) -> None:
    moment = now()
    if moment - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION:
        session[SEEN_AT] = moment


def mark_second_factor(session: SessionBase) -> None:
    session[SECOND_FACTOR] = True


def passed_second_factor(session: SessionBase) -> bool:
    return session.get(SECOND_FACTOR) is True


def mark_authenticated(session: SessionBase) -> None:
    session[AUTHENTICATED_AT] = now()


def recently_authenticated(session: SessionBase) -> bool:
    at = session.get(AUTHENTICATED_AT)
    return isinstance(at, int) and now() - at < settings.REAUTHENTICATION_TIMEOUT


def begin_pending(session: SessionBase, *, user_id: int, backend: str, next_url: str) -> None:
    """Password right, second factor awaited: not a login."""
    session[PENDING] = {"user": user_id, "backend": backend, "next": next_url, "at": now()}


def pending(session: SessionBase) -> dict[str, Any] | None:
    """The half-done login, or None when there is none or it waited too long."""
    state = session.get(PENDING)
    if not isinstance(state, dict) or not isinstance(state.get("at"), int):
        return None
    if now() - state["at"] >= PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    return state


def end_pending(session: SessionBase) -> None:
    session.pop(PENDING, None)
