"""Events, ticket types and orders as the storefront's pages, the back office and the REST API
show them: each builds its schema from ``storefront.schemas``."""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext

from core.markdown import plain_text_excerpt, render_markdown
from core.money import money_str
from core.schemas import Shape
from core.translated import resolve
from events.models import DateTicketType, Event, EventDate, TicketType
from questions import services as questions
from questions.models import Question
from sales import payment_pages, quotas, wallet
from sales.calendar import calendar_url
from sales.models import InvoiceAddress, Order, OrderLine, Ticket, order_url
from sales.payments import PaymentStart, accepted_methods
from sales.pricing import PricedLine, unit_price
from sales.quotas import DateLeft
from sales.tickets import TICKET_STATE_LABELS, TicketState, qr_svg_data_uri, ticket_state, tickets_usable
from storefront import schemas
from taxes import addresses, engine
from taxes.rates import EU_MEMBER_STATES

ShapeT = TypeVar("ShapeT", bound=Shape)


def built(shape: type[ShapeT], **values: Any) -> ShapeT:
    """``shape`` with ``values`` computed here from rows, of its fields' types, without
    pydantic's validation: django-ninja validates a Shape twice, each nested one too, which
    cost the purchase API's answer (an order, its lines and tickets) half as much CPU as
    writing the order. The values must be what validation would keep (a plain ``str``
    for a choice); tests/test_serializers.py validates every shape built here. Only the
    names are checked at run time: a wrong one fails loudly instead of vanishing."""
    if not values.keys() <= shape.model_fields.keys() or not _required(shape) <= values.keys():
        raise TypeError(f"{shape.__name__} takes {sorted(shape.model_fields)}, got {sorted(values)}")
    return shape.model_construct(**values)


@functools.cache
def _required(shape: type[Shape]) -> frozenset[str]:
    return frozenset(name for name, field in shape.model_fields.items() if field.is_required())


class SaleState:
    ON_SALE = "on_sale"
    FEW_LEFT = "few_left"
    SOLD_OUT = "sold_out"
    NOT_YET_ON_SALE = "not_yet_on_sale"
    SALES_ENDED = "sales_ended"
    CANCELLED = "cancelled"


