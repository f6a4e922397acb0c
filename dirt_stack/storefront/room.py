"""The on-sale room over HTTP: the browser's id, the admission token, the status answer.

The web pages (``storefront.views.queue``, the hold in ``storefront.views.checkout``)
and the REST API (``api.queue``, ``api.purchases``) read and write the same cookies
through this module:

- ``maticko_browser``: a random 32-byte id of the browser (URL-safe base64), HttpOnly,
  SameSite=Lax, Secure per ``SECURE_COOKIES``, kept a year; set on join when absent.
  The room stores only a keyed hash of it (``onsale``), and an admission is bound to it,
  so a token copied to another browser is refused.
- ``maticko_admission_<event id>``: the admission token (a JWT, ``onsale.tokens``), set by
  the status answer when it is the visitor's turn, until the token expires.

The gate reads the token from the ``Admission-Token`` header first, then the cookie.
A browser cookie that is not well formed (too long, control characters) counts as
absent, and such a token as invalid (onsale.tokens): never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from onsale import gate
from onsale import services as onsale
from storefront.schemas import QueueStatusOut, RoomRef

BROWSER_COOKIE = "maticko_browser"
ADMISSION_HEADER = "Admission-Token"
BROWSER_COOKIE_MAX_AGE = 365 * 24 * 3600
# secrets.token_urlsafe(32): 43 characters of URL-safe base64.
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{43}")


def admission_cookie(event_id: int) -> str:
    return f"maticko_admission_{event_id}"


def browser_id(request: HttpRequest) -> str | None:
    """The browser's id from its cookie, or None when it has none or a malformed one."""
    value = request.COOKIES.get(BROWSER_COOKIE, "")
    return value if _BROWSER_ID.fullmatch(value) else None


def new_browser_id() -> str:
    return secrets.token_urlsafe(32)


def set_browser_cookie(response: HttpResponse, value: str) -> None:
    response.set_cookie(
        BROWSER_COOKIE,
        value,
        max_age=BROWSER_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def set_admission_cookie(response: HttpResponse, event_id: int, token: str, expires_at: dt.datetime) -> None:
    seconds = max(int((expires_at - timezone.now()).total_seconds()), 0)
    response.set_cookie(
        admission_cookie(event_id),
        token,
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def admission_token(request: HttpRequest, event_id: int) -> str | None:
    """The admission token the request carries (header first, then the cookie), as sent:
    onsale.tokens refuses anything that is not one of its tokens (too long, not ASCII,
    not a JWT) as invalid."""
    return request.headers.get(ADMISSION_HEADER) or request.COOKIES.get(admission_cookie(event_id)) or None


def admission(request: HttpRequest, event: Event) -> gate.Admission | None:
    """The request's admission to ``event``'s active room; None when the event has no
    active room. Raises ``gate.AdmissionRequired`` when the room wants one and the
    request has none that is valid for this browser."""
    return gate.admission(event, token=admission_token(request, event.pk), browser_id=browser_id(request))


def queue_url(event: Event) -> str:
    return reverse("events:queue", kwargs={"slug": event.slug})


def status_out(status: onsale.QueueStatus) -> QueueStatusOut:
    """The status as the queue page's props (the status answer itself is ``status_body``)."""
    return QueueStatusOut.model_validate(status_document(status))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def status_document(status: onsale.QueueStatus, *, with_token: bool = False) -> dict[str, Any]:
    """The status JSON's fields (storefront.schemas.QueueStatusOut, and the API's
    ``admission_token`` when ``with_token``), built by hand: the waiting crowd repeats it."""
    document: dict[str, Any] = {
        "state": status.state,
        "position": status.position,
        "ahead": status.ahead,
        "eta_seconds": list(status.eta_seconds) if status.eta_seconds is not None else None,
        "queue_opens_at": _iso(status.queue_opens_at),
        "sale_starts_at": _iso(status.sale_starts_at),
        "mode": status.mode,
        "prequeued": status.prequeued,
        "expires_at": _iso(status.expires_at),
        "poll_after_seconds": status.poll_after_seconds,
    }
    if with_token:
        document["admission_token"] = status.token if status.state == "your_turn" else None
    return document


def status_response(status: onsale.QueueStatus, event_id: int, *, api: bool, code: int = 200) -> HttpResponse:
    """The status answer: small JSON with ``Retry-After`` and ``no-store``, the admission
    cookie on the visitor's turn; for the API with the ``admission_token``."""
    body = json.dumps(status_document(status, with_token=api), separators=(",", ":"))
    response = HttpResponse(body, status=code, content_type="application/json")
    return status_headers(response, status, event_id)


def status_headers(response: HttpResponse, status: onsale.QueueStatus, event_id: int) -> HttpResponse:
    """``Retry-After`` and ``no-store`` on a status answer, and the admission cookie when
    it is the visitor's turn."""
    response["Retry-After"] = str(status.poll_after_seconds)
    response["Cache-Control"] = "no-store, private"
    if status.state == "your_turn" and status.token and status.expires_at is not None:
        set_admission_cookie(response, event_id, status.token, status.expires_at)
    return response


def status_answer(request: HttpRequest, slug: str, *, api: bool) -> HttpResponse | None:
    """The browser's status answer in the public event ``slug``'s room (one indexed
    query while waiting; no session, CSRF or Inertia work); None when there is no such
    event (the caller answers 404)."""
    browser = browser_id(request)
    found = onsale.lookup(browser_id=browser, slug=slug)
    if found is None:
        return None
    return status_response(onsale.current_status(found, browser), found.event_id, api=api)


def room_ref(request: HttpRequest, event: Event) -> tuple[RoomRef | None, onsale.QueueStatus | None]:
    """The event page's ``room`` prop (None without an enabled room) and the visitor's
    status in it (None when the room is not active). Events without an enabled room
    cost no query (the gate's per-process map, read at most once a second), others one."""
    if event.pk not in gate.enabled_rooms():  # no query for events without a room
        return None, None
    browser = browser_id(request)
    # The room and this browser's entry in one query.
    found = onsale.lookup(browser_id=browser, event_id=event.pk)
    room = found.room if found is not None else None
    if found is None or room is None or not room.enabled:
        return None, None
    if not room.active:
        return RoomRef(active=False, state="before_open", queue_url=queue_url(event)), None
    status = onsale.current_status(found, browser)
    return RoomRef(active=True, state=status.state, queue_url=queue_url(event)), status
