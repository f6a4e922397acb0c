"""Placing orders: the one-step purchase (API) and the web checkout (hold, then complete).

Both validate and price through sales.pricing and write through ``_write``, the
one writer of an order: the order's rows are built once (``NewOrder``), and the
rules that decide whether it may be written are claims written once (stock in
sales.stock, the voucher's use in sales.vouchers). On PostgreSQL the claims and
the rows are one autocommitted statement; elsewhere one transaction writes the
rows with the ORM and makes the same claims last (core.statements).
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
from django.utils import timezone

from accounts.models import User
from core import metrics, outbox, rows, statements
from core.models import OutboxMessage
from core.money import quantize
from events.models import Event, TicketType
from sales import stock, vouchers
from sales.emails import order_confirmation
from sales.exceptions import IdempotencyMismatch, OrderConflict, OrderInvalid
from sales.models import (
    Hold,
    IdempotencyRecord,
    Order,
    OrderLine,
    Payment,
    Ticket,
    Voucher,
    new_order_code,
    order_url,
)
from sales.payments import PaymentFailed, PaymentStart, provider
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


@dataclass
class NewOrder:
    """Every row of an order about to be written, with its final values."""

    order: Order
    lines: list[OrderLine]
    tickets: list[Ticket]
    payment: Payment | None
    payment_start: PaymentStart
    voucher: Voucher | None
    confirmation: OutboxMessage


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


def _build_order(
    event: Event,
    lines: list[PricedLine],
    details: BuyerDetails,
    method: str,
    voucher: Voucher | None,
    user: User | AnonymousUser | None,
    base_url: str,
) -> NewOrder:
    """Start the payment and build (without saving) the order, its lines, tickets,
    payment and confirmation email: the rows ``_write`` writes."""
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    discount = sum((line.discount for line in lines), Decimal("0"))
    order = Order(
        code=new_order_code(),
        event=event,
        user=user if user is not None and user.is_authenticated else None,
        buyer_name=details.name.strip(),
        buyer_email=details.email.strip().lower(),
        payment_method=method,
        currency=event.currency,
        subtotal=subtotal,
        discount=discount,
        total=subtotal - discount,
        voucher=voucher,
    )
    start = provider(method).start(
        order, return_url=order_url(order, base_url), card_number=details.card_number
    )
    if start.paid:
        order.status, order.paid_at = Order.Status.PAID, timezone.now()
    else:
        order.payment_deadline = start.payment_deadline
    order_lines = [
        OrderLine(
            order=order,
            ticket_type=line.ticket_type,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            total=line.total,
        )
        for line in lines
    ]
    names = iter([n.strip() for n in details.attendee_names])
    tickets = [
        Ticket(
            order=order,
            ticket_type=line.ticket_type,
            attendee_name=next(names, ""),
            price=quantize(line.total / line.quantity),
        )
        for line in lines
        for _ in range(line.quantity)
    ]
    payment = None
    if order.total > 0:
        payment = Payment(
            order=order,
            provider=method,
            amount=order.total,
            status=Payment.Status.SUCCEEDED if start.paid else Payment.Status.CREATED,
            reference=start.reference,
        )
    return NewOrder(order, order_lines, tickets, payment, start, voucher, order_confirmation(order, base_url))


def _save_rows(new: NewOrder) -> None:
    """Insert a built order's rows with the ORM, inside the caller's transaction."""
    new.order.save(force_insert=True)
    OrderLine.objects.bulk_create(new.lines)
    Ticket.objects.bulk_create(new.tickets)
    if new.payment is not None:
        new.payment.save(force_insert=True)
    new.confirmation.save(force_insert=True)
    outbox.dispatch_on_commit(new.confirmation)


def _claims(new: NewOrder, take_stock: Mapping[int, int] | None) -> list[statements.Claim]:
    """What writing ``new`` claims: stock (unless a hold already has it), the voucher's use."""
    claims = stock.take(new.order.event_id, take_stock) if take_stock else []
    if new.voucher is not None:
        claims.append(vouchers.use(new.voucher.pk))
    return claims


def _write(
    new: NewOrder, idempotency: IdempotencyRecord | None, take_stock: Mapping[int, int] | None
) -> None:
    """Write ``new`` and make its claims, all or nothing.

    Raises the claims' exceptions (stock.SoldOut, stock.NotOnSale,
    stock.TicketTypesGone, vouchers.VoucherUsedUp, vouchers.VoucherGone) or
    IntegrityError (a taken order code or Idempotency-Key).
    """
    claims = _claims(new, take_stock)
    if statements.available():
        _write_statement(new, idempotency, claims)
        return
    with transaction.atomic():
        if idempotency is not None:
            # First: a concurrent duplicate blocks on this unique key until we
            # commit, then finds our order.
            idempotency.save(force_insert=True)
        _save_rows(new)
        # Last, so the counters' row locks are held only until the COMMIT right after.
        statements.claim(claims)
    if new.voucher is not None:
        new.voucher.redeemed += 1


def _write_statement(
    new: NewOrder, idempotency: IdempotencyRecord | None, claims: list[statements.Claim]
) -> None:
    """``_write`` as one PostgreSQL statement (ADR 0012)."""
    statement = statements.Statement(claims)
    statement.insert("new_order", [new.order])
    statement.insert("new_lines", new.lines, parent=("order_id", "new_order"))
    statement.insert("new_tickets", new.tickets, parent=("order_id", "new_order"))
    # Ids keyed by what identifies each row: its ticket type, its secret.
    statement.select("(SELECT id FROM new_order)")
    statement.select("(SELECT json_object_agg(ticket_type_id, id) FROM new_lines)")
    statement.select("(SELECT json_object_agg(secret, id) FROM new_tickets)")
    if new.payment is not None:
        statement.insert("new_payment", [new.payment], parent=("order_id", "new_order"))
        statement.select("(SELECT id FROM new_payment)")
    if idempotency is not None:
        statement.insert("new_key", [idempotency])
    statement.insert("new_message", [new.confirmation])
    statement.select("(SELECT id FROM new_message)")
    selected = list(statement.run(serialize=new.order.event_id))

    order_id, line_ids, ticket_ids = selected[0], selected[1], selected[2]
    statements.saved(new.order, order_id)
    for line in new.lines:
        statements.saved(line, line_ids[str(line.ticket_type_id)], order_id=order_id)
    for ticket in new.tickets:
        statements.saved(ticket, ticket_ids[ticket.secret], order_id=order_id)
    rest = selected[3:]
    if new.payment is not None:
        statements.saved(new.payment, rest.pop(0), order_id=order_id)
    if new.voucher is not None:
        new.voucher.redeemed += 1
    statements.saved(new.confirmation, rest.pop(0))
    outbox.dispatch_on_commit(new.confirmation)


def _placed(new: NewOrder, started: float) -> PlacedOrder:
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
            new = _build_order(event, lines, details, method, voucher, user, base_url)
            idempotency = None
            if idempotency_key:
                idempotency = IdempotencyRecord(
                    scope=scope, key=idempotency_key, fingerprint=fingerprint, order_code=new.order.code
                )
            try:
                _write(new, idempotency, take_stock)
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
            new = _build_order(event, lines, details, method, hold.voucher, user, base_url)
            _write(new, None, take_stock=None)  # the hold already has the stock
            placed = _placed(new, started)
    except PaymentFailed as exc:
        # The whole transaction rolled back: the hold is live again for another try.
        raise OrderInvalid(str(exc), "card_number") from exc
    return placed
