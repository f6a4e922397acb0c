"""Emails to buyers, queued in the order's transaction and sent after it commits (core.outbox)."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from sales.models import Order, order_url
from sales.tickets import order_pdf, tickets_usable

ORDER_CONFIRMATION = "order_confirmation"


def order_confirmation(order: Order, base_url: str) -> OutboxMessage:
    """The confirmation of ``order`` as an unsaved outbox message. It names the
    order by its code, which is known before the order row is written."""
    return outbox.new_message(ORDER_CONFIRMATION, {"order_code": order.code, "base_url": base_url})


def queue_order_confirmation(order: Order, base_url: str) -> None:
    """Queue the confirmation inside the order's transaction; it is sent once that commits."""
    outbox.enqueue(ORDER_CONFIRMATION, order_confirmation(order, base_url).payload)


@outbox.handler(ORDER_CONFIRMATION)
def _deliver_order_confirmation(payload: dict[str, Any]) -> None:
    send_order_confirmation(payload["order_code"], payload["base_url"])


def send_order_confirmation(order_code: str, base_url: str) -> None:
    """Email the order summary and its secret link (raises if the mail server refuses it).

    A failed email never undoes the order: the buyer already has the order page,
    the outbox retries, and the organizer can resend the confirmation.
    """
    order = (
        Order.objects.select_related("event", "event__organizer", "date")
        .prefetch_related("lines__ticket_type", "tickets__ticket_type")
        .get(code=order_code)
    )
    order.date.event = order.event
    context = {
        "order": order,
        "event": order.event,
        "date": order.date,
        "lines": list(order.lines.all()),
        "url": order_url(order, base_url),
        "starts_at": order.date.starts_at.astimezone(order.event.tz),
        "admission_at": order.date.admission_at.astimezone(order.event.tz)
        if order.date.admission_at
        else None,
        "bank_details": order.event.organizer.bank_transfer_details,
    }
    # Templates show times in the current time zone: the event's, as the text says.
    with timezone.override(order.event.tz):
        subject = render_to_string("sales/email/order_subject.txt", context).strip()
        text = render_to_string("sales/email/order.txt", context)
        html = render_to_string("sales/email/order.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[order.buyer_email],
        reply_to=[order.event.organizer.contact_email] if order.event.organizer.contact_email else None,
    )
    message.attach_alternative(html, "text/html")
    if tickets_usable(order):
        message.attach(f"tickets-{order.code}.pdf", order_pdf(order), "application/pdf")
    message.send()
