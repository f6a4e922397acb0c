"""Plain-dict shapes of events, ticket types and orders for the storefront's pages and the REST API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from core.markdown import plain_text_excerpt, render_markdown
from core.money import money_str
from events.models import Event, TicketType
from sales.models import Order, OrderLine, Ticket, order_url
from sales.payments import PaymentStart, accepted_methods
from sales.pricing import PricedLine
from sales.tickets import qr_svg_data_uri, tickets_usable


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


# --- Orders -------------------------------------------------------------------------


def payment_methods(event_methods: list[str]) -> list[dict[str, str]]:
    return [{"name": p.name, "label": p.label} for p in accepted_methods(event_methods)]


def line_detail(line: OrderLine | PricedLine) -> dict[str, Any]:
    """One line of an order or of a hold being checked out, amounts as strings."""
    return {
        "ticket_type": line.ticket_type.name,
        "quantity": line.quantity,
        "unit_price": money_str(line.unit_price),
        "discount": money_str(line.discount),
        "total": money_str(line.total),
    }


def order_detail(
    order: Order,
    base_url: str,
    payment: PaymentStart | None = None,
    *,
    lines: Iterable[OrderLine] | None = None,
    tickets: Iterable[Ticket] | None = None,
    include_qr: bool = False,
) -> dict[str, Any]:
    """The order as its page and the API show it. ``lines`` and ``tickets`` may be
    passed when they are already in memory (a new order), saving the queries."""
    event = order.event
    usable = tickets_usable(order)
    lines = order.lines.all() if lines is None else lines
    tickets = order.tickets.all() if tickets is None else tickets
    tz = event.tz
    return {
        "code": order.code,
        "status": order.status,
        "status_label": order.get_status_display(),
        "event": {
            "slug": event.slug,
            "title": event.title,
            "starts_at": event.starts_at.astimezone(tz).isoformat(),
            "timezone": event.timezone,
            "venue": event.venue_label,
            "status": event.status,
        },
        "buyer": {"name": order.buyer_name, "email": order.buyer_email},
        "currency": order.currency,
        "subtotal": money_str(order.subtotal),
        "discount": money_str(order.discount),
        "total": money_str(order.total),
        "refunded_amount": money_str(order.refunded_amount),
        "payment_method": order.payment_method,
        "payment_deadline": order.payment_deadline.astimezone(tz).isoformat()
        if order.payment_deadline
        else None,
        "payment_url": payment.redirect_url if payment else None,
        "bank_transfer_details": event.organizer.bank_transfer_details
        if order.payment_method == "offline"
        else "",
        "created_at": order.created_at.astimezone(tz).isoformat(),
        "order_url": order_url(order, base_url),
        "tickets_valid": usable,
        "pdf_url": f"{order_url(order, base_url)}tickets.pdf",
        "lines": [line_detail(line) for line in lines],
        "tickets": [
            {
                "id": ticket.pk,
                "ticket_type_id": ticket.ticket_type_id,
                "ticket_type": ticket.ticket_type.name,
                "attendee_name": ticket.attendee_name,
                "secret": ticket.secret,
                "price": money_str(ticket.price),
                # Drawn only for the order page: encoding a QR code costs ~10 ms of CPU,
                # which the purchase API (it returns the secrets) should not pay.
                "qr": qr_svg_data_uri(ticket.secret)
                if include_qr and usable and ticket.voided_at is None
                else None,
                "void": ticket.voided_at is not None or not usable,
            }
            for ticket in tickets
        ],
    }


def load_order(code: str) -> Order | None:
    return (
        Order.objects.select_related("event", "event__organizer")
        .prefetch_related("lines__ticket_type", "tickets__ticket_type")
        .filter(code=code)
        .first()
    )
