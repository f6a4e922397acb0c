"""Organizer-written email texts: a subject and a Markdown body per event and email, with
placeholders (``{event}``, ``{order_url}`` ...) filled when the email is sent.

This is the one renderer of organizer-written emails: the buyer emails whose words an
organizer may change (``EmailText.Kind``) and the messages to attendees (messaging) use it.

Placeholder values are data (a buyer's name, an event's title): they never become Markdown,
HTML or a link. The body is parsed with each placeholder replaced by an inert token, rendered
and sanitized (``core.markdown.render_markdown``), and only then are the tokens replaced by the
HTML-escaped values; a second sanitizing pass drops a link whose address a value turned into
something other than http(s) or mailto. The plain-text part is the body with the values as
they are. ``{{`` and ``}}`` write a literal brace.

Without an ``EmailText`` row an email is the one Maticko writes (its templates), so nothing
changes until an organizer saves a text; ``DEFAULTS`` are those emails' words as Markdown, the
starting point of the editor and what "reset" returns to.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
import string
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import nh3
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import get_language, gettext, gettext_noop

from accounts.models import User
from core.formatting import format_moment, format_money
from core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from core.text import single_line
from core.translated import current_locale, normalize, resolve
from events.models import Event, EventDate
from sales.models import EmailText, EmailTextChange, Order, order_url

Kind = EmailText.Kind

MAX_SUBJECT = 200
MAX_BODY = 10_000

# Every placeholder, what it stands for (shown in the back office and the README).
PLACEHOLDERS: dict[str, str] = {
    "event": "The event's title",
    "date": "The date's start, in the event's time zone",
    "venue": "The date's venue",
    "organizer": "The organizer's name",
    "buyer_name": "The buyer's name",
    "order_code": "The order's code",
    "order_url": "The buyer's private link to the order and tickets",
    "tickets": "The order's tickets, such as “2 × Standard, 1 × VIP”",
    "total": "The order's total with its currency",
    "amount": "The amount refunded, with its currency",
    "reason": "The reason given for the refund or the cancellation (may be empty)",
    "refund_note": "How the money comes back (Maticko's sentence for the payment method)",
    "cancellation_note": "What was cancelled (Maticko's sentence: the date, the whole event or the order)",
    "ticket_type": "The ticket type offered",
    "quantity": "How many tickets are offered",
    "offer_url": "The link to buy the offered tickets",
    "offer_expires": "Until when the offer holds the tickets",
}

_ORDER = ("event", "date", "venue", "organizer", "buyer_name", "order_code", "order_url", "tickets", "total")
_OFFER = (
    "event",
    "date",
    "venue",
    "organizer",
    "ticket_type",
    "quantity",
    "total",
    "offer_url",
    "offer_expires",
)

# The placeholders each email may use (messages to attendees use MESSAGE_PLACEHOLDERS).
KIND_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    Kind.CONFIRMATION: _ORDER,
    Kind.PAYMENT_PENDING: _ORDER,
    Kind.REFUND: (*_ORDER, "amount", "reason", "refund_note"),
    Kind.CANCELLATION: (*_ORDER, "reason", "cancellation_note"),
    Kind.WAITLIST_OFFER: _OFFER,
    Kind.REMINDER: _ORDER,
}
MESSAGE_PLACEHOLDERS = _ORDER

# Maticko's own words, as Markdown: equal to the emails sent when no text is saved. Marked for
# translation: ``words`` gives them in a buyer's language.
DEFAULTS: dict[str, tuple[str, str]] = {
    Kind.CONFIRMATION: (
        gettext_noop("Your tickets for {event}"),
        gettext_noop(
            "Hello {buyer_name},\n\nthank you for your order. Your tickets for **{event}** are confirmed."
        ),
    ),
    Kind.PAYMENT_PENDING: (
        gettext_noop("Your order for {event} ({order_code})"),
        gettext_noop(
            "Hello {buyer_name},\n\nthank you for your order for **{event}**. "
            "It is reserved and waits for your payment."
        ),
    ),
    Kind.REFUND: (
        gettext_noop("Refund of {amount}: {event} ({order_code})"),
        gettext_noop("Hello {buyer_name},\n\n{refund_note}\n\n{reason}"),
    ),
    Kind.CANCELLATION: (
        gettext_noop("Cancelled: {event} on {date}"),
        gettext_noop("Hello {buyer_name},\n\n{cancellation_note}\n\n{reason}"),
    ),
    Kind.WAITLIST_OFFER: (
        gettext_noop("Tickets for you: {event}"),
        gettext_noop(
            "Hello,\n\ntickets came free and you are next on the waiting list: {quantity} × “{ticket_type}” "
            "at {event} on {date}, {total} in all.\n\nThey are held for you until {offer_expires}. "
            "Buy them here:\n{offer_url}\n\n"
            "If you do not buy them by then, they go to the next person on the list."
        ),
    ),
    Kind.REMINDER: (
        gettext_noop("Reminder: {event} on {date}"),
        gettext_noop(
            "Hello {buyer_name},\n\nthis is a reminder of **{event}** on {date}, at {venue}.\n\n"
            "Your tickets are in your order: [view your order and tickets]({order_url})"
        ),
    ),
}


class TextInvalid(ValueError):
    """A text the organizer wrote that cannot be used; ``errors`` per field (subject, body)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str  # sanitized, safe to embed in the email's layout
    text: str


