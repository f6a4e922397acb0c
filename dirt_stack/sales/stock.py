"""Stock: the only code that reads or changes how many tickets are left.

Availability of a ticket type is the smaller of what its own capacity and the
event's optional shared capacity leave.
"""

from __future__ import annotations

from collections.abc import Iterable

from events.models import Event, TicketType


def event_remaining(event: Event) -> int | None:
    """Tickets the event-wide capacity still allows; None when there is no such limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - event.allocated, 0)


def availability(event: Event, ticket_types: Iterable[TicketType]) -> dict[int, int]:
    """Tickets still available per ticket type id (never negative)."""
    shared = event_remaining(event)
    result = {}
    for ticket_type in ticket_types:
        own = max(ticket_type.capacity - ticket_type.allocated, 0)
        result[ticket_type.pk] = own if shared is None else min(own, shared)
    return result