def few_left_threshold(capacity: int) -> int:
    """At or below this many tickets left (of ``capacity``), a date or ticket type shows "few left"."""
    return max(3, capacity // 10)


def _by_count(available: int, capacity: int) -> str:
    if available <= 0:
        return SaleState.SOLD_OUT
    if available <= few_left_threshold(capacity):
        return SaleState.FEW_LEFT
    return SaleState.ON_SALE


def date_state(date: EventDate, left: DateLeft, now: dt.datetime | None = None) -> str:
    """Whether a buyer can buy on ``date`` (with its event), and how many are left."""
    now = now or timezone.now()
    if date.status == EventDate.Status.CANCELLED or date.event.status == Event.Status.CANCELLED:
        return SaleState.CANCELLED
    if date.event.status != Event.Status.PUBLISHED or date.ends_at < now:
        return SaleState.SALES_ENDED
    if date.status == EventDate.Status.SOLD_OUT:
        return SaleState.SOLD_OUT
    if date.sales_end and date.sales_end <= now:
        return SaleState.SALES_ENDED
    if date.sales_start and date.sales_start > now:
        return SaleState.NOT_YET_ON_SALE
    return _by_count(left.total, left.capacity)


def sale_state(date_state_now: str, ticket_type: TicketType, offer: DateTicketType, available: int) -> str:
    """A ticket type's state on a date whose own state is ``date_state_now``."""
    if date_state_now not in (SaleState.ON_SALE, SaleState.FEW_LEFT):
        return date_state_now
    now = timezone.now()
    if ticket_type.sales_end and ticket_type.sales_end <= now:
        return SaleState.SALES_ENDED
    if ticket_type.sales_start and ticket_type.sales_start > now:
        return SaleState.NOT_YET_ON_SALE
    return _by_count(available, offer.capacity)


def _local(value: dt.datetime, event: Event) -> dt.datetime:
    return value.astimezone(event.tz)


def _local_or_none(value: dt.datetime | None, event: Event) -> dt.datetime | None:
    return value.astimezone(event.tz) if value else None


def _summary_fields(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": resolve(event, "title"),
        "organizer": schemas.OrganizerRef(name=event.organizer.name, slug=event.organizer.slug),
        "starts_at": _local(event.starts_at, event),
        "ends_at": _local(event.ends_at, event),
        "timezone": event.timezone,
        "venue": event.venue_label,
        "is_online": event.is_online,
        "status": event.status,
        "currency": event.currency,
        "min_price": getattr(event, "min_price", None),
        "cover_image_url": event.cover_image.url if event.cover_image else None,
        "date_count": getattr(event, "date_count", None) or event.dates.count(),
        "next_starts_at": _local_or_none(getattr(event, "next_starts_at", None), event),
    }


def next_date(dates: Iterable[EventDate], now: dt.datetime | None = None) -> EventDate | None:
    """The soonest of ``dates`` not over nor cancelled (as ``Event.objects.listed()``
    annotates ``next_starts_at``)."""
    now = now or timezone.now()
    upcoming = [d for d in dates if d.ends_at >= now and d.status != EventDate.Status.CANCELLED]
    return min(upcoming, key=lambda d: (d.starts_at, d.pk), default=None)


def event_summary(event: Event) -> schemas.EventSummary:
    """What a list of events shows. Times carry the event's own UTC offset."""
    return schemas.EventSummary(**_summary_fields(event))


def listed_events(events: list[Event]) -> list[schemas.ListedEvent]:
    """A page of ``Event.objects.listed()`` with each event's next date's availability
    (``date_state``, the event page's rule): the next dates in one query and what is left
    on them in ``quotas.availability_by_date``'s few, whatever the number of events."""
    starts = {e.pk: getattr(e, "next_starts_at", None) for e in events}
    wanted = [Q(event_id=pk, starts_at=at) for pk, at in starts.items() if at is not None]
    next_dates: dict[int, EventDate] = {}
    if wanted:
        found = EventDate.objects.filter(functools.reduce(operator.or_, wanted)).exclude(
            status=EventDate.Status.CANCELLED
        )
        for row in found.order_by("starts_at", "pk"):
            next_dates.setdefault(row.event_id, row)
    left = quotas.availability_by_date(next_dates.values())
    listed = []
    for event in events:
        availability = None
        next_date = next_dates.get(event.pk)
        if next_date is not None:
            next_date.event = event
            on_date = left[next_date.pk]
            state = date_state(next_date, on_date)
            availability = schemas.Availability(
                state=state,
                available=on_date.total if state in (SaleState.ON_SALE, SaleState.FEW_LEFT) else 0,
                sales_start=_local_or_none(next_date.sales_start, event),
            )
        listed.append(schemas.ListedEvent(**_summary_fields(event), availability=availability))
    return listed


def date_url(event: Event, date: EventDate) -> str:
    """The event page with ``date`` chosen: the direct link to one date."""
    # Reversed: on an embedded page (storefront.embed) the address stays in the frame.
    return f"{reverse('events:detail', kwargs={'slug': event.slug})}?date={date.pk}"


def date_public(date: EventDate, left: DateLeft) -> schemas.DatePublic:
    event = date.event
    state = date_state(date, left)
    return schemas.DatePublic(
        id=date.pk,
        starts_at=_local(date.starts_at, event),
        ends_at=_local(date.ends_at, event),
        admission_at=_local_or_none(date.admission_at, event),
        venue=date.venue_label,
        status=date.status,
        state=state,
        sales_start=_local_or_none(date.sales_start, event),
        available=left.total if state in (SaleState.ON_SALE, SaleState.FEW_LEFT) else 0,
        url=date_url(event, date),
    )


def dates_public(event: Event, dates: list[EventDate]) -> list[schemas.DatePublic]:
    """``dates`` of ``event`` with what is left on each (a few queries, whatever their number)."""
    left = quotas.availability_by_date(dates)
    for date in dates:
        date.event = event
    return [date_public(date, left[date.pk]) for date in dates]


def ticket_type_public(
    event: Event, date: schemas.DatePublic, ticket_type: TicketType, offer: DateTicketType, available: int
) -> schemas.TicketTypePublic:
    date_state_now = date.state
    if date_state_now == SaleState.SOLD_OUT and date.status == EventDate.Status.ON_SALE:
        # Sold out by count: the date's count is of its public types only, so a hidden type
        # a voucher unlocks is judged by its own stock (a public one's is nil anyway).
        date_state_now = SaleState.ON_SALE
    state = sale_state(date_state_now, ticket_type, offer, available)
    return schemas.TicketTypePublic(
        id=ticket_type.pk,
        name=resolve(ticket_type, "name"),
        description=resolve(ticket_type, "description"),
        price=unit_price(ticket_type, offer),
        currency=event.currency,
        state=state,
        # Exact counts only when they help the buyer decide; never below zero.
        available=available if state in (SaleState.ON_SALE, SaleState.FEW_LEFT) else 0,
        sales_start=_local_or_none(ticket_type.sales_start, event),
        sales_end=_local_or_none(ticket_type.sales_end, event),
        min_per_order=ticket_type.min_per_order,
        max_per_order=ticket_type.max_per_order,
    )


def event_detail(
    event: Event,
    dates: list[EventDate],
    chosen: EventDate | None,
    ticket_types: list[TicketType],
    *,
    date_count: int | None = None,
) -> schemas.EventDetail:
    """The event with ``dates`` (those a buyer may pick from) and, on the ``chosen`` date,
    those of ``ticket_types`` offered there with what is left of each. ``date_count``
    (all the event's dates) is counted when not given."""
    shown = list(dates)
    if chosen is not None and chosen.pk not in {d.pk for d in shown}:
        shown.append(chosen)
    left = quotas.availability_by_date(shown)
    for date in shown:
        date.event = event
    public = {date.pk: date_public(date, left[date.pk]) for date in shown}
    types = []
    if chosen is not None:
        offers = left[chosen.pk].offers
        per_type = left[chosen.pk].per_ticket_type
        types = [
            ticket_type_public(event, public[chosen.pk], t, offers[t.pk], per_type[t.pk])
            for t in ticket_types
            if t.pk in offers
        ]
    if date_count is not None:
        event.date_count = date_count  # type: ignore[attr-defined]  # as Event.objects.listed() annotates
    if not hasattr(event, "min_price"):
        # As Event.objects.listed() annotates: the cheapest visible type, on any date.
        visible = [t.price for t in ticket_types if not t.hidden]
        event.min_price = min(visible, default=None)  # type: ignore[attr-defined]
    if not hasattr(event, "next_starts_at"):
        upcoming = next_date(dates)
        event.next_starts_at = upcoming.starts_at if upcoming else None  # type: ignore[attr-defined]
    return schemas.EventDetail(
        **_summary_fields(event),
        description_html=render_markdown(resolve(event, "description")),
        venue_name=event.venue_name,
        venue_address=event.venue_address,
        dates=[public[d.pk] for d in dates],
        date=public[chosen.pk] if chosen is not None else None,
        ticket_types=types,
        payment_methods=payment_methods(event.payment_methods),
    )


def event_json_ld(event: Event, detail: schemas.EventDetail, url: str) -> str:
    """schema.org Event markup for search engines, safe to embed in a <script> element."""
    availability = {
        SaleState.ON_SALE: "https://schema.org/InStock",
        SaleState.FEW_LEFT: "https://schema.org/LimitedAvailability",
        SaleState.SOLD_OUT: "https://schema.org/SoldOut",
        SaleState.NOT_YET_ON_SALE: "https://schema.org/PreOrder",
        SaleState.SALES_ENDED: "https://schema.org/Discontinued",
        SaleState.CANCELLED: "https://schema.org/Discontinued",
    }
    if event.is_online:
        location: dict[str, Any] = {"@type": "VirtualLocation", "url": url}
    else:
        location = {
            "@type": "Place",
            "name": event.venue_name,
            "address": event.venue_address or event.venue_name,
        }
    # The chosen date's times (a single-date event's are its span); a series' span otherwise.
    when = detail.date or detail
    cancelled = event.status == Event.Status.CANCELLED or (
        detail.date is not None and detail.date.status == EventDate.Status.CANCELLED
    )
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": resolve(event, "title"),
        "startDate": when.starts_at.isoformat(),
        "endDate": when.ends_at.isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if cancelled
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode"
        if event.is_online
        else "https://schema.org/OfflineEventAttendanceMode",
        "location": location,
        "description": plain_text_excerpt(resolve(event, "description"), 500),
        "organizer": {"@type": "Organization", "name": event.organizer.name},
        "url": url,
        "offers": [
            {
                "@type": "Offer",
                "name": t.name,
                "price": money_str(t.price),
                "priceCurrency": t.currency,
                "availability": availability[t.state],
                "url": url,
                **({"validFrom": t.sales_start.isoformat()} if t.sales_start else {}),
            }
            for t in detail.ticket_types
        ],
    }
    if detail.cover_image_url:
        data["image"] = [detail.cover_image_url]
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- Orders -------------------------------------------------------------------------