def _fields(template: str) -> list[tuple[str, str | None]]:
    """(literal text, placeholder name or None) pairs; ValueError for a brace that does not close."""
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        if name is not None and (spec or conversion):
            raise ValueError(f"{{{name}}} takes no format: write just {{{name.split(':')[0]}}}.")
        parts.append((literal, name))
    return parts


def check(allowed: tuple[str, ...], subject: str, body: str) -> dict[str, str]:
    """Errors per field: lengths, unbalanced braces, placeholders unknown or not available here."""
    errors: dict[str, str] = {}
    for field, value, limit in (("subject", subject, MAX_SUBJECT), ("body", body, MAX_BODY)):
        if not value.strip():
            errors[field] = "Write something here."
            continue
        if len(value) > limit:
            errors[field] = f"At most {limit} characters (this has {len(value)})."
            continue
        try:
            names = [name for _, name in _fields(value) if name is not None]
        except ValueError as exc:
            message = str(exc)
            if "Single" in message or "unmatched" in message or "expected" in message:
                message = (
                    "A brace does not close: placeholders are written {event}; write {{ or }} for a brace."
                )
            errors[field] = message
            continue
        unknown = [name for name in names if name not in allowed]
        if unknown:
            shown = ", ".join("{" + name + "}" for name in dict.fromkeys(unknown))
            errors[field] = f"Unknown placeholder {shown}. This email may use: " + ", ".join(
                "{" + name + "}" for name in allowed
            )
    return errors


def _fill_plain(template: str, values: dict[str, str]) -> str:
    return "".join(
        literal + (values.get(name, "") if name is not None else "") for literal, name in _fields(template)
    )


def render(subject: str, body: str, values: dict[str, str]) -> Rendered:
    """The subject (one line), the body as sanitized HTML and as plain text, placeholders filled
    with ``values`` (escaped in the HTML, never read as Markdown)."""
    nonce = secrets.token_hex(6)
    tokens: dict[str, str] = {}
    source = []
    for literal, name in _fields(body):
        # Markdown sees the organizer's words with inert alphanumeric tokens in place of the values.
        source.append(literal)
        if name is not None:
            token = f"mtk{nonce}p{len(tokens)}x"
            tokens[token] = html.escape(values.get(name, ""), quote=True)
            source.append(token)
    rendered = render_markdown("".join(source))
    for token, value in tokens.items():
        rendered = rendered.replace(token, value)
    # A value inside a link's address could make it javascript: or data: (a buyer's name
    # as the link in "[x]({buyer_name})"); sanitizing again removes such a link.
    rendered = render_markdown_safe(rendered)
    return Rendered(
        subject=single_line(_fill_plain(subject, values)),
        html=rendered,
        text=_fill_plain(body, values).strip() + "\n",
    )


