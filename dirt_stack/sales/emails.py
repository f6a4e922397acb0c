"""Emails to buyers, queued in the order's transaction and sent after it commits (core.outbox):
the order confirmation (the order as it is when sent: refunds and void tickets included),
a refund's notice, an expired order's notice, and the notices to a date's buyers when it is
cancelled or moved (sales.date_changes) or its whole event is cancelled
(sales.event_cancellation)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext, pgettext_lazy

from core import outbox
from core.models import OutboxMessage
from core.text import single_line
from core.translated import reading, resolve
from sales import email_texts
from sales.calendar import calendar_url
from sales.models import EmailText, Order, Refund, order_url
from sales.tickets import order_pdf, tickets_usable
from sales.wallet import pass_links

ORDER_CONFIRMATION = "order_confirmation"
# Signs the link that confirms a bank transfer (sales.hoarding checks it).
CONFIRMATION_SALT = "sales.hoarding.confirm-order"


# An order's status as its buyer reads it, in the active language (the emails' words; the
# back office shows Order.Status's own labels).
ORDER_STATUS_WORDS = {
    Order.Status.PENDING: pgettext_lazy("order status", "pending payment"),
    Order.Status.PAID: pgettext_lazy("order status", "paid"),
    Order.Status.PARTIALLY_REFUNDED: pgettext_lazy("order status", "partly refunded"),
    Order.Status.CANCELLED: pgettext_lazy("order status", "cancelled"),
    Order.Status.REFUNDED: pgettext_lazy("order status", "refunded"),
    Order.Status.EXPIRED: pgettext_lazy("order status", "expired"),
}


def email_subject(rendered: str) -> str:
    """A rendered subject as one header line: a title or a name with a line break or a
    control character in it (stored before input was cleaned) must not stop the email."""
    return single_line(rendered)


def in_order_language(handler: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """An outbox handler of an order's email (``payload["order_code"]``) run in the order's
    language: the event's texts it shows are resolved for it (core.translated)."""

    @functools.wraps(handler)
    def run(payload: dict[str, Any]) -> None:
        locale = Order.objects.filter(code=payload["order_code"]).values_list("locale", flat=True).first()
        with reading(locale):
            handler(payload)

    return run


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


def confirmation_url(order: Order, base_url: str) -> str:
    """The link that confirms a bank transfer awaiting its buyer (sales.hoarding)."""
    token = signing.dumps(order.code, salt=CONFIRMATION_SALT)
    return f"{base_url.rstrip('/')}/orders/{order.code}/confirm/{token}/"


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
    with reading(order.locale):
        _send_confirmation(order, base_url)


def _send_confirmation(order: Order, base_url: str) -> None:
    tickets = list(order.tickets.all())
    custom = _custom_confirmation(order, base_url)
    context = {
        "order": order,
        "event": order.event,
        "date": order.date,
        "lines": list(order.lines.all()),
        "void_tickets": [t for t in tickets if t.voided_at is not None],
        "valid_count": sum(1 for t in tickets if t.voided_at is None),
        "url": order_url(order, base_url),
        "calendar_url": calendar_url(order, base_url),
        "wallet_links": pass_links(order, tickets, base_url),
        "starts_at": order.date.starts_at.astimezone(order.event.tz),
        "admission_at": order.date.admission_at.astimezone(order.event.tz)
        if order.date.admission_at
        else None,
        "bank_details": order.event.organizer.bank_transfer_details,
        "confirm_url": confirmation_url(order, base_url) if order.awaiting_confirmation else None,
        "custom": custom,
    }
    # The templates write amounts and times for the order's language, times in the event's
    # zone (core.templatetags.formats).
    subject = custom.subject if custom else render_to_string("sales/email/order_subject.txt", context)
    text = render_to_string("sales/email/order.txt", context)
    html = render_to_string("sales/email/order.html", context)
    message = EmailMultiAlternatives(
        subject=email_subject(subject),
        body=text,
        to=[order.buyer_email],
        reply_to=[order.event.organizer.contact_email] if order.event.organizer.contact_email else None,
    )
    message.attach_alternative(html, "text/html")
    if tickets_usable(order):
        message.attach(f"tickets-{order.code}.pdf", order_pdf(order), "application/pdf")
    message.send()


