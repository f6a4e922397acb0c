"""Placing, paying, cancelling and refunding orders.

The web checkout (hold, then complete) and the one-step purchase API share the
same validation and pricing, and take stock only through sales.stock.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core import metrics, outbox, rows, statements
from core.models import OutboxMessage
from core.money import quantize
from events.models import Event, TicketType
from sales import order_statement, stock
from sales.emails import order_confirmation, queue_order_confirmation
from sales.models import (
    Hold,
    IdempotencyRecord,
    Order,
    OrderLine,
    Payment,
    Refund,
    Ticket,
    Voucher,
    new_order_code,
)
from sales.payments import FreeProvider, PaymentFailed, PaymentStart, accepted_methods, provider

logger = logging.getLogger(__name__)


class PurchaseInvalid(Exception):
    """The request itself is wrong (answered 422). ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "form") -> None:
        super().__init__(message)
        self.field = field


class PurchaseConflict(Exception):
    """The request is fine but cannot be served now (409): sold out, sales closed, voucher used up."""


class IdempotencyMismatch(PurchaseInvalid):
    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used for a different purchase.", "idempotency_key")


@dataclass
class BuyerDetails:
    name: str
    email: str
    payment_method: str
    attendee_names: list[str] = field(default_factory=list)
    card_number: str = ""


@dataclass(frozen=True)
class PricedLine:
    ticket_type: TicketType
    quantity: int
    unit_price: Decimal
    discount: Decimal  # for the whole line

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity - self.discount


# --- Validation and pricing -----------------------------------------------------------


def find_voucher(event: Event, code: str | None) -> Voucher | None:
    """The event's voucher with this code (any case), checked for validity; None when no code is given."""
    code = (code or "").strip()
    if not code:
        return None
    voucher = Voucher.objects.filter(event=event, code__iexact=code).prefetch_related("ticket_types").first()
    if voucher is None:
        raise PurchaseInvalid("This voucher code is not valid for this event.", "voucher")
    now = timezone.now()
    if (voucher.valid_from and voucher.valid_from > now) or (
        voucher.valid_until and voucher.valid_until < now
    ):
        raise PurchaseConflict("This voucher is not valid at this time.")
    if voucher.redeemed >= voucher.max_usages:
        raise PurchaseConflict("This voucher has already been used up.")
    return voucher


def ensure_on_sale(event: Event) -> None:
    if event.status == Event.Status.CANCELLED:
        raise PurchaseConflict("This event has been cancelled; tickets are no longer sold.")
    if event.status != Event.Status.PUBLISHED:
        raise PurchaseConflict("This event is not on sale.")
    if event.has_ended:
        raise PurchaseConflict("This event is over; tickets are no longer sold.")


# Ids are 64-bit integers; a larger number cannot name a row (and SQLite refuses to compare it).
MAX_ID = 2**63 - 1


def _is_id(value: int) -> bool:
    return 0 < value <= MAX_ID


def event_for_purchase(slug: str, ticket_type_ids: Iterable[int]) -> tuple[Event, dict[int, TicketType]]:
    """The event with this slug and those of its ticket types with these ids, in one query
    (the purchase API needs both on every request). Raises Event.DoesNotExist."""
    ids = sorted({int(i) for i in ticket_type_ids if _is_id(int(i))})
    event_columns, type_columns = rows.columns(Event, "e"), rows.columns(TicketType, "t")
    wanted = f"t.id IN ({', '.join(['%s'] * len(ids))})" if ids else "FALSE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(event_columns + type_columns)} FROM {Event._meta.db_table} e "  # noqa: S608
            f"LEFT JOIN {TicketType._meta.db_table} t ON t.event_id = e.id AND {wanted} WHERE e.slug = %s",
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