def render_markdown_safe(fragment: str) -> str:
    """Sanitize HTML already rendered (same rules as core.markdown)."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# --- Values ------------------------------------------------------------------------------------


def when(moment: dt.datetime, event: Event) -> str:
    """A moment as the emails write it, in the event's zone and the active language:
    "Saturday, June 6, 2031, 7:30 PM CEST", "Samstag, 6. Juni 2031, 19:30 CEST"."""
    return format_moment(moment, event.timezone, get_language())


def money(amount: Decimal, currency: str) -> str:
    """An amount as the emails write it, in the active language: "€20.00", "20,00 €"."""
    return format_money(amount, currency, get_language())


def date_values(event: Event, date: EventDate) -> dict[str, str]:
    """The event's placeholders; its title in the active language (core.translated)."""
    return {
        "event": resolve(event, "title"),
        "date": when(date.starts_at, event),
        "venue": date.venue_label,
        "organizer": event.organizer.name,
    }


def order_values(order: Order, base_url: str) -> dict[str, str]:
    """The placeholders every order's email fills (``order`` with event, organizer and date)."""
    counts: dict[str, int] = {}
    for line in order.lines.select_related("ticket_type").order_by("ticket_type_id"):
        name = resolve(line.ticket_type, "name")
        counts[name] = counts.get(name, 0) + line.quantity
    return {
        **date_values(order.event, order.date),
        "buyer_name": order.buyer_name,
        "order_code": order.code,
        "order_url": order_url(order, base_url),
        "tickets": ", ".join(f"{quantity} × {name}" for name, quantity in counts.items()),
        "total": money(order.total, order.currency),
    }


# --- Texts of an event -------------------------------------------------------------------------


def saved(event: Event | int, kind: str) -> EmailText | None:
    event_id = event if isinstance(event, int) else event.pk
    return EmailText.objects.filter(event_id=event_id, kind=kind).first()


def words(event: Event | int, kind: str, locale: str) -> tuple[str, str]:
    """The subject and body of ``kind`` for a buyer reading ``locale``: the event's own text
    when it has one (``in_language``: its translation, else the event's language's), else
    Maticko's words (``DEFAULTS``) in that language."""
    text = saved(event, kind)
    if text is not None:
        return in_language(text, locale)
    subject, body = DEFAULTS[kind]
    with translation.override(locale):
        return gettext(subject), gettext(body)


def custom(event: Event | int, kind: str, values: dict[str, str]) -> Rendered | None:
    """The event's own text for ``kind`` in the active language (the email's order's; the
    event's language's when it has none, core.translated) rendered with ``values``; None:
    Maticko's email."""
    text = saved(event, kind)
    if text is None:
        return None
    return render(*in_language(text), values)


def in_language(text: EmailText, locale: str | None = None) -> tuple[str, str]:
    """``text``'s subject and body in ``locale`` (default: the active language), taken
    together from one language: a translation with both, else the event's language's."""
    code = normalize(locale) if locale else current_locale()
    translated = (text.translations or {}).get(code) if isinstance(text.translations, dict) else None
    if translated and translated.get("subject") and translated.get("body"):
        return translated["subject"], translated["body"]
    return text.subject, text.body


def current(event: Event, kind: str, locale: str | None = None) -> tuple[str, str, bool]:
    """(subject, body, customized) of ``kind`` in ``locale`` (default: the event's language)
    for the editor; a language without its own text starts from the event language's."""
    text = saved(event, kind)
    if text is None:
        return (*DEFAULTS[kind], False)
    if locale and locale != event.locale:
        own = (text.translations or {}).get(locale)
        if own:
            return own["subject"], own["body"], True
        return text.subject, text.body, False
    return text.subject, text.body, True


def _language(event: Event, locale: str | None) -> str:
    """``locale`` as one of the event's languages (TextInvalid otherwise); None: the event's."""
    if locale is None or locale == event.locale:
        return event.locale
    if locale not in event.locales:
        raise TextInvalid({"locale": "Choose one of the event's languages."})
    return locale


