"""How many tickets are left and how many are sold: the one definition of each number.

- *allocated* (the counters on Event and TicketType, changed only by sales.stock):
  tickets in pending or paid orders plus tickets in holds, including holds and
  orders that expired but were not yet released;
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

from django.db.models import Count, Sum
from django.utils import timezone

from events.models import Event, TicketType
from sales.models import Hold, HoldLine, Order, Ticket


def sold_counts(event: Event) -> Counter[int]:
    """Sold tickets of the event, per ticket type id."""
    counts: Counter[int] = Counter()
    for ticket_type_id, n in (
        Ticket.objects.holding_stock()
        .filter(order__event=event)
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


def held_counts(event: Event) -> Counter[int]:
    """Tickets in live, unexpired holds (carts), per ticket type id."""
    counts: Counter[int] = Counter()
    for ticket_type_id, n in (
        HoldLine.objects.filter(
            hold__event=event, hold__status=Hold.Status.LIVE, hold__expires_at__gt=timezone.now()
        )
        .values_list("ticket_type_id")
        .annotate(n=Sum("quantity"))
    ):
        counts[ticket_type_id] += n
    return counts


def _expired_quantities(event: Event, now: dt.datetime) -> Counter[int]:
    """Per ticket type id: tickets still counted in ``allocated`` that are in fact free again."""
    expired: Counter[int] = Counter()
    holds = (
        HoldLine.objects.filter(hold__in=Hold.objects.expired(now).filter(event=event))
        .values_list("ticket_type_id")
        .annotate(n=Sum("quantity"))
    )
    orders = (
        Ticket.objects.filter(
            order__in=Order.objects.overdue(now).filter(event=event), voided_at__isnull=True
        )
        .values_list("ticket_type_id")
        .annotate(n=Count("id"))
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
