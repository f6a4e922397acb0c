"""Public, read-only endpoints: the storefront for programs."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from api.schemas import (
    DateFilters,
    DatePageOut,
    EventDetailOut,
    EventSummaryOut,
    ProblemOut,
    QuestionOut,
    TicketTypeOut,
)
from core.translated import full_map, reading, request_locale, resolve
from events.models import Event
from questions import services as questions
from storefront.schemas import DatePublic
from storefront.serializers import checkout_question, dates_public, event_detail, event_summary
from storefront.views.events import chosen_date

router = Router(tags=["Public"])

# How many upcoming dates an event's detail lists; GET /events/{slug}/dates pages through all.
DETAIL_DATES = 50
DATES_PER_PAGE = 50


def _url(request: HttpRequest, event: Event) -> str:
    return request.build_absolute_uri(f"/events/{event.slug}/")


def _absolute(request: HttpRequest, date: DatePublic) -> DatePublic:
    return date.model_copy(update={"url": request.build_absolute_uri(date.url)})


def _public_event(slug: str) -> Event:
    return get_object_or_404(Event.objects.public().select_related("organizer"), slug=slug)


@router.get("/events", response=list[EventSummaryOut], summary="Upcoming published events")
@paginate(PageNumberPagination, page_size=20)
def list_events(request: HttpRequest, locale: str | None = None) -> list[EventSummaryOut]:
    with reading(request_locale(request)):
        return [
            EventSummaryOut(**dict(event_summary(event)), url=_url(request, event))
            for event in Event.objects.listed()
        ]


@router.get(
    "/events/{slug}",
    response={200: EventDetailOut, 404: ProblemOut},
    summary="One event with its dates, ticket types and live availability",
    description=(
        f"`dates` lists the first {DETAIL_DATES} dates not yet over, soonest first, with what is left "
        "on each (`more_dates` says whether there are more: page through all of them with "
        "`GET /events/{slug}/dates`). Cancelled dates are listed with the state `cancelled`. "
        "`ticket_types` are those on the chosen date: `?date=<id>` (any of the event's dates), or "
        "a single-date event's one date; empty for a series without `date`. A `date` that is not "
        "one of this event's answers 404. Buy with the same `date` (`POST /events/{slug}/orders`)."
    ),
)
def get_event(
    request: HttpRequest, slug: str, date: int | None = None, locale: str | None = None
) -> EventDetailOut:
    """``locale``: the language to read the organizer's texts in (else ``Accept-Language``)."""
    with reading(request_locale(request)):
        return _event_out(request, _public_event(slug), date)


def _event_out(request: HttpRequest, event: Event, date: int | None) -> EventDetailOut:
    all_dates = list(event.dates.all())
    chosen = chosen_date(event, date, all_dates)
    if chosen is None and date is not None:
        raise Http404("This event has no such date.")
    upcoming = [d for d in all_dates if not d.has_ended]
    ticket_types = list(event.ticket_types.filter(hidden=False))
    detail = event_detail(event, upcoming[:DETAIL_DATES], chosen, ticket_types, date_count=len(all_dates))
    fields: dict[str, Any] = dict(detail)
    fields["dates"] = [_absolute(request, d) for d in detail.dates]
    fields["date"] = _absolute(request, detail.date) if detail.date else None
    types = {t.pk: t for t in ticket_types}
    fields["ticket_types"] = [
        TicketTypeOut(**dict(t), translations=full_map(types[t.id], event.locale))
        for t in detail.ticket_types
    ]
    return EventDetailOut(
        **fields,
        more_dates=len(upcoming) > DETAIL_DATES,
        description=resolve(event, "description"),
        url=_url(request, event),
        questions=[
            QuestionOut(
                **dict(checkout_question(question)),
                scope=question.scope,
                ticket_type_ids=sorted(questions.type_ids(question)),
                translations=full_map(question, event.locale),
            )
            for question in questions.event_questions(event)
        ],
        locale=event.locale,
        locales=event.locales,
        translations=full_map(event, event.locale),
    )


@router.get(
    "/events/{slug}/dates",
    response={200: DatePageOut, 404: ProblemOut},
    summary=f"An event's dates with live availability, {DATES_PER_PAGE} per page",
    description=(
        "The dates not yet over, soonest first, cancelled ones included (state `cancelled`). "
        "`from` and `to` (YYYY-MM-DD, both included) keep the dates taking place on those days "
        "in the event's time zone. Each date's `id` is what `?date=` and a purchase's `date` take; "
        "its `url` is the event page with the date chosen. A page past the last answers the last."
    ),
)
def list_dates(request: HttpRequest, slug: str, filters: Query[DateFilters]) -> dict[str, Any]:
    event = _public_event(slug)
    found = event.dates.upcoming().on_days(filters.date_from, filters.date_to, event.tz)
    count = found.count()
    pages = max(1, -(-count // DATES_PER_PAGE))
    page = min(filters.page, pages)
    start = (page - 1) * DATES_PER_PAGE
    dates = list(found[start : start + DATES_PER_PAGE]) if count else []
    return {
        "items": [_absolute(request, d) for d in dates_public(event, dates)],
        "count": count,
        "page": page,
        "pages": pages,
    }