def payment_methods(event_methods: list[str]) -> list[schemas.PaymentMethod]:
    """The methods a buyer chooses from, cards before the bank transfer: the checkout
    preselects the first, and a buyer who just presses "Place order" should not end up
    with an unpaid transfer because the organizer listed it first."""
    offered = sorted(accepted_methods(event_methods), key=lambda p: p.name == "offline")
    # The labels are marked for translation where they are defined (sales.payments).
    return [schemas.PaymentMethod(name=p.name, label=gettext(p.label)) for p in offered]


def line_detail(line: OrderLine | PricedLine) -> schemas.OrderLine:
    """One line of an order or of a hold being checked out."""
    return built(
        schemas.OrderLine,
        ticket_type=resolve(line.ticket_type, "name"),
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        total=line.total,
        tax_rate=money_str(line.tax_rate),
        tax_amount=line.tax_amount,
        tax_treatment=str(line.tax_treatment),
    )


def order_taxes(lines: Iterable[OrderLine | PricedLine]) -> schemas.OrderTaxes | None:
    """Net, tax per rate and the legal notes of an order's (or a checkout's) lines; None
    when no line carries a tax rule."""
    lines = list(lines)
    if all(str(line.tax_treatment) == engine.Treatment.NONE for line in lines):
        return None
    rates = engine.summary(
        (str(line.tax_treatment), line.tax_rate, line.tax_amount, line.total) for line in lines
    )
    notes = {engine.Decision(rate.treatment, rate.rate).note for rate in rates} - {""}
    return built(
        schemas.OrderTaxes,
        net=sum((rate.net for rate in rates), Decimal(0)),
        tax=sum((rate.tax for rate in rates), Decimal(0)),
        rates=[
            built(
                schemas.TaxSummary,
                treatment=rate.treatment.value,
                rate=money_str(rate.rate),
                net=rate.net,
                tax=rate.tax,
                total=rate.total,
            )
            for rate in rates
        ],
        notes=sorted(notes),
    )


