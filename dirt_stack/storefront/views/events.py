"""Public storefront: the event list, event pages and organizer pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from inertia import render

from accounts.models import Organizer
from core.inertia import paginate
from core.markdown import plain_text_excerpt
from events.models import Event
from sales import quotas
from sales.exceptions import OrderConflict, OrderInvalid
from sales.vouchers import find_voucher
from storefront.serializers import event_detail, event_json_ld, event_summary, payment_methods

EVENTS_PER_PAGE = 12


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _page_props(request: HttpRequest, events: QuerySet[Event]) -> dict[str, Any]:
    page, pagination = paginate(request, events, EVENTS_PER_PAGE)
    return {"events": [event_summary(event) for event in page.object_list], "pagination": pagination}


def home(request: HttpRequest) -> HttpResponse:
    """Upcoming published events, with text search and a date range."""
    query = request.GET.get("q", "").strip()[:100]
    date_from = _parse_date(request.GET.get("from"))
    date_to = _parse_date(request.GET.get("to"))
    events = Event.objects.listed()
    if query:
        events = events.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(venue_name__icontains=query)
            | Q(venue_address__icontains=query)
            | Q(organizer__name__icontains=query)
        )
    if date_from:
        events = events.filter(ends_at__date__gte=date_from)
    if date_to:
        events = events.filter(starts_at__date__lte=date_to)
    props = _page_props(request, events)
    props["filters"] = {
        "q": query,
        "from": date_from.isoformat() if date_from else "",
        "to": date_to.isoformat() if date_to else "",
    }
    return render(request, "Home", props, template_data={"page_title": "Upcoming events"})


def event_page_props(request: HttpRequest, event: Event, voucher_code: str = "") -> dict[str, Any]:
    """The event page's props; a valid voucher code also shows the hidden ticket types it unlocks."""
    voucher_props: dict[str, Any] | None = None
    unlocked: set[int] = set()
    if voucher_code:
        try:
            voucher = find_voucher(event, voucher_code)
        except (OrderInvalid, OrderConflict) as exc:
            voucher_props = {"code": voucher_code, "valid": False, "message": str(exc)}
        else:
            unlocked = {t.pk for t in voucher.ticket_types.all()} if voucher else set()
            voucher_props = {"code": voucher_code, "valid": True, "message": "Voucher applied at checkout."}
    ticket_types = [t for t in event.ticket_types.all() if not t.hidden or t.pk in unlocked]
    detail = event_detail(event, ticket_types, quotas.availability(event, ticket_types))
    return {
        "event": {**detail, "payment_methods": payment_methods(event.payment_methods)},
        "voucher": voucher_props,
    }


def _event_template_data(request: HttpRequest, event: Event, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "page_title": event.title,
        "meta_description": plain_text_excerpt(event.description) or f"{event.title} — tickets on Maticko.",
        "json_ld": event_json_ld(event, props["event"], request.build_absolute_uri(f"/events/{event.slug}/")),
    }


def render_event_page(
    request: HttpRequest,
    event: Event,
    *,
    voucher_code: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    props = event_page_props(request, event, voucher_code)
    if errors:
        props["errors"] = errors
    response = render(
        request, "Events/Show", props, template_data=_event_template_data(request, event, props)
    )
    response.status_code = status
    return response


def event_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event.objects.public().select_related("organizer"), slug=slug)
    return render_event_page(request, event, voucher_code=request.GET.get("voucher", "").strip()[:50])


def organizer_page(request: HttpRequest, slug: str) -> HttpResponse:
    organizer = get_object_or_404(Organizer, slug=slug)
    props = _page_props(request, Event.objects.listed().filter(organizer=organizer))
    props["organizer"] = {
        "name": organizer.name,
        "slug": organizer.slug,
        "contact_email": organizer.contact_email,
    }
    return render(
        request,
        "Organizers/Show",
        props,
        template_data={
            "page_title": organizer.name,
            "meta_description": f"Upcoming events by {organizer.name}.",
        },
    )