def confirmation_kind(order: Order) -> str | None:
    """Which editable text the confirmation of ``order`` uses: paid, or awaiting its payment;
    None for an order no longer valid (a resent confirmation keeps Maticko's words)."""
    if order.status in Order.VALID_PAID:
        return EmailText.Kind.CONFIRMATION
    if order.status == Order.Status.PENDING:
        return EmailText.Kind.PAYMENT_PENDING
    return None


def _custom_confirmation(order: Order, base_url: str) -> email_texts.Rendered | None:
    kind = confirmation_kind(order)
    if kind is None:
        return None
    return email_texts.custom(order.event_id, kind, email_texts.order_values(order, base_url))


# --- A date's buyers: the date was cancelled, or moved ---------------------------------------

DATE_CANCELLED = "date_cancelled"
DATE_MOVED = "date_moved"


def queue_date_cancelled(
    order: Order,
    base_url: str,
    *,
    refunded: str | None,
    refund_automatic: bool,
    reason: str,
    whole_event: bool = False,
) -> None:
    """Tell the buyer of ``order`` that its date (``whole_event``: the whole event) is
    cancelled, and what happens to the money: ``refunded`` (an amount, "12.50") was paid
    back through the provider when ``refund_automatic``, else the organizer pays it back;
    None: the order was not paid."""
    outbox.enqueue(
        DATE_CANCELLED,
        {
            "order_code": order.code,
            "base_url": base_url,
            "refunded": refunded,
            "refund_automatic": refund_automatic,
            "reason": reason,
            "whole_event": whole_event,
        },
    )


def queue_date_moved(order: Order, base_url: str, *, previous_starts_at: str) -> None:
    """Tell the buyer of ``order`` its date's new time (read when the email is sent);
    ``previous_starts_at`` (ISO) is the time they were told before."""
    outbox.enqueue(
        DATE_MOVED, {"order_code": order.code, "base_url": base_url, "previous_starts_at": previous_starts_at}
    )


def _date_context(order_code: str, base_url: str) -> dict[str, Any]:
    order = Order.objects.select_related("event", "event__organizer", "date").get(code=order_code)
    order.date.event = order.event
    tz = order.event.tz
    return {
        "order": order,
        "event": order.event,
        "date": order.date,
        "url": order_url(order, base_url),
        "calendar_url": calendar_url(order, base_url),
        "starts_at": order.date.starts_at.astimezone(tz),
        "ends_at": order.date.ends_at.astimezone(tz),
        "admission_at": order.date.admission_at.astimezone(tz) if order.date.admission_at else None,
    }


def _send(template: str, context: dict[str, Any]) -> None:
    """Send ``template`` to the order's buyer; ``context["custom"]`` (the event's own text,
    rendered) gives the subject and replaces the templates' opening words."""
    order: Order = context["order"]
    organizer = order.event.organizer
    custom: email_texts.Rendered | None = context.get("custom")
    message = EmailMultiAlternatives(
        subject=custom.subject
        if custom
        else email_subject(render_to_string(f"sales/email/{template}_subject.txt", context)),
        body=render_to_string(f"sales/email/{template}.txt", context),
        to=[order.buyer_email],
        reply_to=[organizer.contact_email] if organizer.contact_email else None,
    )
    message.attach_alternative(render_to_string(f"sales/email/{template}.html", context), "text/html")
    message.send()


@outbox.handler(DATE_CANCELLED)
@in_order_language
def _deliver_date_cancelled(payload: dict[str, Any]) -> None:
    context = _date_context(payload["order_code"], payload["base_url"])
    context.update(
        refunded=payload["refunded"],
        refund_automatic=payload["refund_automatic"],
        free=payload["refunded"] is not None and Decimal(payload["refunded"]) == 0,
        reason=payload["reason"],
        whole_event=payload.get("whole_event", False),
    )
    order: Order = context["order"]
    event = context["event"]
    title = resolve(event, "title")
    values = email_texts.order_values(order, payload["base_url"])
    starts = email_texts.when(order.date.starts_at, event)
    values["reason"] = payload["reason"]
    names = {"event": title, "organizer": event.organizer.name, "when": starts}
    values["cancellation_note"] = (
        gettext(
            "%(event)s is cancelled: %(organizer)s has called off the whole event, including your "
            "date on %(when)s."
        )
        % names
        if context["whole_event"]
        else gettext("Your date of %(event)s on %(when)s is cancelled.") % names
    )
    context["custom"] = email_texts.custom(order.event_id, EmailText.Kind.CANCELLATION, values)
    _send("date_cancelled", context)