def invoice_address_detail(order: Order) -> schemas.OrderInvoiceAddress | None:
    """The order's invoice address (None without one)."""
    try:
        address = order.invoice_address
    except InvoiceAddress.DoesNotExist:
        return None
    return built(
        schemas.OrderInvoiceAddress,
        **{name: getattr(address, name) for name in addresses.FIELDS},
        vat_id_status=address.vat_id_status,
    )


def _order_event_fields(event: Event, date: EventDate) -> dict[str, Any]:
    date.event = event  # the same row: the date's venue falls back to the event's
    return {
        "slug": event.slug,
        "title": resolve(event, "title"),
        "date_id": date.pk,
        "starts_at": _local(date.starts_at, event),
        "ends_at": _local(date.ends_at, event),
        "admission_at": _local_or_none(date.admission_at, event),
        "timezone": event.timezone,
        "venue": date.venue_label,
        "status": str(event.status),
        "date_status": str(date.status),
        "url": date_url(event, date),
    }


def order_event(event: Event, date: EventDate) -> schemas.OrderEvent:
    """The event and the date an order is for."""
    return built(schemas.OrderEvent, **_order_event_fields(event, date))


def checkout_event(event: Event, date: EventDate) -> schemas.CheckoutEvent:
    """The event and the date a reservation is for, as the checkout shows them."""
    return schemas.CheckoutEvent(
        **_order_event_fields(event, date), collect_attendee_names=event.collect_attendee_names
    )