def validate_selection(
    event: Event,
    quantities: Mapping[int, int],
    voucher: Voucher | None,
    ticket_types: Mapping[int, TicketType] | None = None,
) -> list[tuple[TicketType, int]]:
    """Check the requested ticket types and counts; return them with their ticket types.

    ``ticket_types`` are the event's ticket types by id when already loaded
    (``event_for_purchase``); otherwise they are queried."""
    ensure_on_sale(event)
    wanted = {int(k): v for k, v in quantities.items() if v}
    if not wanted:
        raise PurchaseInvalid("Choose at least one ticket.", "quantities")
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in wanted.values()):
        raise PurchaseInvalid("Ticket quantities must be whole numbers, zero or more.", "quantities")
    if sum(wanted.values()) > settings.MAX_TICKETS_PER_ORDER:
        raise PurchaseInvalid(
            f"An order can have at most {settings.MAX_TICKETS_PER_ORDER} tickets.", "quantities"
        )
    if ticket_types is None:
        ticket_types = {
            t.pk: t for t in TicketType.objects.filter(event=event, pk__in=[i for i in wanted if _is_id(i)])
        }
    unknown = set(wanted) - set(ticket_types)
    if unknown:
        raise PurchaseInvalid("Some of the chosen ticket types do not exist for this event.", "quantities")
    unlocked = {t.pk for t in voucher.ticket_types.all()} if voucher else set()
    now = timezone.now()
    selection = []
    for ticket_type_id in sorted(wanted):
        ticket_type, n = ticket_types[ticket_type_id], wanted[ticket_type_id]
        if ticket_type.hidden and ticket_type.pk not in unlocked:
            raise PurchaseInvalid(
                "Some of the chosen ticket types do not exist for this event.", "quantities"
            )
        if ticket_type.sales_start and ticket_type.sales_start > now:
            raise PurchaseConflict(f"“{ticket_type.name}” is not on sale yet.")
        if ticket_type.sales_end and ticket_type.sales_end <= now:
            raise PurchaseConflict(f"Sales of “{ticket_type.name}” have ended.")
        if not ticket_type.min_per_order <= n <= ticket_type.max_per_order:
            raise PurchaseInvalid(
                f"“{ticket_type.name}”: choose between {ticket_type.min_per_order} and "
                f"{ticket_type.max_per_order} tickets.",
                "quantities",
            )
        selection.append((ticket_type, n))
    return selection


def price(selection: list[tuple[TicketType, int]], voucher: Voucher | None) -> list[PricedLine]:
    """Prices and the voucher's discount per line; amounts are Decimal, rounded to cents."""
    restricted = {t.pk for t in voucher.ticket_types.all()} if voucher else set()
    lines = []
    for ticket_type, n in selection:
        per_ticket = Decimal("0")
        if voucher and (not restricted or ticket_type.pk in restricted):
            if voucher.kind == Voucher.Kind.PERCENT:
                per_ticket = quantize(ticket_type.price * voucher.value / 100)
            else:
                per_ticket = min(voucher.value, ticket_type.price)
        lines.append(PricedLine(ticket_type, n, ticket_type.price, per_ticket * n))
    return lines


def _validate_buyer(details: BuyerDetails, event: Event, ticket_count: int, total: Decimal) -> str:
    """Check the buyer's details; return the payment method to use."""
    if not details.name.strip():
        raise PurchaseInvalid("Enter your name.", "name")
    try:
        validate_email(details.email)
    except ValidationError as exc:
        raise PurchaseInvalid("Enter a valid email address.", "email") from exc
    if details.attendee_names and len(details.attendee_names) != ticket_count:
        raise PurchaseInvalid("Give one attendee name per ticket.", "attendee_names")
    if event.collect_attendee_names and not all(n.strip() for n in details.attendee_names or [""]):
        raise PurchaseInvalid("Enter the name of every attendee.", "attendee_names")
    if total == 0:
        return FreeProvider.name
    methods = {p.name for p in accepted_methods(event.payment_methods)}
    if details.payment_method not in methods:
        raise PurchaseInvalid("Choose one of the payment methods this event accepts.", "payment_method")
    return details.payment_method


# --- Creating orders --------------------------------------------------------------------


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


