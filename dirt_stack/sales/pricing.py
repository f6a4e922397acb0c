"""What a buyer may order and what it costs: validating a selection, pricing it, checking the buyer.

Shared by the web checkout and the one-step purchase API (sales.purchase); none of
this writes anything. Stock is taken later, in the write (sales.stock).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext

from core.input import InputError, clean_name, column_length, is_id, is_ip_literal, text_problem
from core.locales import DEFAULT_LANGUAGE
from core.money import quantize
from core.translated import resolve
from events.models import DateTicketType, Event, EventDate, TicketType
from sales import limits
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import Order, Ticket, Voucher
from sales.payments import FreeProvider, accepted_methods
from taxes import engine
from taxes.addresses import AddressDetails
from taxes.models import TaxRule


@dataclass
class BuyerDetails:
    name: str
    email: str
    payment_method: str
    attendee_names: list[str] = field(default_factory=list)
    card_number: str = ""
    # The answers to the event's checkout questions, already validated by the interface
    # (questions.services.clean_answers), stored on the order as they are; and the faults
    # that validation found, reported with the buyer's own (one 422, every field at once).
    answers: dict[str, Any] = field(default_factory=dict)
    answer_errors: dict[str, str] = field(default_factory=dict)
    # The buyer's language (core.locales; core.language.request_language for a request):
    # the order keeps it and writes every message to its buyer in it.
    locale: str = DEFAULT_LANGUAGE
    # The invoice address, checked and its VAT ID verified by the interface before the
    # purchase (taxes.addresses.prepare, outside any transaction), and its faults, reported
    # with the buyer's own.
    invoice_address: AddressDetails | None = None
    invoice_errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PricedLine:
    ticket_type: TicketType
    quantity: int
    unit_price: Decimal
    discount: Decimal  # for the whole line
    # The line's tax (``taxed``): its rate, the tax contained in ``total``, its treatment
    # (sales.models.TaxTreatment), and what the tax rule adds to the list price (net prices
    # with VAT added) or takes off it (gross prices, reverse charged or exempt).
    tax_rate: Decimal = Decimal("0")
    tax_amount: Decimal = Decimal("0")
    tax_treatment: str = engine.Treatment.NONE.value
    tax_adjustment: Decimal = Decimal("0")

    @property
    def list_total(self) -> Decimal:
        """The line at its list prices, after discounts: what the tax rule starts from."""
        return self.unit_price * self.quantity - self.discount

    @property
    def total(self) -> Decimal:
        """What the buyer pays for the line."""
        return self.list_total + self.tax_adjustment


def ensure_on_sale(date: EventDate) -> None:
    """Raise OrderConflict unless ``date`` (with its event) is on sale now."""
    event = date.event
    if event.status == Event.Status.CANCELLED:
        raise OrderConflict(gettext("This event has been cancelled; tickets are no longer sold."))
    if event.status != Event.Status.PUBLISHED:
        raise OrderConflict(gettext("This event is not on sale."))
    if date.status == EventDate.Status.CANCELLED:
        raise OrderConflict(gettext("This date has been cancelled; tickets are no longer sold."))
    if date.status == EventDate.Status.SOLD_OUT:
        raise OrderConflict(gettext("This date is sold out."))
    if date.has_ended:
        raise OrderConflict(gettext("This date is over; tickets are no longer sold."))
    now = timezone.now()
    if date.sales_start and date.sales_start > now:
        raise OrderConflict(gettext("Tickets for this date are not on sale yet."))
    if date.sales_end and date.sales_end <= now:
        raise OrderConflict(gettext("Sales for this date have ended."))


def date_offers(date: EventDate, ticket_type_ids: Iterable[int]) -> dict[int, DateTicketType]:
    """The date's stock rows of these ticket types, by ticket type id."""
    ids = [i for i in ticket_type_ids if is_id(i)]
    return {
        row.ticket_type_id: row for row in DateTicketType.objects.filter(date=date, ticket_type_id__in=ids)
    }


