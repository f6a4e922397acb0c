"""Emails to buyers. Sent after the order's transaction commits, never inside it."""

from __future__ import annotations

import logging

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from sales.models import Order

logger = logging.getLogger(__name__)


def send_order_confirmation(order_id: int, base_url: str) -> bool:
    """Email the order summary and its secret link. Returns False (and logs) if sending failed.

    A failed email never undoes the order: the buyer already has the order page,
    and the organizer can resend the confirmation.
    """
    order = (
        Order.objects.select_related("event", "event__organizer")
        .prefetch_related("lines__ticket_type", "tickets__ticket_type")
        .get(pk=order_id)
    )
    context = {
        "order": order,
        "event": order.event,
        "lines": list(order.lines.all()),
        "url": f"{base_url.rstrip('/')}/orders/{order.code}/{order.secret}/",
        "starts_at": order.event.starts_at.astimezone(order.event.tz),
        "bank_details": order.event.organizer.bank_transfer_details,
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("sales/email/order_subject.txt", context).strip(),
        body=render_to_string("sales/email/order.txt", context),
        to=[order.buyer_email],
        reply_to=[order.event.organizer.contact_email] if order.event.organizer.contact_email else None,
    )
    message.attach_alternative(render_to_string("sales/email/order.html", context), "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("order confirmation email failed", extra={"order": order.code})
        return False
    return True