def _build_order(
    event: Event,
    code: str,
    lines: list[PricedLine],
    details: BuyerDetails,
    method: str,
    voucher: Voucher | None,
    user: AbstractBaseUser | None,
    base_url: str,
) -> NewOrder:
    """Start the payment and build (without saving) the order, its lines, tickets,
    payment and confirmation email. Writing them is ``_save_order``'s or
    sales.order_statement's job; both write exactly these rows."""
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    discount = sum((line.discount for line in lines), Decimal("0"))
    order = Order(
        code=code,
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


def _save_order(new: NewOrder) -> None:
    """Write a built order with the ORM, inside the caller's transaction; takes no stock."""
    new.order.save(force_insert=True)
    OrderLine.objects.bulk_create(new.lines)
    Ticket.objects.bulk_create(new.tickets)
    if new.payment is not None:
        new.payment.save(force_insert=True)
    if new.voucher is not None:
        redeemed = Voucher.objects.filter(pk=new.voucher.pk, redeemed__lt=F("max_usages")).update(
            redeemed=F("redeemed") + 1
        )
        if not redeemed:
            raise PurchaseConflict("This voucher has already been used up.")
    new.confirmation.save(force_insert=True)
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


def place_order(
    event: Event,
    quantities: Mapping[int, int],
    details: BuyerDetails,
    *,
    voucher_code: str | None = None,
    user: AbstractBaseUser | None = None,
    base_url: str,
    idempotency_key: str | None = None,
    ticket_types: Mapping[int, TicketType] | None = None,
) -> PlacedOrder:
    """The one-step purchase: validate, create the order, take the stock, start the payment.

    With an ``idempotency_key``, a retry (or a racing duplicate) of the same
    request returns the first request's order instead of a second one.
    """
    started = time.perf_counter()
    scope = f"purchase:{event.pk}"
    fingerprint = _fingerprint(quantities, details, voucher_code)
    if idempotency_key:
        earlier = _earlier_order(scope, idempotency_key, fingerprint)
        if earlier:
            return PlacedOrder(earlier, None, created=False)

    voucher = find_voucher(event, voucher_code)
    lines = price(validate_selection(event, quantities, voucher, ticket_types), voucher)
    total = sum((line.total for line in lines), Decimal("0"))
    method = _validate_buyer(details, event, sum(line.quantity for line in lines), total)
    quantities_by_type = {line.ticket_type.pk: line.quantity for line in lines}
    released_expired = False
    for _ in range(4):
        try:
            new = _build_order(event, new_order_code(), lines, details, method, voucher, user, base_url)
            idempotency = (
                IdempotencyRecord(
                    scope=scope, key=idempotency_key, fingerprint=fingerprint, order_code=new.order.code
                )
                if idempotency_key
                else None
            )
            if statements.available():
                order_statement.insert(new, idempotency=idempotency, take_stock=quantities_by_type)
            else:
                with transaction.atomic():
                    if idempotency:
                        # Taken first: a concurrent duplicate blocks on this unique key
                        # until we commit, then finds our order.
                        idempotency.save(force_insert=True)
                    _save_order(new)
                    # Last, so the stock rows stay locked only until the COMMIT right after.
                    stock.acquire(event, quantities_by_type)
            placed = _placed(new, started)
        except IntegrityError:
            if idempotency_key:
                earlier = _earlier_order(scope, idempotency_key, fingerprint)
                if earlier:
                    return PlacedOrder(earlier, None, created=False)
            continue  # the random order code was taken (or a duplicate rolled back): try again
        except stock.SoldOut as exc:
            # Expired holds and overdue orders may still count; free them once and retry.
            if not released_expired and stock.release_expired(event):
                released_expired = True
                continue
            raise PurchaseConflict(str(exc)) from exc
        except order_statement.VoucherUsedUp as exc:
            raise PurchaseConflict("This voucher has already been used up.") from exc
        except stock.NotOnSale as exc:
            raise _off_sale(event) from exc
        except PaymentFailed as exc:
            raise PurchaseConflict(str(exc)) from exc
        return placed
    raise RuntimeError("Could not place the order after several attempts.")


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
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT fingerprint, order_code FROM {IdempotencyRecord._meta.db_table} "  # noqa: S608 - a table name
            "WHERE scope = %s AND key = %s",
            [scope, key],
        )
        record = cursor.fetchone()
    if record is None:
        return None
    if record[0] != fingerprint:
        raise IdempotencyMismatch()
    return Order.objects.filter(code=record[1]).first()


