"""Stock: the only code that changes how many tickets are left.

Each ticket type and each event carries an ``allocated`` counter: tickets in
pending or paid orders plus tickets in live holds. The API is small:

- ``availability(event, ticket_types)``: what buyers may still take, per type;
- ``hold(event, quantities, ...)``: set stock aside for a buyer (a cart);
- ``release(hold)``: give a hold's stock back;
- ``confirm(hold)``: turn a live hold into an order's stock (the counter stays);
- ``acquire(event, quantities)`` / ``give_back(event, quantities)``: take or
  return stock directly, for one-step purchases and cancellations;
- ``release_expired(event)``: return the stock of expired holds and of pending
  orders past their payment deadline;
- ``take_stock_sql`` / ``take_stock_params``: ``acquire`` as SQL, for the
  one-statement writes on PostgreSQL (a purchase in sales.order_statement, a
  hold here).

Why it cannot oversell (ADR 0012): stock is taken by one conditional UPDATE per
counter, ``allocated = allocated + n WHERE allocated + n <= capacity``, and a
CHECK constraint forbids ``allocated > capacity`` outright. On PostgreSQL the
UPDATE takes the row lock and re-checks its condition against the latest
committed value; on SQLite (IMMEDIATE transactions) writers run one at a time.
Callers run ``acquire`` as the last statement before COMMIT, so a counter's
row lock is held only for the end of the purchase; on PostgreSQL a one-step
purchase and a hold go further: each takes stock and writes its rows in one
autocommitted statement, so the lock never waits on the application.

Expired holds need no background worker: availability subtracts them, and a
purchase that finds no stock first releases them and tries once more.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from core import metrics, statements
from events.models import Event, TicketType
from sales.models import Hold, HoldLine, Order, OrderLine, Ticket, Voucher


class SoldOut(Exception):
    """Not enough tickets left; ``ticket_type`` is the one that ran out (None: the event)."""

    def __init__(self, ticket_type: TicketType | None = None) -> None:
        self.ticket_type = ticket_type
        what = f"“{ticket_type.name}”" if ticket_type else "this event"
        super().__init__(f"Sorry, {what} is sold out or has fewer tickets left than you asked for.")


class NotOnSale(Exception):
    """Nothing was taken: the event stopped being on sale (unpublished, cancelled)
    after the caller checked it."""


class HoldExpired(Exception):
    def __init__(self) -> None:
        super().__init__(
            "Your reservation has expired and the tickets were released. Please choose them again."
        )


# --- Reading -------------------------------------------------------------------


def _expired_quantities(event: Event, now: dt.datetime) -> Counter[int]:
    """Per ticket type id: tickets still counted in ``allocated`` that are in fact free again."""
    expired: Counter[int] = Counter()
    holds = (
        HoldLine.objects.filter(hold__event=event, hold__status=Hold.Status.LIVE, hold__expires_at__lte=now)
        .values_list("ticket_type_id")
        .annotate(n=Sum("quantity"))
    )
    orders = (
        OrderLine.objects.filter(
            order__event=event, order__status=Order.Status.PENDING, order__payment_deadline__lte=now
        )
        .values_list("ticket_type_id")
        .annotate(n=Sum("quantity"))
    )
    for ticket_type_id, n in [*holds, *orders]:
        expired[ticket_type_id] += n
    return expired


def availability(event: Event, ticket_types: Iterable[TicketType]) -> dict[int, int]:
    """Tickets still available per ticket type id (never negative), without writing anything."""
    expired = _expired_quantities(event, timezone.now())
    shared = None
    if event.capacity is not None:
        shared = max(event.capacity - event.allocated + sum(expired.values()), 0)
    result = {}
    for ticket_type in ticket_types:
        own = max(ticket_type.capacity - ticket_type.allocated + expired[ticket_type.pk], 0)
        result[ticket_type.pk] = own if shared is None else min(own, shared)
    return result


# --- Changing ----------------------------------------------------------------------


def acquire(event: Event, quantities: Mapping[int, int]) -> None:
    """Take stock for ``quantities`` (ticket type id -> count) or raise SoldOut.

    Must run inside a transaction, ideally as its last statements: the row
    locks it takes are held until COMMIT. Locks are always taken in the same
    order (the event, then ticket types by id) so two purchases cannot deadlock.
    """
    total = sum(quantities.values())
    if total <= 0:
        raise ValueError("Nothing to acquire.")
    taken = (
        Event.objects.filter(pk=event.pk)
        .filter(Q(capacity__isnull=True) | Q(allocated__lte=F("capacity") - total))
        .update(allocated=F("allocated") + total)
    )
    if not taken:
        raise SoldOut()
    for ticket_type_id in sorted(quantities):
        n = quantities[ticket_type_id]
        taken = TicketType.objects.filter(
            pk=ticket_type_id, event=event, allocated__lte=F("capacity") - n
        ).update(allocated=F("allocated") + n)
        if not taken:
            raise SoldOut(TicketType.objects.get(pk=ticket_type_id))


# The CHECK constraints that refuse an oversold counter (events.models).
CAPACITY_CONSTRAINTS = frozenset({"event_allocated_within_capacity", "ticket_type_allocated_within_capacity"})


@functools.lru_cache(maxsize=64)
def take_stock_sql(ticket_types: int) -> str:
    """``acquire`` for sales.order_statement: two PostgreSQL CTEs taking stock for
    ``ticket_types`` ticket types; ``take_stock_params`` gives their parameters.

    ``stock_event`` adds the tickets to the event's counter if the event is on
    sale; ``stock_types`` then adds them to each ticket type's counter (it reads
    ``stock_event``, so the event row is always locked first, as in ``acquire``)
    and returns one row per ticket type taken. The increments are unconditional:
    a counter that would pass its capacity violates its CHECK constraint, which
    fails the whole statement (caught as IntegrityError naming one of
    CAPACITY_CONSTRAINTS, then ``sold_out``).
    """
    wanted = ", ".join(["(CAST(%s AS bigint), CAST(%s AS integer))"] * ticket_types)
    return (
        f"stock_event AS (UPDATE {Event._meta.db_table} SET allocated = allocated + %s "
        "WHERE id = %s AND status = %s RETURNING id), "
        f"stock_types AS (UPDATE {TicketType._meta.db_table} AS tt SET allocated = tt.allocated + wanted.n "
        f"FROM stock_event, (VALUES {wanted}) AS wanted(id, n) "
        "WHERE tt.id = wanted.id AND tt.event_id = stock_event.id RETURNING tt.id)"
    )


# For the statement's main row: every ticket type's counter was taken (the
# parameter after the row's values is how many ticket types there are).
ALL_TAKEN = "(SELECT count(*) FROM stock_types) = %s"


def take_stock_params(event_id: int, quantities: Mapping[int, int]) -> list[object]:
    total = sum(quantities.values())
    if total <= 0:
        raise ValueError("Nothing to acquire.")
    params: list[object] = [total, event_id, str(Event.Status.PUBLISHED)]
    for ticket_type_id in sorted(quantities):
        params += [ticket_type_id, quantities[ticket_type_id]]
    return params


def sold_out(quantities: Mapping[int, int]) -> SoldOut:
    """The SoldOut to report after taking ``quantities`` failed: the first ticket type
    short of them, or the event when its shared capacity ran out."""
    for ticket_type in TicketType.objects.filter(pk__in=quantities).order_by("pk"):
        if ticket_type.capacity - ticket_type.allocated < quantities[ticket_type.pk]:
            return SoldOut(ticket_type)
    return SoldOut()


def give_back(event_id: int, quantities: Mapping[int, int]) -> None:
    """Return stock taken by ``acquire`` (inside the caller's transaction)."""
    total = sum(quantities.values())
    if total <= 0:
        return
    Event.objects.filter(pk=event_id).update(allocated=F("allocated") - total)
    for ticket_type_id in sorted(quantities):
        TicketType.objects.filter(pk=ticket_type_id).update(
            allocated=F("allocated") - quantities[ticket_type_id]
        )


def _releasing_expired_if_short(event: Event, take: Callable[[], None]) -> None:
    """Run ``take`` (which raises SoldOut when stock is short); if it does, release the
    event's expired holds and orders once and, if that freed any, run it again."""
    try:
        take()
    except SoldOut:
        if not release_expired(event):
            raise
        take()


def hold(
    event: Event,
    quantities: Mapping[int, int],
    voucher: Voucher | None = None,
    minutes: int | None = None,
) -> Hold:
    """Reserve ``quantities`` for ``minutes`` (the event's hold time by default).

    On PostgreSQL the hold, its lines and the stock are one statement
    (``_insert_hold``), as for a purchase; elsewhere one ORM transaction.
    """
    expires_at = timezone.now() + dt.timedelta(minutes=minutes or event.hold_minutes)
    new_hold = Hold(event=event, voucher=voucher, expires_at=expires_at)
    lines = [HoldLine(hold=new_hold, ticket_type_id=tt, quantity=n) for tt, n in sorted(quantities.items())]
    if statements.available():
        _releasing_expired_if_short(event, lambda: _insert_hold(new_hold, lines, quantities))
        return new_hold

    def acquire_in_savepoint() -> None:  # a failed first attempt leaves nothing behind
        with transaction.atomic():
            acquire(event, quantities)

    with transaction.atomic():
        new_hold.save(force_insert=True)
        HoldLine.objects.bulk_create(lines)
        _releasing_expired_if_short(event, acquire_in_savepoint)
    return new_hold


@functools.lru_cache(maxsize=64)
def _hold_statement(ticket_types: int) -> str:
    return (
        f"WITH {take_stock_sql(ticket_types)}, "
        f"{statements.insert_row_cte('new_hold', Hold, where=ALL_TAKEN)}, "
        f"{statements.insert_cte('new_lines', HoldLine, ticket_types, after='new_hold', parent='hold_id')} "
        "SELECT (SELECT id FROM new_hold), (SELECT json_object_agg(ticket_type_id, id) FROM new_lines)"
    )


def _insert_hold(new_hold: Hold, lines: list[HoldLine], quantities: Mapping[int, int]) -> None:
    """Write a hold and its lines and take their stock, in one PostgreSQL statement."""
    params = [
        *take_stock_params(new_hold.event_id, quantities),
        *statements.values(new_hold),
        len(quantities),
    ]
    for line in lines:
        params += statements.values(line, "hold_id")
    try:
        hold_id, line_ids = statements.run(_hold_statement(len(quantities)), params)
    except IntegrityError as exc:
        if statements.constraint_name(exc) in CAPACITY_CONSTRAINTS:
            raise sold_out(quantities) from exc
        raise
    if hold_id is None:
        raise NotOnSale()
    statements.saved(new_hold, hold_id)
    for line in lines:
        statements.saved(line, line_ids[str(line.ticket_type_id)], hold_id=hold_id)


def _hold_quantities(hold_id: int) -> dict[int, int]:
    return dict(HoldLine.objects.filter(hold_id=hold_id).values_list("ticket_type_id", "quantity"))


def release(hold_to_release: Hold) -> bool:
    """Give a live hold's stock back. False if it was no longer live (already released or converted)."""
    with transaction.atomic():
        claimed = Hold.objects.filter(pk=hold_to_release.pk, status=Hold.Status.LIVE).update(
            status=Hold.Status.RELEASED
        )
        if claimed:
            give_back(hold_to_release.event_id, _hold_quantities(hold_to_release.pk))
    return bool(claimed)


def confirm(hold_to_confirm: Hold) -> dict[int, int]:
    """Turn a live, unexpired hold into an order's stock; returns its quantities.

    Call inside the transaction that creates the order. The counters do not
    change: the tickets were already counted while held.
    """
    claimed = Hold.objects.filter(
        pk=hold_to_confirm.pk, status=Hold.Status.LIVE, expires_at__gt=timezone.now()
    ).update(status=Hold.Status.CONVERTED)
    if not claimed:
        raise HoldExpired()
    return _hold_quantities(hold_to_confirm.pk)


def release_expired(event: Event) -> int:
    """Return the stock of the event's expired holds and overdue pending orders.

    Returns how many tickets came back. Safe to run concurrently: each hold or
    order is claimed by a conditional UPDATE, so its stock returns exactly once.
    """
    now = timezone.now()
    returned: Counter[int] = Counter()
    expired_holds = 0
    with transaction.atomic():
        hold_ids = list(
            Hold.objects.filter(event=event, status=Hold.Status.LIVE, expires_at__lte=now).values_list(
                "pk", flat=True
            )[:1000]
        )
        for hold_id in hold_ids:
            if Hold.objects.filter(pk=hold_id, status=Hold.Status.LIVE).update(status=Hold.Status.RELEASED):
                returned.update(_hold_quantities(hold_id))
                expired_holds += 1
        order_ids = list(
            Order.objects.filter(
                event=event, status=Order.Status.PENDING, payment_deadline__lte=now
            ).values_list("pk", flat=True)[:1000]
        )
        give_back(event.pk, returned)
        for order_id in order_ids:
            if close_order(order_id, (Order.Status.PENDING,), Order.Status.EXPIRED):
                returned.update(order_quantities(order_id))
    if expired_holds:
        metrics.emit("HoldsExpired", expired_holds)
    return sum(returned.values())


def order_quantities(order_id: int) -> dict[int, int]:
    """The stock an order holds: its tickets, less those voided by a partial refund."""
    quantities: Counter[int] = Counter(
        Ticket.objects.filter(order_id=order_id, voided_at__isnull=True).values_list(
            "ticket_type_id", flat=True
        )
    )
    return dict(quantities)


def close_order(order_id: int, from_statuses: Iterable[str], to_status: str) -> bool:
    """Move an order from one of ``from_statuses`` to ``to_status`` and return its stock.

    Its tickets go back on sale and its voucher use is given back. The status
    change is a conditional UPDATE, so an order's stock returns exactly once
    even when a cancellation and an expiry race. False if the order was not in
    one of ``from_statuses``.
    """
    with transaction.atomic():
        claimed = Order.objects.filter(pk=order_id, status__in=list(from_statuses)).update(
            status=to_status, cancelled_at=timezone.now()
        )
        if not claimed:
            return False
        order = Order.objects.values("event_id", "voucher_id").get(pk=order_id)
        give_back(order["event_id"], order_quantities(order_id))
        if order["voucher_id"]:
            Voucher.objects.filter(pk=order["voucher_id"]).update(redeemed=F("redeemed") - 1)
    return True
