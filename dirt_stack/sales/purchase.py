"""Placing orders: the one-step purchase (API) and the web checkout (hold, then complete).

Both validate and price through sales.pricing and write through
sales.order_writer, the one writer of an order.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from core import metrics, rows
from events.models import Event, TicketType
from sales import order_writer, stock, vouchers
from sales.exceptions import IdempotencyMismatch, OrderConflict, OrderInvalid
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
    ensure_on_sale,
    is_id,
    price,
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


def event_for_purchase(slug: str, ticket_type_ids: Iterable[int]) -> tuple[Event, dict[int, TicketType]]:
    """The event with this slug and those of its ticket types with these ids, in one query
    (the purchase API needs both on every request). Raises Event.DoesNotExist."""
    ids = sorted({int(i) for i in ticket_type_ids if is_id(int(i))})
    event_columns, type_columns = rows.columns(Event, "e"), rows.columns(TicketType, "t")
    quote = connection.ops.quote_name
    wanted = f"t.id IN ({', '.join(['%s'] * len(ids))})" if ids else "FALSE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(event_columns + type_columns)} FROM {quote(Event._meta.db_table)} e "  # noqa: S608
            f"LEFT JOIN {quote(TicketType._meta.db_table)} t ON t.event_id = e.id AND {wanted} "
            "WHERE e.slug = %s",
            [*ids, slug],
        )
        found = cursor.fetchall()
    if not found:
        raise Event.DoesNotExist(slug)
    split = len(event_columns)
    event = rows.instance(Event, found[0][:split])
    ticket_types = {}
    for row in found:
        if row[split] is not None:
            ticket_type = rows.instance(TicketType, row[split:])
            ticket_type.event = event
            ticket_types[ticket_type.pk] = ticket_type
    return event, ticket_types


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
    event: Event,
    quantities: Mapping[int, int],
    details: BuyerDetails,
    *,
    voucher_code: str | None = None,
    user: User | AnonymousUser | None = None,
    base_url: str,
    idempotency_key: str | None = None,
    ticket_types: Mapping[int, TicketType] | None = None,
) -> PlacedOrder:
    """The one-step purchase: validate, create the order, take the stock, start the payment.

    With an ``idempotency_key``, a retry (or a racing duplicate) of the same
    request returns the first request's order instead of a second one.
    Raises OrderInvalid or OrderConflict (of which stock.SoldOut is one).
    """
    started = time.perf_counter()
    scope = f"purchase:{event.pk}"
    fingerprint = _fingerprint(quantities, details, voucher_code)
    if idempotency_key:
        earlier = _earlier_order(scope, idempotency_key, fingerprint)
        if earlier:
            return PlacedOrder(earlier, None, created=False)

    voucher = vouchers.find_voucher(event, voucher_code)
    lines = price(validate_selection(event, quantities, voucher, ticket_types), voucher)
    total = sum((line.total for line in lines), Decimal("0"))
    method = validate_buyer(details, event, sum(line.quantity for line in lines), total)
    take_stock = {line.ticket_type.pk: line.quantity for line in lines}

    def attempt() -> PlacedOrder:
        for _ in range(ATTEMPTS):
            new = order_writer.build_order(event, lines, details, method, voucher, user, base_url)
            idempotency = None
            if idempotency_key:
                idempotency = IdempotencyRecord(
                    scope=scope, key=idempotency_key, fingerprint=fingerprint, order_code=new.order.code
                )
            try:
                order_writer.write(new, idempotency, take_stock)
            except IntegrityError:
                if idempotency_key:
                    earlier = _earlier_order(scope, idempotency_key, fingerprint)
                    if earlier:
                        return PlacedOrder(earlier, None, created=False)
                continue  # the random order code was taken (or a duplicate rolled back): try again
            return _placed(new, started)
        raise OrderConflict("The order could not be written; please try again.")

    try:
        return stock.retrying_after_release(event, attempt)
    except stock.NotOnSale as exc:
        raise _off_sale(event) from exc
    except PaymentFailed as exc:
        raise OrderConflict(str(exc)) from exc


def _fingerprint(quantities: Mapping[int, int], details: BuyerDetails, voucher_code: str | None) -> str:
    body = {
        "quantities": sorted((int(k), v) for k, v in quantities.items() if v),
        "email": details.email.strip().lower(),
        "name": details.name.strip(),
        "method": details.payment_method,
        "voucher": (voucher_code or "").strip().lower(),
        "attendees": details.attendee_names,
    }
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


def _off_sale(event: Event) -> OrderConflict:
    """Why an event that was on sale a moment ago no longer is."""
    try:
        event.refresh_from_db(fields=["status", "ends_at"])
        ensure_on_sale(event)
    except Event.DoesNotExist:
        pass
    except OrderConflict as conflict:
        return conflict
    return stock.NotOnSale()


# --- The web checkout: hold, then complete ------------------------------------------------


def start_checkout(event: Event, quantities: Mapping[int, int], voucher_code: str | None = None) -> Hold:
    """Step 1: reserve the chosen tickets for the event's hold time."""
    voucher = vouchers.find_voucher(event, voucher_code)
    selection = validate_selection(event, quantities, voucher)
    try:
        return stock.hold(event, {t.pk: n for t, n in selection}, voucher=voucher)
    except stock.NotOnSale as exc:
        raise _off_sale(event) from exc


def hold_lines(hold: Hold) -> list[PricedLine]:
    selection = [(line.ticket_type, line.quantity) for line in hold.lines.select_related("ticket_type")]
    return price(selection, hold.voucher)


def complete_checkout(
    hold: Hold, details: BuyerDetails, *, user: User | AnonymousUser | None, base_url: str
) -> PlacedOrder:
    """Step 2: turn a live hold into an order and start its payment."""
    started = time.perf_counter()
    event = hold.event
    ensure_on_sale(event)
    lines = hold_lines(hold)
    total = sum((line.total for line in lines), Decimal("0"))
    method = validate_buyer(details, event, sum(line.quantity for line in lines), total)
    try:
        with transaction.atomic():
            stock.confirm(hold)  # raises HoldExpired when the hold is gone
            new = order_writer.build_order(event, lines, details, method, hold.voucher, user, base_url)
            order_writer.write(new, None, take_stock=None)  # the hold already has the stock
            placed = _placed(new, started)
    except PaymentFailed as exc:
        # The whole transaction rolled back: the hold is live again for another try.
        raise OrderInvalid(str(exc), "card_number") from exc
    return placed
