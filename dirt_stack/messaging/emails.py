"""The emails of messaging, sent through the outbox: a message to a buyer (recorded in the
order's audit log once sent) and an order's reminder. Both are written with the one renderer
of organizer texts (sales.email_texts) and end with a transactional footer naming the
organizer (no unsubscribe link: they concern an order the buyer placed)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from core import outbox
from core.translated import reading, resolve
from messaging import services
from messaging.models import MessageRecipient, Reminder
from sales import audit, email_texts
from sales.models import EmailText, Order


def _order(order_id: int) -> Order:
    order = Order.objects.select_related("event", "event__organizer", "date").get(pk=order_id)
    order.date.event = order.event
    return order


def footer(order: Order) -> str:
    return gettext(
        "You receive this email because you have an order (%(code)s) for %(event)s from "
        "%(organizer)s. — %(organizer)s, via Maticko"
    ) % {"code": order.code, "event": resolve(order.event, "title"), "organizer": order.event.organizer.name}


def _send(order: Order, rendered: email_texts.Rendered, url: str) -> None:
    context = {
        "custom": rendered,
        "button_url": url,
        "button_label": gettext("View your order and tickets"),
        "footer": footer(order),
    }
    contact = order.event.organizer.contact_email
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=render_to_string("sales/email/text.txt", context),
        to=[order.buyer_email],
        reply_to=[contact] if contact else None,
    )
    message.attach_alternative(render_to_string("sales/email/text.html", context), "text/html")
    message.send()


@outbox.handler(services.MESSAGE_EMAIL)
def _deliver_message(payload: dict[str, Any]) -> None:
    recipient = MessageRecipient.objects.select_related("message").get(pk=payload["recipient_id"])
    if recipient.status != MessageRecipient.Status.SENDING:
        return
    message = recipient.message
    order = _order(recipient.order_id)
    with reading(order.locale):
        values = email_texts.order_values(order, settings.SITE_URL)
        rendered = email_texts.render(message.subject, message.body, values)
    try:
        with reading(order.locale):
            _send(order, rendered, values["order_url"])
    except Exception as exc:
        recipient.attempts += 1
        recipient.error = f"{type(exc).__name__}: {exc}"[:500]
        if recipient.attempts < services.MAX_ATTEMPTS:
            recipient.save(update_fields=["attempts", "error"])
            raise
        recipient.status = MessageRecipient.Status.FAILED
        recipient.save(update_fields=["attempts", "error", "status"])
        return
    recipient.status = MessageRecipient.Status.SENT
    recipient.attempts += 1
    recipient.sent_at = timezone.now()
    recipient.save(update_fields=["status", "attempts", "sent_at"])
    audit.record(
        order,
        "message_sent",
        audit.Actor(user=message.created_by)
        if message.created_by
        else audit.Actor(system=message.created_by_label),
        message=message.pk,
        subject=rendered.subject,
        email=recipient.email,
    )


@outbox.handler(services.REMINDER_EMAIL)
def _deliver_reminder(payload: dict[str, Any]) -> None:
    reminder = Reminder.objects.get(pk=payload["reminder_id"])
    order = _order(reminder.order_id)
    if order.status not in Order.VALID_PAID or order.date_id != reminder.date_id:
        return
    with reading(order.locale):
        values = email_texts.order_values(order, settings.SITE_URL)
        subject, body = email_texts.words(order.event_id, EmailText.Kind.REMINDER, order.locale)
        _send(order, email_texts.render(subject, body, values), values["order_url"])
    audit.record(order, "reminder_sent", audit.Actor(system="Maticko (reminder)"), email=order.buyer_email)
