"""Public storefront pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from inertia import render

from events.models import Event
from events.serializers import event_detail, event_summary

HOME_EVENT_LIMIT = 24


def home(request: HttpRequest) -> HttpResponse:
    events = Event.objects.published().upcoming().select_related("organizer")[:HOME_EVENT_LIMIT]
    return render(request, "Home", {"events": [event_summary(event) for event in events]})


def event_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event.objects.published().select_related("organizer"), slug=slug)
    return render(
        request,
        "Events/Show",
        {"event": event_detail(event)},
        template_data={"page_title": event.title},
    )
