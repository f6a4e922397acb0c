"""Public, read-only endpoints: the storefront for programs."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from api.schemas import EventDetailOut, EventSummaryOut, ProblemOut
from events.models import Event
from storefront.serializers import event_detail, event_summary
from storefront.views.events import chosen_date

router = Router(tags=["Public"])


def _url(request: HttpRequest, event: Event) -> str:
    return request.build_absolute_uri(f"/events/{event.slug}/")


@router.get("/events", response=list[EventSummaryOut], summary="Upcoming published events")
@paginate(PageNumberPagination, page_size=20)
def list_events(request: HttpRequest) -> list[EventSummaryOut]:
    return [
        EventSummaryOut(**dict(event_summary(event)), url=_url(request, event))
        for event in Event.objects.listed()
    ]


@router.get(
    "/events/{slug}",
    response={200: EventDetailOut, 404: ProblemOut},
    summary="One event with its dates, ticket types and live availability",
    description=(
        "`dates` lists the dates not yet over with what is left on each. `ticket_types` are those "
        "on the chosen date: `?date=<id>`, or a single-date event's one date (empty for a series "
        "without `date`). Buy with the same `date` (`POST /events/{slug}/orders`)."
    ),
)
def get_event(request: HttpRequest, slug: str, date: int | None = None) -> EventDetailOut:
    event = get_object_or_404(Event.objects.public().select_related("organizer"), slug=slug)
    chosen = chosen_date(event, date)
    if chosen is None and date is not None:
        raise Http404("This event has no such date.")
    ticket_types = list(event.ticket_types.filter(hidden=False))
    detail = event_detail(event, list(event.dates.upcoming()), chosen, ticket_types)
    return EventDetailOut(**dict(detail), description=event.description, url=_url(request, event))
