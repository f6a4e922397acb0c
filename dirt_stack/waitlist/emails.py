"""The waiting list's emails, sent through the outbox (core.outbox) once their transaction
commits: the confirmation link (double opt-in), the offer, and the notice that the date
was cancelled. Each carries the unsubscribe link, also as a ``List-Unsubscribe`` header.
Links point at SITE_URL: offers are made without a request (a refund, the sweeper)."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from core import outbox
from core.text import single_line
from core.translated import reading, resolve
from sales import email_texts
from sales.models import EmailText
from waitlist import services
from waitlist.models import Entry, Offer


def _context(entry: Entry) -> dict[str, Any]:
    token = services.link_token(entry, services.UNSUBSCRIBE_SALT)
    return {
        "entry": entry,
        "event": entry.event,
        "date": entry.date,
        "ticket_type": entry.ticket_type,
        "unsubscribe_url": services.site_url(reverse("waitlist:unsubscribe", kwargs={"token": token})),
    }


def _send(template: str, entry: Entry, context: dict[str, Any]) -> None:
    """Send ``template`` in the language the entry was made in (``Entry.locale``); with
    ``context["custom"]`` (the event's own text, rendered) its subject and words instead, as
    text and HTML, with the unsubscribe link."""
    with reading(entry.locale):
        _compose(template, entry, context).send()


def _compose(template: str, entry: Entry, context: dict[str, Any]) -> EmailMultiAlternatives:
    organizer = entry.event.organizer
    custom: email_texts.Rendered | None = context.get("custom")
    if custom:
        context["footer"] = gettext("— %(organizer)s, via Maticko") % {"organizer": organizer.name}
        subject = custom.subject
        body = render_to_string("sales/email/text.txt", context)
    else:
        subject = single_line(render_to_string(f"waitlist/email/{template}_subject.txt", context))
        body = render_to_string(f"waitlist/email/{template}.txt", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[entry.email],
        reply_to=[organizer.contact_email] if organizer.contact_email else None,
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )
    if custom:
        message.attach_alternative(render_to_string("sales/email/text.html", context), "text/html")
    return message


def _entry(entry_id: int) -> Entry:
    return Entry.objects.select_related("event", "event__organizer", "date", "ticket_type").get(pk=entry_id)


@outbox.handler(services.CONFIRM_EMAIL)
def _deliver_confirmation(payload: dict[str, Any]) -> None:
    entry = _entry(payload["entry_id"])
    if entry.status != Entry.Status.PENDING:
        return
    context = _context(entry)
    token = services.link_token(entry, services.CONFIRM_SALT)
    context["confirm_url"] = services.site_url(reverse("waitlist:confirm", kwargs={"token": token}))
    _send("confirm", entry, context)


@outbox.handler(services.OFFER_EMAIL)
def _deliver_offer(payload: dict[str, Any]) -> None:
    offer = Offer.objects.get(pk=payload["offer_id"])
    if offer.status != Offer.Status.OPEN:
        return
    entry = _entry(offer.entry_id)
    context = _context(entry)
    token = services.offer_token(offer)
    context.update(
        offer=offer,
        total=offer.unit_price * offer.quantity,
        offer_url=services.site_url(reverse("waitlist:offer", kwargs={"token": token})),
    )
    event = entry.event
    with reading(entry.locale):
        values = {
            **email_texts.date_values(event, entry.date),
            "ticket_type": resolve(entry.ticket_type, "name"),
            "quantity": str(offer.quantity),
            "total": email_texts.money(context["total"], event.currency),
            "offer_url": context["offer_url"],
            "offer_expires": email_texts.when(offer.expires_at, event),
        }
        context["custom"] = email_texts.custom(event.pk, EmailText.Kind.WAITLIST_OFFER, values)
    _send("offer", entry, context)


@outbox.handler(services.CANCELLED_EMAIL)
def _deliver_cancelled(payload: dict[str, Any]) -> None:
    entry = _entry(payload["entry_id"])
    _send("cancelled", entry, _context(entry))
