"""Per-buyer limits across orders (ADR 0016, "Limits per email"): at most
``Event.max_tickets_per_email`` tickets of an event, and ``TicketType.max_tickets_per_email``
of a ticket type, for one email address, over all the event's dates.

What an email has is the non-void tickets of its orders that are paid (partly refunded
included) or pending and not overdue: cancelled, refunded, expired and voided tickets
stop counting. Emails are compared normalized (``normalize_email``): case-folded,
surrounding spaces stripped, a ``+tag`` in the local part removed.

How it stays exact under concurrency, as sales.hoarding's share does: every order of an
event with a limit adds its tickets to one counter row per limit and email (a
``BuyerLoad`` row on the event's first date, its key a keyed hash of the scope and the
email) with an upsert whose WHERE refuses passing the limit, claimed in the order's own
statement (core.statements) before its stock, so nothing is written when it is refused
and two racing orders of one email queue on the row's lock. Nothing subtracts, so the
count only errs high: before refusing, ``guarded`` recounts the email's tickets from the
orders under the row's lock and tries once more.

A counter row is created only when the email has no order of the event yet; otherwise the
claim is refused, and ``guarded`` creates the row from the orders themselves. So orders
made before a limit was set (or while it was empty, when nothing counts them) are never
missed: setting a limit where there was none drops the event's counters of that scope
(``forget_counters``, from the models' ``pre_save``), and they are recounted as buyers
come back.

A reservation (sales.stock.hold) carries no email: the buyer gives it at checkout, where
the order's statement claims the count. A reservation of more tickets than a limit
allows is refused at once (``sales.pricing.validate_selection``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Min, Model, Q
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core import statements
from core.translated import resolve
from events.models import Event, EventDate, TicketType
from sales.exceptions import OrderConflict
from sales.models import BuyerLoad, Order, Ticket

T = TypeVar("T")

_EVENT_PREFIX = "limit-e:"


def normalize_email(email: str) -> str:
    """The address limits compare: stripped, case-folded, without a ``+tag`` in its local part
    (``" Ann+Gigs@Example.COM "`` is ``"ann@example.com"``)."""
    folded = email.strip().casefold()
    local, at, domain = folded.rpartition("@")
    if not at:
        return folded
    return f"{local.split('+', 1)[0]}@{domain}"


def per_person(limit: int, ticket_type: TicketType | None) -> str:
    """How a limit reads to the buyer."""
    if ticket_type is None:
        return f"At most {limit} tickets per person for this event"
    return f"At most {limit} “{resolve(ticket_type, 'name')}” tickets per person"


class EmailLimitReached(OrderConflict):
    """The buyer's email already has all the tickets a limit allows (answered 409, on the
    ``email`` field): ``limit``, what it ``has`` and the ``ticket_type`` limited (None: the
    event)."""

    field = "email"

    def __init__(self, limit: int, has: int, ticket_type: TicketType | None) -> None:
        self.limit, self.has, self.ticket_type = limit, has, ticket_type
        already = f"; you already have {has}." if has else "."
        super().__init__(per_person(limit, ticket_type) + already)


class _Refused(OrderConflict):
    """A limit's claim was refused: over the limit, or its counter needs counting first."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Limit:
    """One limit a purchase is under: the event's (``ticket_type`` None) or a ticket type's,
    and how many of the purchase's tickets it counts."""

    event: Event
    ticket_type: TicketType | None
    most: int
    tickets: int

    @property
    def name(self) -> str:
        """The claim's name (a CTE's name in the statement)."""
        return "limit_event" if self.ticket_type is None else f"limit_type_{self.ticket_type.pk}"

    def prefix(self) -> str:
        return _EVENT_PREFIX if self.ticket_type is None else _type_prefix(self.ticket_type.pk)

    def key(self, email: str) -> str:
        """The counter row's key: no email in clear."""
        return self.prefix() + salted_hmac("sales.limits", f"{self.prefix()}{email}").hexdigest()


def _type_prefix(ticket_type_id: int) -> str:
    return f"limit-t{ticket_type_id}:"


def limits(event: Event, counts: Mapping[TicketType, int]) -> list[Limit]:
    """The limits tickets of ``counts`` (ticket type: quantity) are under, the event's first."""
    found = []
    total = sum(counts.values())
    if event.max_tickets_per_email is not None and total > 0:
        found.append(Limit(event, None, event.max_tickets_per_email, total))
    for ticket_type, n in sorted(counts.items(), key=lambda item: item[0].pk):
        if ticket_type.max_tickets_per_email is not None and n > 0:
            found.append(Limit(event, ticket_type, ticket_type.max_tickets_per_email, n))
    return found


def too_many_at_once(event: Event, counts: Mapping[TicketType, int]) -> str | None:
    """Why a selection alone is over a limit (no email can have it), or None."""
    for limit in limits(event, counts):
        if limit.tickets > limit.most:
            return f"{per_person(limit.most, limit.ticket_type)}."
    return None


def _cast(sql_type: str) -> str:
    """A parameter typed for an INSERT ... SELECT on PostgreSQL (SQLite needs none)."""
    return f"CAST(%s AS {sql_type})" if connection.vendor == "postgresql" else "%s"


