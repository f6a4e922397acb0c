"""Plain-dict shapes of events and ticket types for Inertia pages and the REST API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from core.markdown import plain_text_excerpt, render_markdown
from core.money import money_str
from events.forms import local_input_value
from events.models import Event, TicketType


class SaleState:
    ON_SALE = "on_sale"
    FEW_LEFT = "few_left"
    SOLD_OUT = "sold_out"
    NOT_YET_ON_SALE = "not_yet_on_sale"
    SALES_ENDED = "sales_ended"


def few_left_threshold(capacity: int) -> int:
    """At or below this many tickets left, a ticket type shows "few left"."""
    return max(3, capacity // 10)


def sale_state(event: Event, ticket_type: TicketType, available: int, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if event.status != Event.Status.PUBLISHED or event.ends_at < now:
        return SaleState.SALES_ENDED
    if ticket_type.sales_end and ticket_type.sales_end <= now:
        return SaleState.SALES_ENDED
    if ticket_type.sales_start and ticket_type.sales_start > now:
        return SaleState.NOT_YET_ON_SALE
    if available <= 0:
        return SaleState.SOLD_OUT
    if available <= few_left_threshold(ticket_type.capacity):
        return SaleState.FEW_LEFT
    return SaleState.ON_SALE


def _iso(value: dt.datetime | None, event: Event) -> str | None:
    return value.astimezone(event.tz).isoformat() if value else None


def event_summary(event: Event) -> dict[str, Any]:
    """What a list of events shows. Times carry the event's own UTC offset."""
    min_price = getattr(event, "min_price", None)
    return {
        "slug": event.slug,
        "title": event.title,
        "organizer": {"name": event.organizer.name, "slug": event.organizer.slug},
        "starts_at": _iso(event.starts_at, event),
        "ends_at": _iso(event.ends_at, event),
        "timezone": event.timezone,
        "venue": event.venue_label,
        "is_online": event.is_online,
        "status": event.status,
        "currency": event.currency,
        "min_price": money_str(min_price) if min_price is not None else None,
        "cover_image_url": event.cover_image.url if event.cover_image else None,
    }


def ticket_type_public(event: Event, ticket_type: TicketType, available: int) -> dict[str, Any]:
    state = sale_state(event, ticket_type, available)
    return {
        "id": ticket_type.pk,
        "name": ticket_type.name,
        "description": ticket_type.description,
        "price": money_str(ticket_type.price),
        "currency": event.currency,
        "state": state,
        # Exact counts only when they help the buyer decide; never below zero.
        "available": available if state in (SaleState.ON_SALE, SaleState.FEW_LEFT) else 0,
        "sales_start": _iso(ticket_type.sales_start, event),
        "sales_end": _iso(ticket_type.sales_end, event),
        "min_per_order": ticket_type.min_per_order,
        "max_per_order": ticket_type.max_per_order,
    }


def event_detail(
    event: Event, ticket_types: list[TicketType], availability: dict[int, int]
) -> dict[str, Any]:
    return {
        **event_summary(event),
        "description_html": render_markdown(event.description),
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "ticket_types": [ticket_type_public(event, t, availability[t.pk]) for t in ticket_types],
    }


def event_json_ld(event: Event, detail: dict[str, Any], url: str) -> str:
    """schema.org Event markup for search engines, safe to embed in a <script> element."""
    availability = {
        SaleState.ON_SALE: "https://schema.org/InStock",
        SaleState.FEW_LEFT: "https://schema.org/LimitedAvailability",
        SaleState.SOLD_OUT: "https://schema.org/SoldOut",
        SaleState.NOT_YET_ON_SALE: "https://schema.org/PreOrder",
        SaleState.SALES_ENDED: "https://schema.org/Discontinued",
    }
    if event.is_online:
        location: dict[str, Any] = {"@type": "VirtualLocation", "url": url}
    else:
        location = {
            "@type": "Place",
            "name": event.venue_name,
            "address": event.venue_address or event.venue_name,
        }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "startDate": detail["starts_at"],
        "endDate": detail["ends_at"],
        "eventStatus": "https://schema.org/EventCancelled"
        if event.status == Event.Status.CANCELLED
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode"
        if event.is_online
        else "https://schema.org/OfflineEventAttendanceMode",
        "location": location,
        "description": plain_text_excerpt(event.description, 500),
        "organizer": {"@type": "Organization", "name": event.organizer.name},
        "url": url,
        "offers": [
            {
                "@type": "Offer",
                "name": t["name"],
                "price": t["price"],
                "priceCurrency": t["currency"],
                "availability": availability[t["state"]],
                "url": url,
                **({"validFrom": t["sales_start"]} if t["sales_start"] else {}),
            }
            for t in detail["ticket_types"]
        ],
    }
    if detail["cover_image_url"]:
        data["image"] = [detail["cover_image_url"]]
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- Back office -------------------------------------------------------------------


def event_form_values(event: Event) -> dict[str, Any]:
    """The event's fields as the editor's inputs show them (times in the event's zone)."""
    tz = event.tz
    return {
        "title": event.title,
        "slug": event.slug,
        "description": event.description,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "is_online": event.is_online,
        "timezone": event.timezone,
        "starts_at": local_input_value(event.starts_at, tz),
        "ends_at": local_input_value(event.ends_at, tz),
        "currency": event.currency,
        "capacity": event.capacity,
        "hold_minutes": event.hold_minutes,
        "collect_attendee_names": event.collect_attendee_names,
        "payment_methods": event.payment_methods,
        "offline_payment_days": event.offline_payment_days,
    }


def ticket_type_manage(event: Event, ticket_type: TicketType, sold: int) -> dict[str, Any]:
    tz = event.tz
    return {
        "id": ticket_type.pk,
        "name": ticket_type.name,
        "description": ticket_type.description,
        "price": money_str(ticket_type.price),
        "capacity": ticket_type.capacity,
        "sold": sold,
        "allocated": ticket_type.allocated,
        "sales_start": local_input_value(ticket_type.sales_start, tz),
        "sales_end": local_input_value(ticket_type.sales_end, tz),
        "min_per_order": ticket_type.min_per_order,
        "max_per_order": ticket_type.max_per_order,
        "hidden": ticket_type.hidden,
        "can_delete": ticket_type.allocated == 0 and sold == 0,
    }
