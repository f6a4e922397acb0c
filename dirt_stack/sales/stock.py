"""Stock: the only code that changes how many tickets are left.

Stock is per date: each ticket type on a date (DateTicketType) carries an
``allocated`` counter: tickets in pending or paid orders plus tickets in live
holds, for that date; a date with a shared capacity (EventDate.capacity) carries
one more, its own, over all its ticket types. A date without one keeps no counter
of its own and its row is never written by a take, only locked FOR SHARE, so each
ticket type's row is the only hot row (ADR 0012). The API is small:

- ``take(date_id, quantities)``: the claims that take stock (core.statements),
  for a purchase's or a hold's write; ``acquire`` makes them inside a transaction;
- ``hold(date, quantities, ...)``: set stock aside for a buyer (a cart);
- ``release(hold)``: give a hold's stock back; ``release_holds(date_id)``: give back
  every live hold's of a date (it was cancelled);
- ``confirm(hold)``: turn a live hold into an order's stock (the counter stays);
- ``give_back(date_id, quantities)``: return stock (cancellations, refunds);
- ``release_expired(date_id)``: return the stock of expired holds and of pending
  orders past their payment deadline, set-based;
- ``retrying_after_release(date, attempt)``: run a write that may find stock
  short once more after releasing expired stock;
- ``known_sold_out(date, offers, quantities)``: "sold out" from counters already
  read, without the write (a rush's refusals; why it is never wrong: its docstring).

How much is left is read in sales.quotas.

Why it cannot oversell (ADR 0012): stock is taken by one UPDATE per counter,
``allocated = allocated + n``, and a CHECK constraint forbids ``allocated >
capacity``: the UPDATE that would pass it fails, and with it the whole write.
On PostgreSQL the UPDATE takes the row lock and re-checks against the latest
committed value; on SQLite (IMMEDIATE transactions) writers run one at a time.
Locks are always taken in the same order (the date's row, shared or exclusive, then
its ticket types' rows by id), so two writes cannot deadlock; dates share no
counter, so a rush on one date never waits on another's. On PostgreSQL a purchase and a hold each take stock
and write their rows in one autocommitted statement, so the lock never waits on
the application; elsewhere the claims run last, just before COMMIT.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext

from core import domain_events, metrics, outbox, statements
from core.models import OutboxMessage
from core.translated import resolve
from events.models import DateTicketType, Event, EventDate, TicketType
from sales.audit import SWEEPER
from sales.emails import order_expired_message
from sales.exceptions import OrderConflict
from sales.models import AuditEntry, Hold, HoldLine, IdempotencyRecord, Order, Ticket, Voucher
from sales.soldout import forget as forget_sold_out

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SoldOut(OrderConflict):
    """Not enough tickets left; ``ticket_type`` is the one that ran out (None: the event)."""

    def __init__(self, ticket_type: TicketType | None = None) -> None:
        self.ticket_type = ticket_type
        super().__init__(str(self))

    def __str__(self) -> str:
        # Written when read: a refusal kept for the next buyers (sales.soldout) speaks each one's language.
        if self.ticket_type is None:
            return gettext("Sorry, this event is sold out or has fewer tickets left than you asked for.")
        return gettext(
            "Sorry, “%(ticket_type)s” is sold out or has fewer tickets left than you asked for."
        ) % {"ticket_type": resolve(self.ticket_type, "name")}


class NotOnSale(OrderConflict):
    """Nothing was taken: the date stopped being on sale (the event unpublished or
    cancelled, the date cancelled or closed) after the caller checked it."""

    def __init__(self) -> None:
        super().__init__(gettext("This date is not on sale."))


class TicketTypesGone(OrderConflict):
    """Nothing was taken: a chosen ticket type was removed, or taken off this date,
    after the caller read it."""

    def __init__(self) -> None:
        super().__init__(
            gettext("Some of the chosen ticket types are no longer on sale. Please choose again.")
        )


class HoldExpired(OrderConflict):
    def __init__(self) -> None:
        super().__init__(
            gettext("Your reservation has expired and the tickets were released. Please choose them again.")
        )


# The CHECK constraints that refuse an oversold counter (events.models).
CAPACITY_CONSTRAINTS = frozenset(
    {"event_date_allocated_within_capacity", "date_ticket_type_allocated_within_capacity"}
)


def sold_out(date_id: int, quantities: Mapping[int, int]) -> SoldOut:
    """The SoldOut to report after taking ``quantities`` on a date failed: the first
    ticket type short of them, or the date when its shared capacity ran out."""
    for row in (
        DateTicketType.objects.filter(date_id=date_id, ticket_type_id__in=quantities)
        .select_related("ticket_type")
        .order_by("ticket_type_id")
    ):
        if row.capacity - row.allocated < quantities[row.ticket_type_id]:
            return SoldOut(row.ticket_type)
    return SoldOut()


# --- "Sold out" at the cost of a read ------------------------------------------------------


def known_sold_out(
    date: EventDate,
    offers: Mapping[int, DateTicketType],
    quantities: Mapping[int, int],
    *,
    may_come_back: bool | None = None,
) -> SoldOut | None:
    """SoldOut when the counters the caller read (``date`` and its stock rows ``offers``,
    by ticket type id) leave less than ``quantities`` and no expired hold or overdue
    order on the date could free any (``releasable``); None: let the purchase try.

    Why it is never wrong: ``allocated`` counts every ticket a pending or paid order or a
    live hold keeps, so capacity less allocated is exactly what is free, except tickets
    of holds and orders whose time is up but which are not released yet; those are
    what ``releasable`` looks for. Every other way stock comes back (a release, a
    cancellation, a refund, a raised capacity) lowers the counter or raises the
    capacity in the database, which the caller's read of the rows sees. So the
    answer is what a purchase made at the moment of the read would have found.
    ``may_come_back``: ``releasable`` as the caller read it with the counters
    (``releasable_sql``); None: asked here, one indexed query when the counters are short."""
    short = short_of(date, offers, quantities)
    if short is None:
        return None
    if may_come_back is None:
        may_come_back = releasable(date.pk)
    if may_come_back:
        return None
    return short


def short_of(
    date: EventDate, offers: Mapping[int, DateTicketType], quantities: Mapping[int, int]
) -> SoldOut | None:
    """The SoldOut the counters as read (``date``, its stock rows ``offers``) give for
    ``quantities``, with no query; None when they leave enough."""
    for ticket_type_id, wanted in sorted(quantities.items()):
        offer = offers.get(ticket_type_id)
        if offer is not None and offer.offered and offer.capacity - offer.allocated < wanted:
            return SoldOut(offer.ticket_type)
    if date.capacity is not None and date.capacity - date.allocated < sum(quantities.values()):
        return SoldOut()
    return None


# Values the queries' text is compiled with once, then replaced by the real ones.
_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_DATE, _SCOPE, _KEY = -7, "\x00scope", "\x00key"


def _inlined(rows: QuerySet[Any], expressions: Mapping[Any, str]) -> tuple[str, list[Any]]:
    """``rows``' SQL with the parameters that are keys of ``expressions`` replaced by
    those SQL expressions (columns of an enclosing query), and the remaining parameters."""
    sql, params = rows.values("pk").query.sql_with_params()
    if "%%" in sql:
        raise ValueError("A literal percent sign would shift the parameters.")
    pieces = sql.split("%s")
    text, kept = [pieces[0]], []
    for value, piece in zip(params, pieces[1:], strict=True):
        if isinstance(value, int | str) and value in expressions:
            text.append(expressions[value])
        else:
            text.append("%s")
            kept.append(value)
        text.append(piece)
    return "".join(text), kept


@functools.cache
def _releasable_sql(vendor: str, date_column: str, scope_sql: str | None) -> tuple[str, tuple[Any, ...]]:
    """The test whether stock may come back on the date ``date_column`` names, compiled once
    from the querysets that own the rules (``Hold.objects.expired``,
    ``Order.objects.overdue``), with its parameters (``_AT`` for now, ``_KEY``); with
    ``scope_sql``, also whether an order was placed under an Idempotency-Key."""
    found: list[QuerySet[Any]] = [
        Hold.objects.expired(_AT).filter(date_id=_DATE),
        Order.objects.overdue(_AT).filter(date_id=_DATE),
    ]
    parts: list[str] = []
    params: list[Any] = []
    for rows in found:
        sql, kept = _inlined(rows, {_DATE: date_column})
        parts.append(f"EXISTS ({sql})")
        params += kept
    text = f"({' OR '.join(parts)})"
    if scope_sql is not None:
        sql, kept = _inlined(IdempotencyRecord.objects.filter(scope=_SCOPE, key=_KEY), {_SCOPE: scope_sql})
        text = f"{text}, EXISTS ({sql})"
        params += kept
    return text, tuple(params)


def releasable_sql(date_column: str, replay_scope: str | None = None) -> tuple[str, list[Any]]:
    """SQL of one boolean column, for a query that reads a date (``date_column``): whether
    expired holds or overdue orders on it are still counted in ``allocated``, so that stock
    may come back. With ``replay_scope`` (an SQL expression of the Idempotency-Key's scope)
    a second column: whether an order was placed under the key, the first of the
    returned parameters being the key's placeholder (``replay_params`` fills it)."""
    sql, placeholders = _releasable_sql(connection.vendor, date_column, replay_scope)
    return sql, list(placeholders)


def query_params(placeholders: Sequence[Any], key: str | None = None) -> list[Any]:
    """``releasable_sql``'s parameters with now and the Idempotency-Key filled in."""
    now = timezone.now()
    values = {
        connection.ops.adapt_datetimefield_value(_AT): connection.ops.adapt_datetimefield_value(now),
        _AT: now,
        _KEY: key,
    }
    return [values.get(p, p) if isinstance(p, str | dt.datetime) else p for p in placeholders]


def releasable(date_id: int) -> bool:
    """Whether the date has expired holds or overdue orders still counted in ``allocated``."""
    sql, placeholders = releasable_sql("d.id")
    table = connection.ops.quote_name(EventDate._meta.db_table)
    rows = statements.fetch(
        f"SELECT {sql} FROM {table} d WHERE d.id = %s",  # noqa: S608 - compiled SQL, table name
        [*query_params(placeholders), date_id],
    )
    return bool(rows and rows[0][0])


# --- Taking stock ------------------------------------------------------------------

# The date is on sale and so is its event. The event's status is read, not locked:
# the statuses that must stop a racing purchase are also written on the date's row.
_DATE_ON_SALE = (
    f"id = %s AND status = %s AND EXISTS (SELECT 1 FROM {Event._meta.db_table} e "  # noqa: S608 - table names
    f"WHERE e.id = {EventDate._meta.db_table}.event_id AND e.status = %s)"
)


@functools.cache
def _date_locked_sql(vendor: str) -> str:
    """A date without a shared capacity: its row is read, not written, but locked FOR SHARE
    on PostgreSQL, which waits for a cancellation's UPDATE of it (and makes a cancellation
    wait for the purchases under way) and re-checks the row after the wait; purchases'
    share locks never wait for each other. SQLite runs one writer at a time anyway."""
    table = connection.ops.quote_name(EventDate._meta.db_table)
    lock = " FOR SHARE" if vendor == "postgresql" else ""
    return f"SELECT id FROM {table} WHERE ({_DATE_ON_SALE} AND capacity IS NULL) {{gate}}{lock}"  # noqa: S608


# Taking stock also counts the rush on each ticket type's row: the takes of the current
# minute, and once they reach PRESSURE_TAKES_PER_MINUTE, the row is under pressure for
# PRESSURE_MINUTES (sales.hoarding; ADR 0016). SET reads the row's old values on both databases.
_COUNT_RUSH = (
    "rush_count = CASE WHEN rush_minute = CAST(%s AS bigint) THEN rush_count + 1 ELSE 1 END, "
    "pressure_until = CASE WHEN rush_minute = CAST(%s AS bigint) AND rush_count + 1 >= CAST(%s AS integer) "
    "THEN %s ELSE pressure_until END, "
    "rush_minute = CAST(%s AS bigint)"
)


def _rush_params() -> tuple[Any, ...]:
    now = timezone.now()
    minute = int(now.timestamp()) // 60
    threshold = settings.PRESSURE_TAKES_PER_MINUTE if settings.PRESSURE_TAKES_PER_MINUTE > 0 else 2**31 - 1
    until = connection.ops.adapt_datetimefield_value(now + dt.timedelta(minutes=settings.PRESSURE_MINUTES))
    return minute, minute, threshold, until, minute


class DateStockChanged(SoldOut):
    """Nothing was taken: the date gained or lost its shared capacity after the caller
    read it. ``retrying_after_release`` tries again with the capacity now in force."""


def queue_key(date: EventDate, quantities: Mapping[int, int]) -> object:
    """What a write taking ``quantities`` on ``date`` queues on in this process
    (core.statements ``serialize``): its hot rows, the date's when it has a shared
    capacity, else the ticket types' rows."""
    if date.capacity is not None:
        return date.pk
    return (date.pk, *sorted(quantities))


def take(date: EventDate, quantities: Mapping[int, int]) -> list[statements.Claim]:
    """The claims that take ``quantities`` (ticket type id -> count) of a date's stock.

    ``date_stock`` checks that the date is on sale and its event published (else
    NotOnSale); under a shared capacity (``date.capacity`` as the caller read it) it
    adds the tickets to the date's counter, otherwise it only locks the date's row
    FOR SHARE: the ticket types' rows are then the only rows written.
    ``ticket_type_stock`` adds them to each ticket type's counter on that date (and
    counts the rush there), all of which must still exist and be offered there (else
    TicketTypesGone). A counter passing its capacity fails its CHECK constraint: SoldOut.
    A date whose capacity was set or removed since it was read: DateStockChanged
    (``date.capacity`` is then refreshed).

    Cancelling an event or a date updates the date's row, so a purchase racing it
    waits for that lock (the UPDATE's or the share lock's) and then finds the date no
    longer on sale. Unpublishing changes the event's row only: a purchase already past
    its check completes.
    """
    total = sum(quantities.values())
    if total <= 0 or any(n <= 0 for n in quantities.values()):
        raise ValueError("Nothing to take.")
    ids = sorted(quantities)
    shared = date.capacity is not None
    date_id = date.pk

    def refused(name: str) -> Exception:
        if name in CAPACITY_CONSTRAINTS:
            return sold_out(date_id, quantities)
        if name == "date_stock":
            current = EventDate.objects.filter(pk=date_id).values_list("capacity", flat=True).first()
            if date_id and (current is not None) != shared:
                date.capacity = current
                return DateStockChanged()
            return NotOnSale()
        return TicketTypesGone()

    on_sale = (date_id, str(EventDate.Status.ON_SALE), str(Event.Status.PUBLISHED))
    if shared:
        date_claim = statements.Claim(
            name="date_stock",
            model=EventDate,
            assignments="allocated = allocated + %s",
            condition=f"{_DATE_ON_SALE} AND capacity IS NOT NULL",
            params=(total, *on_sale),
            refused=refused,
            constraints=CAPACITY_CONSTRAINTS,
        )
    else:
        date_claim = statements.Claim(
            name="date_stock",
            model=EventDate,
            assignments="",
            condition="",
            params=on_sale,
            refused=refused,
            text=_date_locked_sql(connection.vendor),
        )
    increments = " ".join(["WHEN %s THEN CAST(%s AS integer)"] * len(ids))
    return [
        date_claim,
        statements.Claim(
            name="ticket_type_stock",
            model=DateTicketType,
            assignments=f"allocated = allocated + CASE ticket_type_id {increments} END, {_COUNT_RUSH}",
            condition=f"date_id = %s AND offered AND ticket_type_id IN ({', '.join(['%s'] * len(ids))})",
            params=(*(v for i in ids for v in (i, quantities[i])), *_rush_params(), date_id, *ids),
            rows=len(ids),
            refused=refused,
            constraints=CAPACITY_CONSTRAINTS,
        ),
    ]


def acquire(date: EventDate, quantities: Mapping[int, int]) -> None:
    """Take stock inside the caller's transaction, or raise (see ``take``)."""
    statements.claim(take(date, quantities))


# Called with the date's id and the ticket type ids whose stock came back, inside the
# transaction that gave it back, with those rows locked (the waiting list offers it there
# before the public can take it: waitlist.services.offer_returned_stock).
_stock_returned: list[Callable[[int, list[int]], None]] = []


def on_stock_returned(listener: Callable[[int, list[int]], None]) -> None:
    """Register ``listener(date_id, ticket_type_ids)``, run by ``give_back`` after it returned stock."""
    if listener not in _stock_returned:
        _stock_returned.append(listener)


def give_back(date_id: int, quantities: Mapping[int, int]) -> None:
    """Return stock taken by ``take`` (inside the caller's transaction): to the date's
    counter only while it has a shared capacity (ADR 0012), to each ticket type's row.
    Then the listeners of ``on_stock_returned`` run, in the same transaction."""
    quantities = {k: v for k, v in quantities.items() if v}
    total = sum(quantities.values())
    if total <= 0:
        return
    # This process's "sold out" snapshots (sales.soldout): now, and once others can read it.
    forget_sold_out()
    transaction.on_commit(forget_sold_out)
    EventDate.objects.filter(pk=date_id, capacity__isnull=False).update(allocated=F("allocated") - total)
    for ticket_type_id in sorted(quantities):
        DateTicketType.objects.filter(date_id=date_id, ticket_type_id=ticket_type_id).update(
            allocated=F("allocated") - quantities[ticket_type_id]
        )
    for listener in _stock_returned:
        listener(date_id, sorted(quantities))


def retrying_after_release(date: EventDate, attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (a write that raises SoldOut when stock is short); if it does,
    release the date's expired holds and orders once and run it again.

    Again even when this release freed nothing: a concurrent one may have claimed the
    same expired rows first (this one waited for their locks, then skipped them), and
    their stock is free now. A date whose shared capacity came or went meanwhile
    (DateStockChanged) is tried again the same way, with the capacity in force."""
    try:
        return attempt()
    except SoldOut:
        release_expired(date.pk)
        return attempt()


# --- Holds ---------------------------------------------------------------------------


def hold(
    date: EventDate,
    quantities: Mapping[int, int],
    voucher: Voucher | None = None,
    minutes: int | None = None,
    *,
    client_hash: str = "",
    extra_claims: Sequence[statements.Claim] = (),
) -> Hold:
    """Reserve ``quantities`` on ``date`` for ``minutes`` (the event's hold time by default).
    ``extra_claims`` are made after the stock's (the buyer's share, sales.hoarding).

    Raises SoldOut, NotOnSale or TicketTypesGone (or an extra claim's refusal);
    nothing is reserved then.
    """
    event = date.event
    expires_at = timezone.now() + dt.timedelta(minutes=minutes or event.hold_minutes)
    new_hold = Hold(event=event, date=date, voucher=voucher, expires_at=expires_at, client_hash=client_hash)
    lines = [HoldLine(hold=new_hold, ticket_type_id=tt, quantity=n) for tt, n in sorted(quantities.items())]

    def write() -> Hold:
        claims = [*take(date, quantities), *extra_claims]
        if statements.available():
            _write_statement(new_hold, lines, claims)
        else:
            with transaction.atomic():
                new_hold.save(force_insert=True)
                HoldLine.objects.bulk_create(lines)
                statements.claim(claims)
        return new_hold

    return retrying_after_release(date, write)


def _write_statement(new_hold: Hold, lines: list[HoldLine], claims: list[statements.Claim]) -> None:
    """The hold, its lines and its stock in one PostgreSQL statement."""
    statement = statements.Statement(claims)
    statement.insert("new_hold", [new_hold])
    statement.insert("new_lines", lines, parent=("hold_id", "new_hold"))
    statement.select("(SELECT id FROM new_hold)")
    statement.select("(SELECT json_object_agg(ticket_type_id, id) FROM new_lines)")
    queue = queue_key(new_hold.date, {line.ticket_type_id: line.quantity for line in lines})
    hold_id, line_ids = statement.run(serialize=queue)
    statements.saved(new_hold, hold_id)
    for line in lines:
        statements.saved(line, line_ids[str(line.ticket_type_id)], hold_id=hold_id)


# Within this of its first length, a hold counts as never extended (created_at and
# expires_at are read from the clock a moment apart when it is made).
EXTENSION_SLACK = dt.timedelta(seconds=30)
# The checkout offers the extension when this little is left.
EXTENSION_OFFERED_WITHIN = dt.timedelta(minutes=2)


class HoldNotExtended(OrderConflict):
    """The hold cannot be given more time: it expired, ended, or was extended already."""


def extendable(live_hold: Hold, first_length: dt.timedelta) -> bool:
    """Whether ``live_hold`` was never extended (``extend``'s rule): its life, from its
    creation to its expiry, is still at most ``first_length``."""
    return live_hold.expires_at - live_hold.created_at <= first_length + EXTENSION_SLACK


def extend(live_hold: Hold, *, first_length: dt.timedelta, by: dt.timedelta) -> dt.datetime:
    """Give a live, unexpired hold ``by`` more time, once (WCAG 2.2.1, "Timing
    Adjustable"); returns its new expiry. ``first_length`` is the longest a hold is first
    given (the event's hold time, or an on-sale room's longer session).

    One conditional UPDATE decides, so two clicks or two instances extend once: it
    matches only a hold still live, not yet expired (``release_expired`` claims expired
    holds with the opposite condition, so the stock is never both released and kept)
    and never extended (``extendable``), and moves its expiry past that limit. The stock
    stays counted as it was: the hold keeps what it took, for longer.
    Raises HoldNotExtended.
    """
    now = timezone.now()
    limit = F("created_at") + (first_length + EXTENSION_SLACK)
    extended = Hold.objects.filter(
        pk=live_hold.pk, status=Hold.Status.LIVE, expires_at__gt=now, expires_at__lte=limit
    ).update(expires_at=Greatest(F("expires_at") + by, limit + dt.timedelta(seconds=1)))
    live_hold.refresh_from_db(fields=["status", "expires_at"])
    if not extended:
        if live_hold.status != Hold.Status.LIVE or live_hold.expires_at <= now:
            raise HoldNotExtended(gettext("Your reservation has expired and the tickets were released."))
        raise HoldNotExtended(gettext("Your reservation was already extended once."))
    logger.info(
        "hold extended",
        extra={"hold_id": live_hold.pk, "date_id": live_hold.date_id, "expires_at": live_hold.expires_at},
    )
    return live_hold.expires_at


def _hold_quantities(hold_ids: Iterable[int]) -> Counter[int]:
    quantities: Counter[int] = Counter()
    for ticket_type_id, n in (
        HoldLine.objects.filter(hold_id__in=list(hold_ids))
        .values_list("ticket_type_id")
        .annotate(n=Sum("quantity"))
    ):
        quantities[ticket_type_id] += n
    return quantities


def release(hold_to_release: Hold) -> bool:
    """Give a live hold's stock back. False if it was no longer live (already released or converted)."""
    with transaction.atomic():
        claimed = Hold.objects.filter(pk=hold_to_release.pk, status=Hold.Status.LIVE).update(
            status=Hold.Status.RELEASED
        )
        if claimed:
            give_back(hold_to_release.date_id, _hold_quantities([hold_to_release.pk]))
    return bool(claimed)


def release_holds(date_id: int) -> int:
    """Give back the stock of every live hold on a date, expired or not (the date was
    cancelled); returns how many tickets came back. A hold a checkout is converting
    at the same moment is claimed by one of the two conditional UPDATEs only."""
    with transaction.atomic():
        holds = _claim(
            Hold.objects.filter(date_id=date_id, status=Hold.Status.LIVE),
            "status = %s",
            [Hold.Status.RELEASED.value],
            Hold.Status.LIVE.value,
            "id",
        )
        returned = _hold_quantities(h[0] for h in holds)
        give_back(date_id, returned)
    return sum(returned.values())


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
    return dict(_hold_quantities([hold_to_confirm.pk]))


# --- Orders' stock ---------------------------------------------------------------------


def order_quantities(order_ids: Iterable[int]) -> Counter[int]:
    """The stock orders hold, per ticket type id: their tickets less those voided by a refund."""
    quantities: Counter[int] = Counter()
    for ticket_type_id, n in (
        Ticket.objects.filter(order_id__in=list(order_ids), voided_at__isnull=True)
        .values("ticket_type_id")
        .annotate(n=Count("id"))
        .values_list("ticket_type_id", "n")
    ):
        quantities[ticket_type_id] += n
    return quantities


def return_voucher_uses(voucher_ids: Iterable[int | None]) -> None:
    """Give back one use of each voucher per closed order that used it."""
    for voucher_id, n in Counter(v for v in voucher_ids if v).items():
        Voucher.objects.filter(pk=voucher_id).update(redeemed=F("redeemed") - n)


def _claim(
    rows: QuerySet[Hold] | QuerySet[Order],
    sets: str,
    set_params: Sequence[Any],
    status: str,
    returning: str,
) -> list[tuple[Any, ...]]:
    """``UPDATE ... SET sets WHERE id IN (rows) AND status = status RETURNING returning``:
    one statement claims every row of ``rows`` at once. ``status`` repeats the one ``rows``
    selects, on the updated row itself: PostgreSQL re-checks a locked row's own conditions
    (not the subquery's), so a row a concurrent release claimed first no longer matches."""
    selected, params = rows.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(rows.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE id IN ({selected}) AND status = %s RETURNING {returning}",  # noqa: S608
            [*set_params, *params, status],
        )
        return list(cursor.fetchall())


def release_expired(date_id: int) -> int:
    """Return the stock of the date's expired holds and overdue pending orders.

    Set-based: one UPDATE claims the expired holds, one the overdue orders (they
    become expired, their voucher uses return), then one give-back returns their
    stock; each expired order gets an audit entry and its buyer a "your order
    expired" email (outbox). Returns how many tickets came back. Safe to run
    concurrently: a row is claimed by exactly one UPDATE, so its stock returns
    exactly once.
    """
    now = timezone.now()
    with transaction.atomic():
        holds = _claim(
            Hold.objects.expired(now).filter(date_id=date_id),
            "status = %s",
            [Hold.Status.RELEASED.value],
            Hold.Status.LIVE.value,
            "id",
        )
        orders = _claim(
            Order.objects.overdue(now).filter(date_id=date_id),
            "status = %s, cancelled_at = %s",
            [Order.Status.EXPIRED.value, connection.ops.adapt_datetimefield_value(now)],
            Order.Status.PENDING.value,
            "id, voucher_id, code",
        )
        returned = _hold_quantities(h[0] for h in holds) + order_quantities(o[0] for o in orders)
        give_back(date_id, returned)
        return_voucher_uses(o[1] for o in orders)
        if orders:
            _tell_expired(date_id, orders)
    if holds:
        metrics.emit("HoldsExpired", len(holds))
    return sum(returned.values())


def _tell_expired(date_id: int, orders: list[tuple[Any, ...]]) -> None:
    """Audit entries, buyers' emails and one webhook message for orders ``release_expired``
    expired ((id, voucher, code))."""
    event = Event.objects.only("id", "organizer_id", "sends_webhooks").get(dates=date_id)
    domain_events.record_many(
        event,
        [
            domain_events.entry(
                domain_events.ORDER_EXPIRED, order_id=o[0], code=o[2], status=Order.Status.EXPIRED
            )
            for o in orders
        ],
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(order_id=o[0], action="expired", actor_label=SWEEPER.label, detail={}) for o in orders
    )
    messages: list[OutboxMessage] = OutboxMessage.objects.bulk_create(
        [order_expired_message(o[2]) for o in orders]
    )
    for message in messages:
        outbox.dispatch_on_commit(message)
