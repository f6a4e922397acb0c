"""Organizer endpoints for an event's on-sale room: its settings and live counts, pause
and resume. Reading needs any token of the organizer; changes need an owner or manager
token. The settings go through the back office's form (``RoomForm``) and
``onsale.services.configure``, so both check the same rules; every change is in the
room's log (``RoomChange``) under the token's name."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router

from api.auth import OrganizerToken
from api.manage.common import event_of, invalid, invalid_fields, local_input, require_manager, token_of
from api.manage.schemas import Body, WindowDateTime
from api.schemas import ProblemOut
from backoffice.forms import RoomForm
from backoffice.schemas import RoomChangeRow, RoomCounts, RoomSettings
from backoffice.serializers import room_changes, room_counts, room_settings
from core.inertia import validation_errors
from core.schemas import OneOf, Shape
from events.models import Event
from onsale import services as onsale
from onsale.models import Room
from sales.audit import Actor

router = Router(tags=["Organizer"], auth=OrganizerToken())


class RoomIn(Body):
    enabled: bool
    queue_opens_at: WindowDateTime
    sale_starts_at: WindowDateTime
    admissions_per_minute: int = Field(120, ge=1, le=100_000)
    max_active_shoppers: int = Field(100, ge=1, le=100_000)
    session_minutes: int = Field(10, ge=1, le=60, description="The hold time of an admitted shopper.")
    mode: Annotated[str, OneOf(["random", "fifo"])] = "random"


class RoomOut(Shape):
    settings: RoomSettings
    counts: RoomCounts
    changes: list[RoomChangeRow] = Field(description="The room's log, newest first (50 at most).")


def _room(event: Event) -> Room | None:
    return Room.objects.filter(event=event).first()


def _room_out(event: Event) -> HttpResponse:
    room = _room(event)
    body = RoomOut(settings=room_settings(event, room), counts=room_counts(room), changes=room_changes(room))
    return HttpResponse(body.model_dump_json(), content_type="application/json")


def _label(request: HttpRequest) -> str:
    return Actor(token_name=token_of(request).name).label


@router.get(
    "/manage/events/{slug}/room",
    response={200: RoomOut, 401: ProblemOut, 404: ProblemOut},
    summary="The event's on-sale room: settings, live counts and log",
)
def get_room(request: HttpRequest, slug: str) -> HttpResponse:
    return _room_out(event_of(request, slug))


@router.put(
    "/manage/events/{slug}/room",
    response={200: RoomOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Set the event's on-sale room up",
    description=(
        "All settings at once. Times without an offset are the event's local time; the queue "
        "opens at `queue_opens_at` (no later than `sale_starts_at`). Who joins before "
        "`sale_starts_at` gets a random place in `random` mode; `fifo` keeps arrival order."
    ),
)
def put_room(request: HttpRequest, slug: str, body: RoomIn) -> HttpResponse:
    require_manager(request)
    event = event_of(request, slug)
    data: dict[str, Any] = body.dict()
    for name in ("queue_opens_at", "sale_starts_at"):
        data[name] = local_input(data[name], event.tz)
    form = RoomForm(data, event=event)
    if not form.is_valid():
        return invalid(form)
    try:
        onsale.configure(event, actor=None, actor_label=_label(request), **form.cleaned_data)
    except ValidationError as error:
        return invalid_fields(validation_errors(error))
    return _room_out(event)


def _act(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    require_manager(request)
    event = event_of(request, slug)
    room = _room(event)
    if room is None:
        return invalid_fields({"room": "Set the room up first (PUT …/room)."})
    if action == "pause":
        onsale.pause(room, actor=None, actor_label=_label(request))
    else:
        onsale.resume(room, actor=None, actor_label=_label(request))
    return _room_out(event)


@router.post(
    "/manage/events/{slug}/room/pause",
    response={200: RoomOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Pause admissions (the queue keeps its order)",
)
def pause_room(request: HttpRequest, slug: str) -> HttpResponse:
    return _act(request, slug, "pause")


@router.post(
    "/manage/events/{slug}/room/resume",
    response={200: RoomOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Resume admissions",
)
def resume_room(request: HttpRequest, slug: str) -> HttpResponse:
    return _act(request, slug, "resume")