@functools.cache
def _upsert_sql(vendor: str) -> str:
    """Add ``tickets`` to a counter row on the event's first date, refused past the limit;
    a new row only while the email (a LIKE pattern over-approximating its spellings) has no
    order of the event. Parameters: key, tickets, event id, tickets, limit, key, event id,
    pattern, limit."""
    quote = connection.ops.quote_name
    table = quote(BuyerLoad._meta.db_table)
    dates, orders = quote(EventDate._meta.db_table), quote(Order._meta.db_table)
    # CASE: the orders are only looked at when the counter row does not exist yet.
    return (
        f"INSERT INTO {table} (date_id, key, tickets) "  # noqa: S608 - table names
        f"SELECT a.id, {_cast('varchar')}, {_cast('integer')} "
        f"FROM (SELECT MIN(d.id) AS id FROM {dates} d WHERE d.event_id = {_cast('bigint')}) a "
        f"WHERE {_cast('integer')} <= {_cast('integer')} AND CASE "
        f"WHEN EXISTS (SELECT 1 FROM {table} b WHERE b.date_id = a.id AND b.key = {_cast('varchar')}) "
        "THEN TRUE "
        f"ELSE NOT EXISTS (SELECT 1 FROM {orders} o WHERE o.event_id = {_cast('bigint')} "
        f"AND LOWER(o.buyer_email) LIKE {_cast('varchar')} ESCAPE '!') END {{gate}} "
        f"ON CONFLICT (date_id, key) DO UPDATE SET tickets = {table}.tickets + excluded.tickets "
        f"WHERE {table}.tickets + excluded.tickets <= {_cast('integer')} "
        "RETURNING id"
    )


def _like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def spellings(email: str) -> str:
    """A LIKE pattern (escape ``!``) that every stored spelling of the normalized ``email``
    matches once lower-cased (and some other addresses: they only cost a recount). SQL's
    LOWER is not Python's casefold beyond ASCII: such an address matches every email."""
    local, _, domain = email.rpartition("@")
    if not email.isascii() or not local:
        return "%@%"
    return f"%{_like(local)}%@{_like(domain)}%"


def claims(limits_: Sequence[Limit], email: str) -> list[statements.Claim]:
    """The claims adding each limit's tickets to ``email``'s counter (``email`` normalized)."""
    pattern = spellings(email)
    return [
        statements.Claim(
            name=limit.name,
            model=BuyerLoad,
            assignments="",
            condition="",
            params=(
                limit.key(email),
                limit.tickets,
                limit.event.pk,
                limit.tickets,
                limit.most,
                limit.key(email),
                limit.event.pk,
                pattern,
                limit.most,
            ),
            refused=_Refused,
            text=_upsert_sql(connection.vendor),
        )
        for limit in limits_
    ]


def has(limit: Limit, email: str, now: dt.datetime) -> int:
    """The tickets ``email`` (normalized) has under ``limit``, counted from the orders."""
    alive = Q(order__status__in=Order.VALID_PAID) | Q(
        Q(order__payment_deadline__isnull=True) | Q(order__payment_deadline__gt=now),
        order__status=Order.Status.PENDING,
    )
    tickets = Ticket.objects.filter(alive, order__event_id=limit.event.pk, voided_at__isnull=True)
    if limit.ticket_type is not None:
        tickets = tickets.filter(ticket_type_id=limit.ticket_type.pk)
    domain = email.rpartition("@")[2]
    if email.isascii() and domain:
        tickets = tickets.filter(order__buyer_email__iendswith="@" + domain)
    owners = tickets.values_list("order__buyer_email", flat=True)
    return sum(1 for owner in owners if normalize_email(owner) == email)


def recount(limit: Limit, email: str) -> int:
    """Set ``email``'s counter for ``limit`` to what it has (creating the row), under the
    row's lock: an order that added to it has committed by the time the lock is granted."""
    with transaction.atomic():
        first = EventDate.objects.filter(event_id=limit.event.pk).aggregate(id=Min("id"))["id"]
        key = limit.key(email)
        BuyerLoad.objects.bulk_create([BuyerLoad(date_id=first, key=key, tickets=0)], ignore_conflicts=True)
        locked = BuyerLoad.objects.select_for_update().filter(date_id=first, key=key)
        row = locked.values_list("pk", flat=True).get()  # the lock first, then the count
        count = has(limit, email, timezone.now())
        BuyerLoad.objects.filter(pk=row).update(tickets=count)
    return count


def guarded(limits_: Sequence[Limit], email: str, attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (a write whose claims include ``claims(limits_, email)``); when a
    limit's claim is refused, recount the email's counters and try once more, then raise
    EmailLimitReached naming the limit."""
    if not limits_:
        return attempt()
    try:
        return attempt()
    except _Refused:
        pass
    counts = {limit.name: recount(limit, email) for limit in limits_}
    try:
        return attempt()
    except _Refused as exc:
        limit = next((each for each in limits_ if each.name == exc.name), limits_[0])
        raise EmailLimitReached(limit.most, counts[limit.name], limit.ticket_type) from exc


# --- A limit set where there was none --------------------------------------------------


def forget_counters(event_id: int, ticket_type_id: int | None = None) -> None:
    """Drop the counters of the event's limit (or a ticket type's): nothing kept them while
    it was empty, so they are recounted from the orders as buyers come back."""
    prefix = _EVENT_PREFIX if ticket_type_id is None else _type_prefix(ticket_type_id)
    BuyerLoad.objects.filter(date__event_id=event_id, key__startswith=prefix).delete()


def _limit_set(sender: type[Model], instance: Any, update_fields: Any = None, **_: object) -> None:
    """``pre_save`` of Event and TicketType: a limit set where there was none forgets its
    counters (whatever saves it: the back office, the API, the admin)."""
    if instance.pk is None or instance.max_tickets_per_email is None:
        return
    if update_fields is not None and "max_tickets_per_email" not in update_fields:
        return
    before = sender._default_manager.filter(pk=instance.pk).values_list("max_tickets_per_email", flat=True)
    if before.first() is not None:
        return
    if isinstance(instance, Event):
        forget_counters(instance.pk)
    else:
        forget_counters(instance.event_id, instance.pk)


for _model in (Event, TicketType):
    pre_save.connect(_limit_set, sender=_model, dispatch_uid=f"limits-{_model.__name__}-saved")