def save(
    event: Event, kind: str, subject: str, body: str, *, actor: User, locale: str | None = None
) -> EmailText:
    """Store the event's text for ``kind`` in ``locale`` (default: the event's language; another
    of its languages goes into ``translations``; TextInvalid when it cannot be used), audited."""
    errors = check(KIND_PLACEHOLDERS[kind], subject, body)
    language = _language(event, locale)
    if errors:
        raise TextInvalid(errors)
    subject = single_line(subject)
    with transaction.atomic():
        text = EmailText.objects.select_for_update().filter(event=event, kind=kind).first()
        if text is None:
            # The event's language keeps Maticko's words until it gets its own.
            text = EmailText(event=event, kind=kind, subject=DEFAULTS[kind][0], body=DEFAULTS[kind][1])
            before = DEFAULTS[kind]
        elif language == event.locale:
            before = (text.subject, text.body)
        else:
            own = (text.translations or {}).get(language) or {}
            before = (own.get("subject", text.subject), own.get("body", text.body))
        if language == event.locale:
            text.subject, text.body = subject, body
        else:
            text.translations = {**(text.translations or {}), language: {"subject": subject, "body": body}}
        text.updated_by = actor
        text.save()
        detail: dict[str, Any] = {} if language == event.locale else {"locale": language}
        if before[0] != subject:
            detail["subject"] = {"before": before[0], "after": subject}
        if before[1] != body:
            detail["body"] = {"before": before[1], "after": body}
        EmailTextChange.objects.create(
            event=event, kind=kind, action=EmailTextChange.Action.SAVED, detail=detail, actor=actor,
            actor_label=actor.email,
        )  # fmt: skip
    return text


def reset(event: Event, kind: str, *, actor: User, locale: str | None = None) -> bool:
    """Back to Maticko's email for ``kind`` (every language); with another of the event's
    languages than its own, only that language's text goes (its buyers then read the event
    language's). False when there was nothing to reset."""
    language = _language(event, locale)
    with transaction.atomic():
        text = EmailText.objects.select_for_update().filter(event=event, kind=kind).first()
        if text is None:
            return False
        if language != event.locale:
            own = (text.translations or {}).get(language)
            if not own:
                return False
            text.translations = {k: v for k, v in text.translations.items() if k != language}
            text.updated_by = actor
            text.save()
            EmailTextChange.objects.create(
                event=event,
                kind=kind,
                action=EmailTextChange.Action.RESET,
                detail={
                    "locale": language,
                    "subject": {"before": own["subject"]},
                    "body": {"before": own["body"]},
                },
                actor=actor,
                actor_label=actor.email,
            )
            return True
        EmailTextChange.objects.create(
            event=event,
            kind=kind,
            action=EmailTextChange.Action.RESET,
            detail={"subject": {"before": text.subject}, "body": {"before": text.body}},
            actor=actor,
            actor_label=actor.email,
        )
        text.delete()
    return True


# --- Previews ----------------------------------------------------------------------------------

SAMPLE_BUYER = "Alex Example"


def preview_values(
    event: Event, kind: str | None, order: Order | None = None, *, latest: bool = True
) -> tuple[dict[str, str], bool]:
    """Values to preview ``kind`` (None: a message) with: ``order``'s, else (``latest``) the
    event's latest order's, else a sample (True) built from the event's first date and ticket type."""
    if order is None and latest:
        order = (
            Order.objects.filter(event=event)
            .select_related("event", "event__organizer", "date")
            .order_by("-created_at", "-pk")
            .first()
        )
    date = order.date if order else event.dates.order_by("starts_at").first()
    ticket_type = event.ticket_types.order_by("pk").first()
    type_name = ticket_type.name if ticket_type else "Standard"
    sample = order is None or kind == Kind.WAITLIST_OFFER
    if order is not None:
        order.date.event = order.event
        values = order_values(order, settings.SITE_URL)
    else:
        base = date_values(event, date) if date else {"event": event.title, "date": "", "venue": ""}
        values = {
            **base,
            "organizer": event.organizer.name,
            "buyer_name": SAMPLE_BUYER,
            "order_code": "SAMPLE1",
            "order_url": f"{settings.SITE_URL.rstrip('/')}/orders/SAMPLE1/sample-secret/",
            "tickets": f"2 × {type_name}",
            "total": money(Decimal("50.00"), event.currency),
        }
    amount = values["total"]
    values.update(
        amount=amount,
        reason="",
        refund_note=f"We have refunded {amount} of your order {values['order_code']} for {event.title} "
        "to the way you paid; it can take a few days to reach your account.",
        cancellation_note=f"Your date of {event.title} on {values['date']} is cancelled.",
        ticket_type=type_name,
        quantity="2",
        offer_url=f"{settings.SITE_URL.rstrip('/')}/waitlist/offer/sample/",
        offer_expires=values["date"],
    )
    return values, sample