def validate_selection(
    date: EventDate,
    quantities: Mapping[int, int],
    voucher: Voucher | None,
    ticket_types: Mapping[int, TicketType] | None = None,
    offers: Mapping[int, DateTicketType] | None = None,
) -> list[tuple[TicketType, int]]:
    """Check the requested ticket types and counts on ``date``; return them with their ticket types.

    ``ticket_types`` (the event's, by id) and ``offers`` (the date's stock rows, by
    ticket type id) are passed when already loaded (``purchase.event_for_purchase``);
    otherwise they are queried."""
    ensure_on_sale(date)
    event = date.event
    wanted = {int(k): v for k, v in quantities.items() if v}
    if not wanted:
        raise OrderInvalid(gettext("Choose at least one ticket."), "quantities")
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in wanted.values()):
        raise OrderInvalid(gettext("Ticket quantities must be whole numbers, zero or more."), "quantities")
    if sum(wanted.values()) > settings.MAX_TICKETS_PER_ORDER:
        raise OrderInvalid(
            gettext("An order can have at most %(count)s tickets.")
            % {"count": settings.MAX_TICKETS_PER_ORDER},
            "quantities",
        )
    if ticket_types is None:
        ticket_types = {
            t.pk: t for t in TicketType.objects.filter(event=event, pk__in=[i for i in wanted if is_id(i)])
        }
    unknown = set(wanted) - set(ticket_types)
    if unknown:
        raise OrderInvalid(
            gettext("Some of the chosen ticket types do not exist for this event."), "quantities"
        )
    if offers is None:
        offers = date_offers(date, wanted)
    not_offered = [ticket_types[i].name for i in sorted(wanted) if i not in offers or not offers[i].offered]
    if not_offered:
        raise OrderConflict(
            gettext("“%(ticket_type)s” is not offered on this date.") % {"ticket_type": not_offered[0]}
        )
    unlocked = {t.pk for t in voucher.ticket_types.all()} if voucher else set()
    now = timezone.now()
    selection = []
    for ticket_type_id in sorted(wanted):
        ticket_type, n = ticket_types[ticket_type_id], wanted[ticket_type_id]
        if ticket_type.hidden and ticket_type.pk not in unlocked:
            raise OrderInvalid(
                gettext("Some of the chosen ticket types do not exist for this event."), "quantities"
            )
        if ticket_type.sales_start and ticket_type.sales_start > now:
            raise OrderConflict(
                gettext("“%(ticket_type)s” is not on sale yet.")
                % {"ticket_type": resolve(ticket_type, "name")}
            )
        if ticket_type.sales_end and ticket_type.sales_end <= now:
            raise OrderConflict(
                gettext("Sales of “%(ticket_type)s” have ended.")
                % {"ticket_type": resolve(ticket_type, "name")}
            )
        if not ticket_type.min_per_order <= n <= ticket_type.max_per_order:
            raise OrderInvalid(
                gettext("“%(ticket_type)s”: choose between %(min)s and %(max)s tickets.")
                % {
                    "ticket_type": resolve(ticket_type, "name"),
                    "min": ticket_type.min_per_order,
                    "max": ticket_type.max_per_order,
                },
                "quantities",
            )
        selection.append((ticket_type, n))
    # No email can have more than a limit per person (sales.limits): refused before any hold.
    too_many = limits.too_many_at_once(event, dict(selection))
    if too_many:
        raise OrderInvalid(too_many, "quantities")
    return selection


def unit_price(ticket_type: TicketType, offer: DateTicketType | None) -> Decimal:
    """A ticket's price on a date: the date's own, or the ticket type's."""
    return ticket_type.price if offer is None or offer.price is None else offer.price


def price(
    selection: list[tuple[TicketType, int]],
    voucher: Voucher | None,
    offers: Mapping[int, DateTicketType],
) -> list[PricedLine]:
    """Prices on the date (``offers``: its stock rows by ticket type id) and the voucher's
    discount per line; amounts are Decimal, rounded to cents."""
    restricted = {t.pk for t in voucher.ticket_types.all()} if voucher else set()
    lines = []
    for ticket_type, n in selection:
        each = unit_price(ticket_type, offers.get(ticket_type.pk))
        per_ticket = _discount(voucher, restricted, ticket_type.pk, each) if voucher else Decimal("0")
        lines.append(PricedLine(ticket_type, n, each, per_ticket * n))
    return lines


def _discount(voucher: Voucher, restricted: set[int], ticket_type_id: int, each: Decimal) -> Decimal:
    """The voucher's discount on one ticket of ``each`` (``restricted``: the types it is
    limited to, none for all)."""
    if restricted and ticket_type_id not in restricted:
        return Decimal("0")
    if voucher.kind == Voucher.Kind.PERCENT:
        return quantize(each * voucher.value / 100)
    return min(voucher.value, each)