# --- The web checkout: hold, then complete ------------------------------------------------


def start_checkout(event: Event, quantities: Mapping[int, int], voucher_code: str | None = None) -> Hold:
    """Step 1: reserve the chosen tickets for the event's hold time."""
    voucher = find_voucher(event, voucher_code)
    selection = validate_selection(event, quantities, voucher)
    try:
        return stock.hold(event, {t.pk: n for t, n in selection}, voucher=voucher)
    except stock.SoldOut as exc:
        raise PurchaseConflict(str(exc)) from exc
    except stock.NotOnSale as exc:
        raise _off_sale(event) from exc


def _off_sale(event: Event) -> PurchaseConflict:
    """Why an event that was on sale a moment ago no longer is."""
    try:
        event.refresh_from_db(fields=["status", "ends_at"])
        ensure_on_sale(event)
    except Event.DoesNotExist:
        pass
    except PurchaseConflict as conflict:
        return conflict
    return PurchaseConflict("This event is not on sale.")


def hold_lines(hold: Hold) -> list[PricedLine]:
    selection = [(line.ticket_type, line.quantity) for line in hold.lines.select_related("ticket_type")]
    return price(selection, hold.voucher)


def complete_checkout(
    hold: Hold, details: BuyerDetails, *, user: AbstractBaseUser | None, base_url: str
) -> PlacedOrder:
    """Step 2: turn a live hold into an order and start its payment."""
    started = time.perf_counter()
    event = hold.event
    ensure_on_sale(event)
    lines = hold_lines(hold)
    total = sum((line.total for line in lines), Decimal("0"))
    method = _validate_buyer(details, event, sum(line.quantity for line in lines), total)
    try:
        with transaction.atomic():
            stock.confirm(hold)  # raises HoldExpired when the hold is gone
            new = _build_order(event, new_order_code(), lines, details, method, hold.voucher, user, base_url)
            _save_order(new)
            placed = _placed(new, started)
    except PaymentFailed as exc:
        # The whole transaction rolled back: the hold is live again for another try.
        raise PurchaseInvalid(str(exc), "card_number") from exc
    return placed


# --- After the purchase ---------------------------------------------------------------------


def order_url(order: Order, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/orders/{order.code}/{order.secret}/"


@transaction.atomic
def mark_paid(order: Order, reference: str = "", base_url: str | None = None) -> Order:
    """Record the payment of a pending order (a bank transfer arrived, Stripe confirmed).

    With ``base_url`` the buyer is emailed the confirmation with the tickets.
    """
    now = timezone.now()
    if Order.objects.filter(pk=order.pk, status=Order.Status.PENDING).update(
        status=Order.Status.PAID, paid_at=now
    ):
        if base_url:
            queue_order_confirmation(order, base_url)
        Payment.objects.filter(order=order, status=Payment.Status.CREATED).update(
            status=Payment.Status.SUCCEEDED, **({"reference": reference} if reference else {})
        )
        if (
            not Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).exists()
            and order.total > 0
        ):
            Payment.objects.create(
                order=order,
                provider=order.payment_method,
                amount=order.total,
                status="succeeded",
                reference=reference,
            )
        order.refresh_from_db()
        tickets = order.tickets.count()
        transaction.on_commit(lambda: metrics.emit("TicketsSold", tickets))
        return order
    order.refresh_from_db()
    if order.status == Order.Status.EXPIRED:
        # The money came after the deadline and the stock went back: take it again if it is still there.
        try:
            stock.acquire(order.event, stock.order_quantities(order.pk))
        except stock.SoldOut as exc:
            raise PurchaseConflict("The order expired and its tickets have been sold meanwhile.") from exc
        Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=now, cancelled_at=None)
        order.refresh_from_db()
        return order
    if order.status != Order.Status.PAID:
        raise PurchaseConflict(f"A {order.get_status_display().lower()} order cannot be marked paid.")
    return order