def order_detail(
    order: Order,
    base_url: str,
    payment: PaymentStart | None = None,
    *,
    lines: Iterable[OrderLine] | None = None,
    tickets: Iterable[Ticket] | None = None,
    include_qr: bool = False,
) -> schemas.OrderDetail:
    """The order as its page, the back office and the API show it. ``lines`` and ``tickets``
    may be passed when they are already in memory (a new order), saving the queries."""
    event = order.event
    order.date.event = event
    usable = tickets_usable(order)
    lines = list(order.lines.all()) if lines is None else list(lines)
    tickets = list(order.tickets.all()) if tickets is None else tickets
    states = {ticket.pk: ticket_state(ticket, order) for ticket in tickets}
    url = order_url(order, base_url)
    return built(
        schemas.OrderDetail,
        code=order.code,
        status=str(order.status),
        status_label=str(order.get_status_display()),
        event=order_event(event, order.date),
        buyer=built(schemas.Buyer, name=order.buyer_name, email=order.buyer_email),
        currency=order.currency,
        subtotal=order.subtotal,
        discount=order.discount,
        total=order.total,
        taxes=order_taxes(lines),
        invoice_address=invoice_address_detail(order),
        refunded_amount=order.refunded_amount,
        payment_method=order.payment_method,
        payment_deadline=_local_or_none(order.payment_deadline, event),
        awaiting_confirmation=order.awaiting_confirmation and order.status == Order.Status.PENDING,
        payment_url=payment.redirect_url if payment else None,
        pay_now_url=f"{url}pay/"
        if order.status == Order.Status.PENDING and payment_pages.has_page(order)
        else None,
        bank_transfer_details=event.organizer.bank_transfer_details
        if order.payment_method == "offline"
        else "",
        created_at=_local(order.created_at, event),
        order_url=url,
        tickets_valid=usable,
        pdf_url=f"{url}tickets.pdf",
        calendar_url=calendar_url(order, base_url),
        lines=[line_detail(line) for line in lines],
        tickets=[
            built(
                schemas.OrderTicket,
                id=ticket.pk,
                ticket_type_id=ticket.ticket_type_id,
                ticket_type=resolve(ticket.ticket_type, "name"),
                attendee_name=ticket.attendee_name,
                secret=ticket.secret,
                price=ticket.price,
                # Drawn only for the order page: encoding a QR code costs ~10 ms of CPU,
                # which the purchase API (it returns the secrets) should not pay.
                qr=qr_svg_data_uri(ticket.secret)
                if include_qr and states[ticket.pk] == TicketState.VALID
                else None,
                void=states[ticket.pk] != TicketState.VALID,
                state=str(states[ticket.pk]),
                state_label=str(TICKET_STATE_LABELS[states[ticket.pk]]),
                answers=answer_details(questions.ticket_answers(order.answers, position)),
            )
            for position, ticket in enumerate(tickets)
        ],
        answers=answer_details(questions.order_answers(order.answers)),
    )


def wallet_passes(order: Order, base_url: str) -> list[schemas.TicketWalletPass]:
    """The wallet buttons of the order's tickets (``order.tickets`` prefetched)."""
    return [
        built(
            schemas.TicketWalletPass,
            ticket_id=links.ticket.pk,
            apple_url=links.apple_url,
            google_url=links.google_url,
        )
        for links in wallet.pass_links(order, order.tickets.all(), base_url)
    ]


def answer_details(answers: Iterable[dict[str, Any]]) -> list[schemas.Answer]:
    """Stored answers (questions.services) as the order's shapes show them."""
    return [
        built(
            schemas.Answer,
            question=int(answer["question"]),
            label=str(answer.get("label", "")),
            kind=str(answer.get("kind", "")),
            value=answer.get("value"),
            text=questions.answer_text(answer),
        )
        for answer in answers
    ]


ORDER_PREFETCH = ("lines__ticket_type", "tickets__ticket_type")