@outbox.handler(DATE_MOVED)
@in_order_language
def _deliver_date_moved(payload: dict[str, Any]) -> None:
    context = _date_context(payload["order_code"], payload["base_url"])
    previous = dt.datetime.fromisoformat(payload["previous_starts_at"])
    context["previous_starts_at"] = previous.astimezone(context["event"].tz)
    _send("date_moved", context)


# --- A refund; an order that expired -----------------------------------------------------------

REFUND = "refund"
ORDER_EXPIRED = "order_expired"
ORDER_CANCELLED = "order_cancelled"


def queue_order_cancelled(order_code: str, base_url: str | None = None) -> None:
    """Tell the buyer that the organizer cancelled their order (its tickets are void)."""
    outbox.enqueue(ORDER_CANCELLED, {"order_code": order_code, "base_url": base_url or settings.SITE_URL})


def queue_refund(refund: Refund, base_url: str | None = None) -> None:
    """Tell the buyer what ``refund`` (succeeded) paid back and which tickets it voided."""
    outbox.enqueue(
        REFUND,
        {"order_code": refund.order.code, "refund_id": refund.pk, "base_url": base_url or settings.SITE_URL},
    )


def order_expired_message(order_code: str, base_url: str | None = None) -> OutboxMessage:
    """The notice that an order expired unpaid, as an unsaved outbox message."""
    return outbox.new_message(
        ORDER_EXPIRED, {"order_code": order_code, "base_url": base_url or settings.SITE_URL}
    )


@outbox.handler(REFUND)
@in_order_language
def _deliver_refund(payload: dict[str, Any]) -> None:
    context = _date_context(payload["order_code"], payload["base_url"])
    refund = Refund.objects.get(pk=payload["refund_id"])
    tickets = list(context["order"].tickets.select_related("ticket_type"))
    context.update(
        amount=refund.amount,
        reason=refund.reason,
        paid_back_by_organizer=refund.paid_back_by_organizer,
        void_tickets=[t for t in tickets if t.pk in set(refund.ticket_ids)],
        valid_count=sum(1 for t in tickets if t.voided_at is None),
    )
    order: Order = context["order"]
    values = email_texts.order_values(order, payload["base_url"])
    amount = email_texts.money(refund.amount, order.currency)
    values.update(
        amount=amount,
        reason=refund.reason,
        refund_note=refund_note(refund, order, amount),
    )
    context["custom"] = email_texts.custom(order.event_id, EmailText.Kind.REFUND, values)
    _send("refund", context)


def refund_note(refund: Refund, order: Order, amount: str) -> str:
    """How the money of ``refund`` comes back, in the active language (the same sentence as
    the refund email's, sales/email/refund_note.txt)."""
    event = order.event
    names = {"organizer": event.organizer.name, "amount": amount, "code": order.code}
    names["event"] = resolve(event, "title")
    if refund.paid_back_by_organizer:
        return (
            gettext(
                "%(organizer)s will pay back %(amount)s of your order %(code)s for %(event)s to you, "
                "and will contact you if they need your bank details."
            )
            % names
        )
    return (
        gettext(
            "We have refunded %(amount)s of your order %(code)s for %(event)s to the way you paid; "
            "it can take a few days to reach your account."
        )
        % names
    )


@outbox.handler(ORDER_EXPIRED)
@in_order_language
def _deliver_order_expired(payload: dict[str, Any]) -> None:
    context = _date_context(payload["order_code"], payload["base_url"])
    order: Order = context["order"]
    context["event_url"] = (
        f"{payload['base_url'].rstrip('/')}/events/{order.event.slug}/?date={order.date_id}"
    )
    _send("order_expired", context)


@outbox.handler(ORDER_CANCELLED)
@in_order_language
def _deliver_order_cancelled(payload: dict[str, Any]) -> None:
    context = _date_context(payload["order_code"], payload["base_url"])
    order: Order = context["order"]
    event = context["event"]
    values = email_texts.order_values(order, payload["base_url"])
    values["reason"] = ""
    values["cancellation_note"] = gettext(
        "Your order %(code)s for %(event)s on %(when)s is cancelled: its tickets are no longer valid."
    ) % {
        "code": order.code,
        "event": resolve(event, "title"),
        "when": email_texts.when(order.date.starts_at, event),
    }
    context["custom"] = email_texts.custom(order.event_id, EmailText.Kind.CANCELLATION, values)
    _send("order_cancelled", context)
