"""Back office: an event's on-sale room (managers only, as editing the event).

The console (``Manage/Room``) sets the room up (``backoffice.forms.RoomForm``, then
``onsale.services.configure``, which checks the rules between the settings), pauses
and resumes it, changes its rate, and shows its live counts (a JSON answer the page
polls every 2 s) and its log (``RoomChange``). Every action is recorded in that log
by the service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from backoffice.access import MANAGERS, managed_event
from backoffice.forms import RoomForm, RoomRateForm
from backoffice.schemas import EventInZone, RoomPageProps
from backoffice.serializers import room_changes, room_counts, room_settings
from core.inertia import (
    form_errors,
    form_page,
    render_page,
    render_with_errors,
    submitted_data,
    validation_errors,
)
from events.models import Event
from onsale import services as onsale
from onsale.models import Room
from sales.audit import Actor
from storefront.schemas import OrganizerRef


def _room(event: Event) -> Room | None:
    return Room.objects.filter(event=event).first()


def _props(event: Event, room: Room | None) -> RoomPageProps:
    organizer = event.organizer
    return RoomPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        settings=room_settings(event, room),
        exists=room is not None,
        counts=room_counts(room),
        changes=room_changes(room),
        counts_url=reverse(
            "backoffice:room_counts", kwargs={"organizer_slug": organizer.slug, "event_slug": event.slug}
        ),
    )


def _back(event: Event) -> HttpResponse:
    return redirect("backoffice:room", organizer_slug=event.organizer.slug, event_slug=event.slug)


@login_required
@require_http_methods(["GET", "POST"])
def room_page(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The console; POST saves the settings."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    room = _room(event)
    title = {"page_title": gettext("On-sale room: %(event)s") % {"event": event.title}}
    if request.method == "GET":
        return render_page(request, _props(event, room), template_data=title)
    form = RoomForm(submitted_data(request), event=event)
    if not form.is_valid():
        return render_with_errors(request, _props(event, room), form_errors(form))
    actor = Actor(user=request.user)
    try:
        onsale.configure(event, actor=request.user, actor_label=actor.label, **form.cleaned_data)
    except ValidationError as error:
        return render_with_errors(request, _props(event, room), validation_errors(error))
    messages.success(request, gettext("The on-sale room's settings are saved."))
    return _back(event)


@login_required
@require_GET
def room_counts_json(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The live counts, polled by the console."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    response = JsonResponse(room_counts(_room(event)).model_dump(mode="json"))
    response["Cache-Control"] = "no-store"
    return response


def _configured(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str
) -> tuple[Event, Room | None]:
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    room = _room(event)
    if room is None:
        messages.error(request, gettext("Set the room up first."))
    return event, room


def _room_url(request: HttpRequest, organizer_slug: str, event_slug: str) -> str:
    """The on-sale room's console, where its buttons are."""
    return reverse("backoffice:room", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug})


@login_required
@form_page(_room_url)
def room_pause(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    event, room = _configured(request, organizer_slug, event_slug)
    if room is not None:
        onsale.pause(room, actor=request.user, actor_label=Actor(user=request.user).label)
        messages.success(request, gettext("Admissions are paused; the queue keeps its order."))
    return _back(event)


@login_required
@form_page(_room_url)
def room_resume(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    event, room = _configured(request, organizer_slug, event_slug)
    if room is not None:
        onsale.resume(room, actor=request.user, actor_label=Actor(user=request.user).label)
        messages.success(request, gettext("Admissions resumed."))
    return _back(event)


@login_required
@form_page(_room_url)
def room_rate(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """A new admission rate, while the room runs."""
    event, room = _configured(request, organizer_slug, event_slug)
    if room is None:
        return _back(event)
    form = RoomRateForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, _props(event, room), form_errors(form))
    try:
        onsale.set_rate(
            room,
            form.cleaned_data["admissions_per_minute"],
            actor=request.user,
            actor_label=Actor(user=request.user).label,
        )
    except ValidationError as error:
        return render_with_errors(request, _props(event, room), validation_errors(error))
    messages.success(request, gettext("The admission rate is changed."))
    return _back(event)