def load_order(code: str) -> Order | None:
    return (
        Order.objects.select_related("event", "event__organizer", "date", "invoice_address")
        .prefetch_related(*ORDER_PREFETCH)
        .filter(code=code)
        .first()
    )


def order_for_holder(code: str, secret: str) -> Order | None:
    """The order with this code when ``secret`` is its secret, else None. Lines and
    tickets are read only after the secret matched, so a wrong secret costs what an
    unknown code costs and the answer's timing does not tell that a code exists
    (security review I-1)."""
    order = Order.objects.select_related("event", "event__organizer", "date").filter(code=code).first()
    if order is None or not constant_time_compare(order.secret, secret):
        return None
    prefetch_related_objects([order], *ORDER_PREFETCH)
    return order


def checkout_question(question: Question) -> schemas.CheckoutQuestion:
    return built(
        schemas.CheckoutQuestion,
        id=question.pk,
        label=resolve(question, "label"),
        help_text=resolve(question, "help_text"),
        kind=str(question.kind),
        required=question.required,
        choices=[str(choice) for choice in question.choices]
        if question.kind in Question.CHOICE_KINDS
        else [],
        choice_labels=choice_labels(question) if question.kind in Question.CHOICE_KINDS else [],
    )


def choice_labels(question: Question) -> list[str]:
    """A choice question's options as they read in the active language: its translation's
    labels when they match the options one for one, else the options themselves."""
    labels = resolve(question, "choices")
    options = [str(choice) for choice in question.choices]
    if isinstance(labels, list) and len(labels) == len(options):
        return [str(label) or option for label, option in zip(labels, options, strict=True)]
    return options


def checkout_tickets(asked: questions.Asked, ticket_type_names: list[str]) -> list[schemas.CheckoutTicket]:
    """The tickets being bought (the name of each one's type, in the order's order) with
    the questions asked for each."""
    return [
        built(
            schemas.CheckoutTicket,
            ticket_type=name,
            questions=[checkout_question(question) for question in asked.tickets[position]],
        )
        for position, name in enumerate(ticket_type_names)
    ]


def invoice_address_ask(event: Event) -> schemas.CheckoutInvoiceAddress | None:
    """The checkout's invoice address section, when the event asks for one."""
    if event.invoice_address == Event.InvoiceAddress.OFF:
        return None
    return built(
        schemas.CheckoutInvoiceAddress,
        required=event.invoice_address == Event.InvoiceAddress.REQUIRED,
        default_country=event.country,
        countries=[built(schemas.Country, code=code, name=name) for code, name in questions.countries()],
        eu_countries=sorted(EU_MEMBER_STATES),
    )


def countries_for(asked: questions.Asked) -> list[schemas.Country]:
    """The country list, when one of the ``asked`` questions needs it."""
    kinds = {q.kind for q in asked.order} | {q.kind for ticket in asked.tickets for q in ticket}
    if Question.Kind.COUNTRY not in kinds:
        return []
    return [built(schemas.Country, code=code, name=name) for code, name in questions.countries()]


def order_questions(order: Order) -> tuple[questions.Asked, list[Ticket]]:
    """The questions asked now of ``order``'s tickets (its tickets in id order, prefetched)."""
    tickets = list(order.tickets.all())
    asked = questions.asked(questions.event_questions(order.event), [t.ticket_type_id for t in tickets])
    return asked, tickets


def answers_edit(
    order: Order, url: str, closes_at: dt.datetime | None, asked: questions.Asked, tickets: list[Ticket]
) -> schemas.AnswersEdit | None:
    """The form that changes ``order``'s answers; None when the order is asked nothing."""
    if not asked.any:
        return None
    values, ticket_values = questions.form_values(order.answers, asked)
    return built(
        schemas.AnswersEdit,
        url=url,
        questions=[checkout_question(question) for question in asked.order],
        tickets=checkout_tickets(asked, [resolve(ticket.ticket_type, "name") for ticket in tickets]),
        countries=countries_for(asked),
        answers=values,
        ticket_answers=ticket_values,
        closes_at=_local_or_none(closes_at, order.event),
    )
