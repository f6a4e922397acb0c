"""Plain-dict shapes of orders for the order page, the API and emails."""

from __future__ import annotations

from typing import Any

from core.money import money_str
from sales.models import Order, OrderLine, Ticket, order_url
from sales.payments import PaymentStart, accepted_methods
from sales.pricing import PricedLine
from sales.tickets import qr_svg_data_uri, tickets_usable


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
    lines: list[OrderLine] | None = None,
    tickets: list[Ticket] | None = None,
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