def discounted_prices(voucher: Voucher, unit_prices: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """What one ticket costs with ``voucher``, for each ticket type (id -> its unit price on
    the date) the voucher discounts; the event page shows these, ``price`` charges them."""
    restricted = {t.pk for t in voucher.ticket_types.all()}
    found = {}
    for ticket_type_id, each in unit_prices.items():
        off = _discount(voucher, restricted, ticket_type_id, each)
        if off > 0:
            found[ticket_type_id] = each - off
    return found


def taxed(event: Event, lines: list[PricedLine], address: AddressDetails | None) -> list[PricedLine]:
    """``lines`` with their tax, under each ticket type's tax rule or the event's
    (taxes.engine), for the buyer of ``address`` (None: a private buyer, country unknown).
    Costs one query when a rule applies, none otherwise."""
    wanted = {
        i for i in (event.tax_rule_id, *(line.ticket_type.tax_rule_id for line in lines)) if i is not None
    }
    if not wanted:
        return lines
    rules = {rule.pk: rule for rule in TaxRule.objects.filter(pk__in=wanted).select_related("organizer")}
    specs = {pk: rule.spec() for pk, rule in rules.items()}
    seller_country = next(iter(rules.values())).organizer.country if rules else ""
    found = engine.tax_lines(
        [
            (line.list_total, specs.get(line.ticket_type.tax_rule_id or event.tax_rule_id or 0))
            for line in lines
        ],
        address.buyer() if address else None,
        seller_country,
        event.currency,
    )
    return [
        dataclasses.replace(
            line,
            tax_rate=tax.rate,
            tax_amount=tax.tax,
            tax_treatment=tax.treatment.value,
            tax_adjustment=tax.total - line.list_total,
        )
        for line, tax in zip(lines, found, strict=True)
    ]


def validate_buyer(details: BuyerDetails, event: Event, ticket_count: int, total: Decimal) -> str:
    """Check the buyer's details; return the payment method to use.

    Every field is checked before raising, so the buyer fixes all of them in one round:
    the OrderInvalid names the first field at fault and lists them all in ``errors``."""
    errors: dict[str, str] = {}

    def fault(field: str, message: str) -> None:
        errors.setdefault(field, message)  # a field's first problem is the one to fix

    # Names reach email headers, PDFs and CSV exports: on one line, without control characters.
    try:
        details.name = clean_name(details.name)
    except InputError as exc:
        fault("name", str(exc))
    try:
        details.attendee_names = [clean_name(name) for name in details.attendee_names]
    except InputError as exc:
        fault("attendee_names", str(exc))
    if not details.name:
        fault("name", gettext("Enter your name."))
    longest = column_length(Order, "buyer_name")
    if len(details.name) > longest:
        fault("name", gettext("Your name can have at most %(count)s characters.") % {"count": longest})
    if text_problem(details.email, max_length=column_length(Order, "buyer_email")):
        fault("email", gettext("Enter a valid email address."))
    else:
        try:
            validate_email(details.email)
        except ValidationError:
            fault("email", gettext("Enter a valid email address."))
        if is_ip_literal(details.email):
            fault("email", gettext("Enter an email address with a domain name, not an IP address."))
    if details.attendee_names and len(details.attendee_names) != ticket_count:
        fault("attendee_names", gettext("Give one attendee name per ticket."))
    longest = column_length(Ticket, "attendee_name")
    if any(len(name) > longest for name in details.attendee_names):
        fault(
            "attendee_names",
            gettext("Attendee names can have at most %(count)s characters.") % {"count": longest},
        )
    if text_problem(details.card_number, max_length=30):
        fault("card_number", gettext("Enter the card number as digits."))
    if text_problem(details.payment_method, max_length=20):
        fault("payment_method", gettext("Choose one of the payment methods this event accepts."))
    if event.collect_attendee_names and not all(n.strip() for n in details.attendee_names or [""]):
        fault("attendee_names", gettext("Enter the name of every attendee."))
    for field_name, message in {**details.answer_errors, **details.invoice_errors}.items():
        fault(field_name, message)
    method = FreeProvider.name
    if total != 0:
        method = details.payment_method
        if method not in {p.name for p in accepted_methods(event.payment_methods)}:
            fault("payment_method", gettext("Choose one of the payment methods this event accepts."))
    if errors:
        field, message = next(iter(errors.items()))
        raise OrderInvalid(message, field, errors)
    return method
