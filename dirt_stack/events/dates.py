"""An event's dates: creating them, their stock rows, and the event's span.

Every event has at least one date (events.models.EventDate). A date gets a
stock row (DateTicketType) for each of the event's ticket types when either is
created; the capacities a new row starts with are the event's and the ticket
type's. Changing those defaults moves every date that still follows them.

Changes that concern a date's buyers (cancelling it, moving it) live in
sales.date_changes, which calls these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Sum

from core.statements import constraint_name
from events.models import DateTicketType, Event, EventDate, TicketType, capacity_below_allocated

# Told, inside the transaction that raised a capacity, which dates may have tickets free
# because of it (the waiting list offers them before the public: waitlist.services).
_capacity_raised: list[Callable[[list[int]], None]] = []


def on_capacity_raised(listener: Callable[[list[int]], None]) -> None:
    """Register ``listener(date_ids)``, run when a date's or a ticket type's capacity on
    some dates rose (or a shared capacity was removed, or a type is offered again)."""
    if listener not in _capacity_raised:
        _capacity_raised.append(listener)


def capacity_raised(date_ids: Iterable[int]) -> None:
    """Run the ``on_capacity_raised`` listeners for these dates (none when empty)."""
    ids = sorted(set(date_ids))
    if ids:
        for listener in _capacity_raised:
            listener(ids)


# Told, once a date's cancellation is committed and before its holds are released, which
# dates were cancelled (the waiting list closes their entries and tells who waited).
_dates_cancelled: list[Callable[[list[int]], None]] = []


def on_dates_cancelled(listener: Callable[[list[int]], None]) -> None:
    """Register ``listener(date_ids)``, run after dates (or a whole event) were cancelled."""
    if listener not in _dates_cancelled:
        _dates_cancelled.append(listener)


def dates_cancelled(date_ids: Iterable[int]) -> None:
    """Run the ``on_dates_cancelled`` listeners for these dates (none when empty)."""
    ids = sorted(set(date_ids))
    if ids:
        for listener in _dates_cancelled:
            listener(ids)


@dataclass(frozen=True)
class DateTimes:
    """When a new date happens (aware date-times)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    admission_at: dt.datetime | None = None


def add_stock_rows(dates: Iterable[EventDate], ticket_types: Iterable[TicketType]) -> None:
    """Give each of ``dates`` a stock row for each of ``ticket_types`` it lacks."""
    rows = [
        DateTicketType(date=date, ticket_type=ticket_type, capacity=ticket_type.capacity)
        for date in dates
        for ticket_type in ticket_types
    ]
    DateTicketType.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def add_dates(event: Event, times: Sequence[DateTimes]) -> list[EventDate]:
    """Create dates of ``event`` with the event's capacity and a stock row per ticket type."""
    dates = EventDate.objects.bulk_create(
        EventDate(
            event=event,
            starts_at=t.starts_at,
            ends_at=t.ends_at,
            admission_at=t.admission_at,
            capacity=event.capacity,
        )
        for t in times
    )
    add_stock_rows(dates, list(event.ticket_types.all()))
    refresh_span(event)
    return dates


def refresh_span(event: Event) -> None:
    """Set the event's ``starts_at``/``ends_at`` to the span of its dates (the only writer)."""
    span = EventDate.objects.filter(event=event).aggregate(first=Min("starts_at"), last=Max("ends_at"))
    if span["first"] is None:
        return
    Event.objects.filter(pk=event.pk).update(starts_at=span["first"], ends_at=span["last"])
    event.starts_at, event.ends_at = span["first"], span["last"]


def follow_event_capacity(event: Event, previous: int | None) -> None:
    """Dates whose capacity was the event's (``previous``) take its new one."""
    if previous != event.capacity:
        following = list(
            EventDate.objects.filter(event=event, capacity=previous).values_list("pk", flat=True)
        )
        try:
            set_capacity(following, event.capacity)
        except IntegrityError as exc:
            # Sold since the form checked: the CHECK constraint refused, nothing changed.
            if constraint_name(exc) != "event_date_allocated_within_capacity":
                raise
            counts = (
                DateTicketType.objects.filter(date_id__in=following)
                .order_by()
                .values("date_id")
                .annotate(n=Sum("allocated"))
                .values_list("n", flat=True)
            )
            raise ValidationError({"capacity": capacity_below_allocated(max(counts, default=0))}) from exc


@transaction.atomic
def set_capacity(date_ids: Sequence[int], capacity: int | None) -> None:
    """Set the shared capacity of these dates (in a savepoint of the caller's transaction).

    A date counts its tickets on its own row only while it has a shared capacity
    (sales.stock, ADR 0012), so a date that gains one starts counting from its ticket
    types' rows, read under their locks: the date's row first, then its stock rows, in
    the order purchases lock them, so the sum holds until this transaction commits. A
    date that loses its capacity stops counting (0). A capacity below the tickets sold
    or held fails the CHECK constraint (IntegrityError) and changes nothing."""
    if not date_ids:
        return
    locked = list(
        EventDate.objects.select_for_update(no_key=True)
        .filter(pk__in=date_ids)
        .order_by("pk")
        .values_list("pk", "capacity")
    )
    raised = []
    for date_id, current in locked:
        if capacity is None:
            EventDate.objects.filter(pk=date_id).update(capacity=None, allocated=0)
        elif current is None:
            counters = (
                DateTicketType.objects.select_for_update(no_key=True)
                .filter(date_id=date_id)
                .order_by("ticket_type_id")
                .values_list("allocated", flat=True)
            )
            EventDate.objects.filter(pk=date_id).update(capacity=capacity, allocated=sum(counters))
        else:
            EventDate.objects.filter(pk=date_id).update(capacity=capacity)
        if current is not None and (capacity is None or capacity > current):
            raised.append(date_id)
    capacity_raised(raised)


def follow_ticket_type_capacity(ticket_type: TicketType, previous: int) -> None:
    """Dates whose capacity of this type was its default (``previous``) take its new one."""
    if previous != ticket_type.capacity:
        following = DateTicketType.objects.filter(ticket_type=ticket_type, capacity=previous)
        rose = ticket_type.capacity > previous
        date_ids = list(following.values_list("date_id", flat=True)) if rose else []
        following.update(capacity=ticket_type.capacity)
        capacity_raised(date_ids)
