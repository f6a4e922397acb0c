"""What every organizer endpoint needs: the token, its role, the token's organizer's event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import ApiToken, Membership
from api.auth import request_token
from api.problems import problem
from core.inertia import form_errors
from events.models import Event

PAGE_SIZE = 50


def token_of(request: HttpRequest) -> ApiToken:
    return request_token(request)


def require_manager(request: HttpRequest) -> None:
    if token_of(request).role not in Membership.EVENT_MANAGERS:
        raise PermissionDenied("This needs an owner or manager token.")


def event_of(request: HttpRequest, slug: str) -> Event:
    """The token's organizer's event; any other answers 404."""
    event = (
        Event.objects.select_related("organizer")
        .filter(organizer=token_of(request).organizer, slug=slug)
        .first()
    )
    if event is None:
        raise Http404("No event with this slug for your organizer.")
    return event


def local_input(value: dt.datetime | None, tz: Any) -> str:
    """An API date-time (with or without offset) as the event-local value the forms take.
    One with an offset lies in core.datetimes' window (``WindowDateTime``), so every zone
    can show it."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.strftime("%Y-%m-%dT%H:%M")


def invalid_fields(messages: dict[str, str], where: str = "body") -> HttpResponse:
    """422 with one error per field (``where``: the body or the query string), as
    django-ninja's own validation answers."""
    errors = [
        {"loc": [where, field], "msg": message, "type": "value_error"} for field, message in messages.items()
    ]
    return problem(422, "The request is not valid; see errors.", errors=errors)


def invalid(form: Any) -> HttpResponse:
    return invalid_fields(form_errors(form))
