"""How many tickets are left and how many are sold: the one definition of each number.

Stock is per date (events.EventDate); every number here is for one date, or
summed over dates where a caller asks for an event's.

- *allocated* (the counters on EventDate and DateTicketType, changed only by
  sales.stock): tickets in pending or paid orders plus tickets in holds,
  including holds and orders that expired but were not yet released;
- *sold*: tickets that are not voided in pending or paid orders
  (``Ticket.objects.holding_stock()``); a partial refund voids tickets, so they
  stop counting at once;
- *available*: capacity less allocated, plus what expired holds and overdue
  orders still count (they are free again, whether or not released yet).

The editor, the dashboard, the CSV exports, the API, check-in and the stock
service read these numbers here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone

from events.models import DateTicketType, Event, EventDate
from sales.models import Hold, HoldLine, Order, Ticket


def _of(event: Event, date: EventDate | None, prefix: str) -> Q:
    """Rows of the event, or of one of its dates (``prefix`` reaches the order or hold)."""
    return Q(**{f"{prefix}date": date}) if date is not None else Q(**{f"{prefix}event": event})


def sold_counts(event: Event, date: EventDate | None = None) -> Counter[int]:
    """Sold tickets of the event (or of one of its dates), per ticket type id."""
    counts: Counter[int] = Counter()
    for ticket_type_id, n in (
        Ticket.objects.holding_stock()
        .filter(_of(event, date, "order__"))
        .values("ticket_type_id")
        .annotate(n=Count("id"))
        .values_list("ticket_type_id", "n")
    ):
        counts[ticket_type_id] += n
    return counts


def sold_per_event(event_ids: Iterable[int]) -> Counter[int]:
    """Sold tickets (as ``sold_counts``) of each of these events, per event id."""
    counts: Counter[int] = Counter()
    for event_id, n in (
        Ticket.objects.holding_stock()
        .filter(order__event_id__in=list(event_ids))
        .values("order__event_id")
        .annotate(n=Count("id"))
        .values_list("order__event_id", "n")
    ):
        counts[event_id] += n
    return counts


def sold_per_date(event: Event) -> Counter[int]:
    """Sold tickets (as ``sold_counts``) of each of the event's dates, per date id."""
    counts: Counter[int] = Counter()
    for date_id, n in (
        Ticket.objects.holding_stock()
        .filter(order__event=event)
        .values("order__date_id")
        .annotate(n=Count("id"))
        .values_list("order__date_id", "n")
    ):
        counts[date_id] += n
    return counts


def sold_per_date_and_type(event: Event) -> Counter[tuple[int, int]]:
    """Sold tickets (as ``sold_counts``) of the event per (date id, ticket type id)."""
    counts: Counter[tuple[int, int]] = Counter()
    for date_id, ticket_type_id, n in (
        Ticket.objects.holding_stock()
        .filter(order__event=event)
        .values("order__date_id", "ticket_type_id")
        .annotate(n=Count("id"))
        .values_list("order__date_id", "ticket_type_id", "n")
    ):
        counts[date_id, ticket_type_id] += n
    return counts


def held_counts(event: Event, date: EventDate | None = None) -> Counter[int]:
    """Tickets in live, unexpired holds (carts) of the event or one date, per ticket type id."""
    counts: Counter[int] = Counter()
    for ticket_type_id, n in (
        HoldLine.objects.filter(
            _of(event, date, "hold__"), hold__status=Hold.Status.LIVE, hold__expires_at__gt=timezone.now()
        )
        .values_list("ticket_type_id")
        .annotate(n=Sum("quantity"))
    ):
        counts[ticket_type_id] += n
    return counts


def _expired_quantities(date_ids: list[int], now: dt.datetime) -> Counter[tuple[int, int]]:
    """Per (date id, ticket type id): tickets still counted in ``allocated`` that are in fact free again."""
    expired: Counter[tuple[int, int]] = Counter()
    holds = (
        HoldLine.objects.filter(hold__in=Hold.objects.expired(now).filter(date_id__in=date_ids))
        .values_list("hold__date_id", "ticket_type_id")
        .annotate(n=Sum("quantity"))
    )
    orders = (
        Ticket.objects.filter(
            order__in=Order.objects.overdue(now).filter(date_id__in=date_ids), voided_at__isnull=True
        )
        .values_list("order__date_id", "ticket_type_id")
        .annotate(n=Count("id"))
    )
    for date_id, ticket_type_id, n in [*holds, *orders]:
        expired[date_id, ticket_type_id] += n
    return expired


@dataclass
class DateLeft:
    """What is left on one date: per ticket type id offered there, and in all (the
    visible ticket types', within the date's own capacity). Never negative."""

    per_ticket_type: dict[int, int] = field(default_factory=dict)
    # The date's stock rows of the ticket types offered there, by ticket type id.
    offers: dict[int, DateTicketType] = field(default_factory=dict)
    total: int = 0
    # What ``total`` is out of: the date's capacity, or its visible types' together.
    capacity: int = 0


def availability_by_date(dates: Iterable[EventDate]) -> dict[int, DateLeft]:
    """What is left on each of ``dates`` (by id), without writing anything. Ticket types
    not offered on a date are left out."""
    dates = list(dates)
    ids = [d.pk for d in dates]
    expired = _expired_quantities(ids, timezone.now())
    rows: dict[int, list[tuple[DateTicketType, bool]]] = {d: [] for d in ids}
    for row in DateTicketType.objects.filter(date_id__in=ids, offered=True).select_related("ticket_type"):
        rows[row.date_id].append((row, row.ticket_type.hidden))
    result: dict[int, DateLeft] = {}
    for date in dates:
        shared = None
        if date.capacity is not None:
            freed = sum(n for (d, _), n in expired.items() if d == date.pk)
            shared = max(date.capacity - date.allocated + freed, 0)
        left = DateLeft()
        for row, hidden in rows[date.pk]:
            own = max(row.capacity - row.allocated + expired[date.pk, row.ticket_type_id], 0)
            left.per_ticket_type[row.ticket_type_id] = own if shared is None else min(own, shared)
            left.offers[row.ticket_type_id] = row
            if not hidden:
                left.total += own
                left.capacity += row.capacity
        if shared is not None and date.capacity is not None:
            left.total = min(left.total, shared)
            left.capacity = min(left.capacity, date.capacity)
        result[date.pk] = left
    return result


def availability(date: EventDate) -> dict[int, int]:
    """Tickets still available on ``date`` per ticket type id offered there (see ``availability_by_date``)."""
    return availability_by_date([date])[date.pk].per_ticket_type
