"""Placing orders: the one-step purchase (API) and the web checkout (hold, then complete).

Both validate and price through sales.pricing and write through
sales.order_writer, the one writer of an order. An order paid on a provider's
page (Stripe) is written pending and committed first; its page is opened after
(sales.payment_pages), so a provider call never runs inside the order's
transaction and a buyer who finds the tickets sold out costs none.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from core import metrics, rows, statements
from core.input import is_id
from events.models import DateTicketType, Event, EventDate, TicketType
from sales import hoarding, limits, order_writer, payment_pages, stock, vouchers
from sales.exceptions import IdempotencyMismatch, OrderConflict, OrderInvalid, PaymentUnavailable
from sales.models import (
    Hold,
    IdempotencyRecord,
    Order,
    OrderLine,
    Ticket,
)
from sales.payments import PaymentFailed, PaymentStart
from sales.pricing import (
    BuyerDetails,
    PricedLine,
    date_offers,
    ensure_on_sale,
    price,
    taxed,
    validate_buyer,
    validate_selection,
)


@dataclass
class PlacedOrder:
    order: Order
    payment: PaymentStart | None
    created: bool  # False when an Idempotency-Key returned an earlier order
    lines: list[OrderLine] | None = None  # what was written, when created now
    tickets: list[Ticket] | None = None


@dataclass
class PurchaseTarget:
    """What a purchase is for: the event, the date, and the chosen ticket types with
    their stock rows on that date (by ticket type id), as ``validate_selection`` takes them."""

    event: Event
    date: EventDate
    ticket_types: dict[int, TicketType]
    offers: dict[int, DateTicketType]
    # Read with the counters (sales.stock.releasable_sql): expired holds or overdue orders
    # on the date may give stock back (None: not read); an order was placed under the
    # request's Idempotency-Key (None: no key given).
    stock_may_come_back: bool | None = None
    earlier_order: bool | None = None


_TABLES = (Event, "e"), (EventDate, "d"), (TicketType, "t"), (DateTicketType, "o")


@functools.cache
def _purchase_query(
    vendor: str, date_given: bool, ticket_types: int, with_key: bool
) -> tuple[str, list[Any], list[int]]:
    """``event_for_purchase``'s text for its shape (built once: it is served thousands of
    times a second), the flags' parameters, and where each table's columns start."""
    selected = [rows.columns(model, alias) for model, alias in _TABLES]
    bounds = [0]
    for columns in selected:
        bounds.append(bounds[-1] + len(columns))
    quote = connection.ops.quote_name
    wanted = f"t.id IN ({', '.join(['%s'] * ticket_types)})" if ticket_types else "FALSE"
    date_wanted = "d.id = %s" if date_given else "TRUE"
    scope = "'purchase:' || CAST(e.id AS text)" if with_key else None
    flags, flag_params = stock.releasable_sql("d.id", scope)
    sql = (
        f"SELECT {', '.join(c for columns in selected for c in columns)}, {flags} "  # noqa: S608
        f"FROM {quote(Event._meta.db_table)} e "
        f"LEFT JOIN {quote(EventDate._meta.db_table)} d ON d.event_id = e.id AND {date_wanted} "
        f"LEFT JOIN {quote(TicketType._meta.db_table)} t ON t.event_id = e.id AND {wanted} "
        f"LEFT JOIN {quote(DateTicketType._meta.db_table)} o "
        "ON o.date_id = d.id AND o.ticket_type_id = t.id "
        "WHERE e.slug = %s"
    )
    return sql, flag_params, bounds


def event_for_purchase(
    slug: str, date_id: int | None, ticket_type_ids: Iterable[int], idempotency_key: str | None = None
) -> PurchaseTarget:
    """The event with this slug, its date ``date_id`` (None: its only date), and those of
    its ticket types with these ids with their rows on that date, in one prepared query
    (the purchase API needs all of them on every request); with it, whether stock may
    come back on the date and whether an order was placed under ``idempotency_key``
    (what ``known_sold_out`` and a replay need).

    Raises Event.DoesNotExist; OrderInvalid when the date is not the event's, or
    when none is given and the event has several.
    """
    ids = sorted({int(i) for i in ticket_type_ids if is_id(int(i))})
    date_given = date_id is not None and is_id(date_id)
    sql, flag_params, bounds = _purchase_query(connection.vendor, date_given, len(ids), bool(idempotency_key))
    found = statements.fetch(
        sql,
        [*stock.query_params(flag_params, idempotency_key), *([date_id] if date_given else []), *ids, slug],
    )
    extra = 2 if idempotency_key else 1  # the flags' columns, last
    if not found:
        raise Event.DoesNotExist(slug)
    event = rows.instance(Event, found[0][: bounds[1]])
    if found[0][bounds[1]] is None or (date_id is not None and not is_id(date_id)):
        raise OrderInvalid("This date is not one of this event's.", "date")
    if len({row[bounds[1]] for row in found}) > 1:
        raise OrderInvalid("This event has several dates: choose one.", "date")
    date = rows.instance(EventDate, found[0][bounds[1] : bounds[2]])
    date.event = event
    ticket_types, offers = {}, {}
    for row in found:
        if row[bounds[2]] is not None:
            ticket_type = rows.instance(TicketType, row[bounds[2] : bounds[3]])
            ticket_type.event = event
            ticket_types[ticket_type.pk] = ticket_type
            if row[bounds[3]] is not None:
                offer = rows.instance(DateTicketType, row[bounds[3] : bounds[4]])
                offer.ticket_type, offer.date = ticket_type, date
                offers[ticket_type.pk] = offer
    read_flags = found[0][-extra:]
    return PurchaseTarget(
        event,
        date,
        ticket_types,
        offers,
        stock_may_come_back=bool(read_flags[0]),
        earlier_order=bool(read_flags[1]) if idempotency_key else None,
    )


def known_sold_out(
    target: PurchaseTarget,
    quantities: Mapping[int, int],
    details: BuyerDetails | None = None,
    *,
    voucher_code: str | None = None,
    idempotency_key: str | None = None,
) -> stock.SoldOut | None:
    """The SoldOut that ``place_order`` (``details`` given) or ``start_checkout`` would
    answer, when the counters ``target`` holds already tell (stock.known_sold_out); None
    when the purchase must run to know. Cheap after a sell-out: the rules that need no
    query run first, so a request the full path would refuse as invalid is left to it,
    and a voucher leaves every request to it, as does an Idempotency-Key that replays an
    earlier order. Costs no query when ``target`` was read with its flags
    (``event_for_purchase``), else at most one."""
    if voucher_code:
        return None
    if stock.short_of(target.date, target.offers, quantities) is None:
        return None
    try:
        selection = validate_selection(target.date, quantities, None, target.ticket_types, target.offers)
        if details is not None:
            lines = price(selection, None, target.offers)
            total = sum((line.total for line in lines), Decimal("0"))
            validate_buyer(dataclasses.replace(details), target.event, sum(n for _, n in selection), total)
    except (OrderInvalid, OrderConflict):
        return None  # the purchase answers it
    if idempotency_key and target.earlier_order is not False:
        return None  # it may replay an earlier order
    return stock.known_sold_out(
        target.date, target.offers, quantities, may_come_back=target.stock_may_come_back
    )


def _placed(new: order_writer.NewOrder, started: float) -> PlacedOrder:
    """The result of a written order; its metrics are recorded once the transaction commits."""
    method, paid_now, ticket_count = new.order.payment_method, new.payment_start.paid, len(new.tickets)
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    transaction.on_commit(lambda: _record_metrics(method, paid_now, ticket_count, latency_ms))
    return PlacedOrder(new.order, new.payment_start, created=True, lines=new.lines, tickets=new.tickets)


def _record_metrics(payment_method: str, paid: bool, ticket_count: int, latency_ms: float) -> None:
    values = {"OrdersCreated": 1, "CheckoutLatency": latency_ms}
    if paid:
        values["TicketsSold"] = ticket_count
    metrics.emit_many(values, PaymentMethod=payment_method)


# A random order code is taken about never; a few attempts make it never.
ATTEMPTS = 4


def place_order(
    date: EventDate,
    quantities: Mapping[int, int],
    details: BuyerDetails,
    *,
    voucher_code: str | None = None,
    user: User | AnonymousUser | None = None,
    base_url: str,
    idempotency_key: str | None = None,
    ticket_types: Mapping[int, TicketType] | None = None,
    offers: Mapping[int, DateTicketType] | None = None,
    client: str | None = None,
    buyer: hoarding.Buyer | None = None,
    extra_claims: Sequence[statements.Claim] = (),
    key_unused: bool = False,
) -> PlacedOrder:
    """The one-step purchase of tickets for ``date`` (with its event loaded): validate,
    create the order, take the stock, start the payment; for a provider with a payment
    page, open it once the order is committed.

    With an ``idempotency_key``, a retry (or a racing duplicate) of the same
    request returns the first request's order instead of a second one; ``key_unused``:
    the caller just read that no order has the key (``PurchaseTarget.earlier_order``), so
    it is not asked again (a racing duplicate still finds the first when its write fails).
    With a ``buyer`` (a storefront or public API request), the order counts towards the
    buyer's share (sales.hoarding) and an unpaid bank transfer awaits the buyer's
    confirmation by email. ``extra_claims`` are made in the order's write, after the
    stock's and the buyer's share (an on-sale room's admission, used up by the order).
    Raises OrderInvalid or OrderConflict (of which stock.SoldOut is one,
    hoarding.BuyerLimitReached and ChallengeRequired others, and
    PaymentUnavailable, raised after the order is written, another), and
    vouchers.TooManyGuesses when ``client`` (the buyer's address) tried too many unknown codes.
    """
    started = time.perf_counter()
    event = date.event
    scope = f"purchase:{event.pk}"
    fingerprint = _fingerprint(date, quantities, details, voucher_code)
    if idempotency_key and not key_unused:
        earlier = _earlier_order(scope, idempotency_key, fingerprint)
        if earlier:
            return _with_payment_page(PlacedOrder(earlier, None, created=False), base_url)

    voucher = vouchers.find_voucher(event, voucher_code, date, client=client)
    if offers is None:
        offers = date_offers(date, quantities)
    lines = price(validate_selection(date, quantities, voucher, ticket_types, offers), voucher, offers)
    lines = taxed(event, lines, details.invoice_address)
    total = sum((line.total for line in lines), Decimal("0"))
    method = validate_buyer(details, event, sum(line.quantity for line in lines), total)
    take_stock = {line.ticket_type.pk: line.quantity for line in lines}
    email = limits.normalize_email(details.email)
    limited = limits.limits(event, {line.ticket_type: line.quantity for line in lines})
    limit_claims = limits.claims(limited, email)

    def attempt() -> PlacedOrder:
        for _ in range(ATTEMPTS):
            new = order_writer.build_order(
                date,
                lines,
                details,
                method,
                voucher,
                user,
                base_url,
                confirm_by_email=buyer is not None,
                client_hash=buyer.client if buyer else "",
            )
            share = hoarding.claims(date, buyer, details.email, _held(new)) if buyer else []
            share = [*share, *extra_claims]
            idempotency = None
            if idempotency_key:
                idempotency = IdempotencyRecord(
                    scope=scope, key=idempotency_key, fingerprint=fingerprint, order_code=new.order.code
                )
            try:
                order_writer.write(new, idempotency, take_stock, share, limit_claims)
            except IntegrityError:
                if idempotency_key:
                    earlier = _earlier_order(scope, idempotency_key, fingerprint)
                    if earlier:
                        return PlacedOrder(earlier, None, created=False)
                continue  # the random order code was taken (or a duplicate rolled back): try again
            return _placed(new, started)
        raise OrderConflict("The order could not be written; please try again.")

    try:
        placed = limits.guarded(
            limited,
            email,
            lambda: hoarding.guarded(
                date, buyer, details.email, lambda: stock.retrying_after_release(date, attempt)
            ),
        )
    except limits.EmailLimitReached:
        # A racing duplicate of an order placed under the same Idempotency-Key replays it.
        earlier = _earlier_order(scope, idempotency_key, fingerprint) if idempotency_key else None
        if earlier is None:
            raise
        placed = PlacedOrder(earlier, None, created=False)
    except stock.NotOnSale as exc:
        raise _off_sale(date) from exc
    except PaymentFailed as exc:
        raise OrderConflict(str(exc)) from exc
    return _with_payment_page(placed, base_url)


def _held(new: order_writer.NewOrder) -> int:
    """The tickets a new order holds against its buyer's share: a pending order's."""
    return len(new.tickets) if new.order.status == Order.Status.PENDING else 0


def _with_payment_page(placed: PlacedOrder, base_url: str) -> PlacedOrder:
    """An order paid on a provider's page (new, or an Idempotency-Key's earlier one still
    waiting), with the page opened or reused: the order is committed by now."""
    order = placed.order
    if order.status == Order.Status.PENDING and payment_pages.has_page(order):
        try:
            placed.payment = payment_pages.open_page(order, base_url)
        except PaymentUnavailable:
            raise
        except OrderConflict:
            if placed.created:
                raise
            # An earlier order past its deadline: the replay answers it as it is.
    return placed


def _fingerprint(
    date: EventDate, quantities: Mapping[int, int], details: BuyerDetails, voucher_code: str | None
) -> str:
    body = {
        "date": date.pk,  # the same key for another date of the event is another request
        "quantities": sorted((int(k), v) for k, v in quantities.items() if v),
        "email": details.email.strip().lower(),
        "name": details.name.strip(),
        "method": details.payment_method,
        "voucher": (voucher_code or "").strip().lower(),
        "attendees": details.attendee_names,
    }
    if details.answers:  # only then: keys recorded before answers existed keep their fingerprint
        body["answers"] = details.answers
    if details.invoice_address is not None:  # the same
        body["invoice_address"] = details.invoice_address.fingerprint()
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _earlier_order(scope: str, key: str, fingerprint: str) -> Order | None:
    """The order an earlier request with this Idempotency-Key placed, if any."""
    # A plain query: every keyed purchase asks this first, and almost always finds nothing.
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT fingerprint, order_code FROM {table} WHERE scope = %s AND key = %s",  # noqa: S608
            [scope, key],
        )
        record = cursor.fetchone()
    if record is None:
        return None
    if record[0] != fingerprint:
        raise IdempotencyMismatch()
    return Order.objects.filter(code=record[1]).first()


def _off_sale(date: EventDate) -> OrderConflict:
    """Why a date that was on sale a moment ago no longer is."""
    try:
        date.refresh_from_db(fields=["status", "ends_at", "sales_start", "sales_end"])
        date.event.refresh_from_db(fields=["status"])
        ensure_on_sale(date)
    except (Event.DoesNotExist, EventDate.DoesNotExist):
        pass
    except OrderConflict as conflict:
        return conflict
    return stock.NotOnSale()


# --- The web checkout: hold, then complete ------------------------------------------------


def start_checkout(
    date: EventDate,
    quantities: Mapping[int, int],
    voucher_code: str | None = None,
    *,
    client: str | None = None,
    buyer: hoarding.Buyer | None = None,
    minutes: int | None = None,
    extra_claims: Sequence[statements.Claim] = (),
) -> Hold:
    """Step 1: reserve the chosen tickets on ``date`` for ``minutes`` (the event's hold time
    by default; ``client``: the buyer's address, whose unknown voucher codes are limited, see
    ``vouchers.find_voucher``; with a ``buyer``, within the buyer's share: sales.hoarding).
    ``extra_claims`` are made in the hold's write after the stock's and the share's."""
    voucher = vouchers.find_voucher(date.event, voucher_code, date, client=client)
    selection = validate_selection(date, quantities, voucher)
    chosen = {t.pk: n for t, n in selection}
    share = [*(hoarding.claims(date, buyer, None, sum(chosen.values())) if buyer else []), *extra_claims]
    try:
        return hoarding.guarded(
            date,
            buyer,
            None,
            lambda: stock.hold(
                date,
                chosen,
                voucher=voucher,
                minutes=minutes,
                client_hash=buyer.client if buyer else "",
                extra_claims=share,
            ),
        )
    except stock.NotOnSale as exc:
        raise _off_sale(date) from exc


# Prices promised for a hold's tickets, by ticket type id, or None: a waiting list's offer
# is bought at the price it was made at (waitlist.services.offer_prices).
_hold_prices: list[Callable[[Hold], Mapping[int, Decimal] | None]] = []


def on_hold_prices(listener: Callable[[Hold], Mapping[int, Decimal] | None]) -> None:
    """Register ``listener(hold)``, which may fix the unit prices of a hold's tickets."""
    if listener not in _hold_prices:
        _hold_prices.append(listener)


def hold_lines(hold: Hold) -> list[PricedLine]:
    """The hold's tickets priced as on its date (the price when the order is placed), or at
    the prices promised for the hold (``on_hold_prices``)."""
    selection = [
        (line.ticket_type, line.quantity) for line in hold.lines.select_related("ticket_type").order_by("pk")
    ]
    offers = date_offers(hold.date, [t.pk for t, _ in selection])
    for listener in _hold_prices:
        for ticket_type_id, promised in (listener(hold) or {}).items():
            if ticket_type_id in offers:
                offers[ticket_type_id].price = promised  # this read's copy only, never saved
    return price(selection, hold.voucher, offers)


def complete_checkout(
    hold: Hold,
    details: BuyerDetails,
    *,
    user: User | AnonymousUser | None,
    base_url: str,
    buyer: hoarding.Buyer | None = None,
) -> PlacedOrder:
    """Step 2: turn a live hold into an order and start its payment (a provider's page
    is opened after the order is committed; PaymentUnavailable when it could not be).
    With a ``buyer``, the order counts towards its email's share (its client address
    already counts the hold) and an unpaid bank transfer awaits confirmation by email."""
    started = time.perf_counter()
    event = hold.event
    hold.date.event = event
    ensure_on_sale(hold.date)
    lines = taxed(event, hold_lines(hold), details.invoice_address)
    total = sum((line.total for line in lines), Decimal("0"))
    method = validate_buyer(details, event, sum(line.quantity for line in lines), total)
    # The hold's client key already counts its tickets; the order adds its email's.
    by_email = hoarding.Buyer(client="", solved=buyer.solved) if buyer else None
    email = limits.normalize_email(details.email)
    limited = limits.limits(event, {line.ticket_type: line.quantity for line in lines})
    limit_claims = limits.claims(limited, email)

    def attempt() -> PlacedOrder:
        with transaction.atomic():
            stock.confirm(hold)  # raises HoldExpired when the hold is gone
            new = order_writer.build_order(
                hold.date,
                lines,
                details,
                method,
                hold.voucher,
                user,
                base_url,
                confirm_by_email=buyer is not None,
                client_hash=hold.client_hash,
            )
            new.order.hold = hold  # a return to the checkout's address finds the order
            share = hoarding.claims(hold.date, by_email, details.email, _held(new)) if by_email else []
            # The hold has the stock; the email's limits are claimed now it is known.
            order_writer.write(new, None, take_stock=None, extra_claims=share, limit_claims=limit_claims)
            return _placed(new, started)

    try:
        placed = limits.guarded(
            limited, email, lambda: hoarding.guarded(hold.date, by_email, details.email, attempt)
        )
    except PaymentFailed as exc:
        # The whole transaction rolled back: the hold is live again for another try.
        raise OrderInvalid(str(exc), "card_number") from exc
    return _with_payment_page(placed, base_url)