def cancel(order: Order) -> Order:
    """Cancel a pending or paid order: its tickets become void and the stock returns."""
    if not stock.close_order(order.pk, Order.HOLDING_STOCK, Order.Status.CANCELLED):
        order.refresh_from_db()
        raise PurchaseConflict(f"A {order.get_status_display().lower()} order cannot be cancelled.")
    order.refresh_from_db()
    return order


def expire_unpaid(order: Order) -> bool:
    """A pending order whose payment will not come (e.g. Stripe's page expired): free its stock now."""
    return stock.close_order(order.pk, (Order.Status.PENDING,), Order.Status.EXPIRED)


@transaction.atomic
def refund(
    order: Order,
    amount: Decimal | None = None,
    *,
    tickets: list[int] | None = None,
    by: AbstractBaseUser | None = None,
    reason: str = "",
) -> Refund | None:
    """Refund part or all of a paid order, through its provider where it supports refunds.

    With ``tickets`` (ids of the order's tickets) those tickets become void and
    their stock returns; the amount defaults to their price. A refund that
    reaches the order's total ends the order: every ticket is void and all its
    stock returns.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PAID:
        raise PurchaseConflict("Only paid orders can be refunded.")
    voiding: list[Ticket] = []
    if tickets:
        voiding = list(Ticket.objects.filter(order=order, pk__in=tickets, voided_at__isnull=True))
        if len(voiding) != len(set(tickets)):
            raise PurchaseInvalid(
                "Some of these tickets are not in this order or were refunded already.", "tickets"
            )
        if amount is None:
            amount = sum((t.price for t in voiding), Decimal("0"))
    if amount is None:
        raise PurchaseInvalid("Give the amount to refund, or the tickets to refund.", "amount")
    amount = quantize(Decimal(amount))
    refundable = order.total - order.refunded_amount
    if amount < 0 or (amount == 0 and not voiding) or amount > refundable:
        raise PurchaseInvalid(
            f"The refund must be more than 0 and at most {refundable} {order.currency}.", "amount"
        )
    payment_provider = provider(order.payment_method)
    reference = ""
    if payment_provider.supports_refunds and amount > 0:
        payment = order.payments.filter(status=Payment.Status.SUCCEEDED).order_by("-created_at").first()
        reference = payment_provider.refund(order, amount, payment.reference if payment else "")
    refund_record = None
    if amount > 0:  # voiding free tickets moves no money
        refund_record = Refund.objects.create(
            order=order,
            amount=amount,
            provider=order.payment_method,
            reference=reference,
            reason=reason,
            created_by=by,
        )
    if voiding:
        quantities: Counter[int] = Counter(t.ticket_type_id for t in voiding)
        Ticket.objects.filter(pk__in=[t.pk for t in voiding]).update(voided_at=timezone.now())
        stock.give_back(order.event_id, quantities)
    order.refunded_amount += amount
    order.save(update_fields=["refunded_amount"])
    everything_void = not Ticket.objects.filter(order=order, voided_at__isnull=True).exists()
    if order.refunded_amount == order.total or everything_void:
        stock.close_order(order.pk, (Order.Status.PAID,), Order.Status.REFUNDED)
    return refund_record


def sold_counts(event: Event) -> Counter[int]:
    """Tickets in pending or paid orders, per ticket type id."""
    counts: Counter[int] = Counter()
    for ticket_type_id, n in OrderLine.objects.filter(
        order__event=event, order__status__in=Order.HOLDING_STOCK
    ).values_list("ticket_type_id", "quantity"):
        counts[ticket_type_id] += n
    return counts
