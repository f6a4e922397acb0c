"""What happened in the domain, told to whoever listens outside it (the webhooks app).

A domain app calls ``record(type, event, subject)`` inside the transaction of the change it
describes: one OutboxMessage row (``KIND``) is written with it, so a rolled-back change
tells nothing and a committed one is never lost (core.outbox). Nothing is written unless
the event says someone listens (``Event.sends_webhooks``, kept by the webhooks app from its
enabled endpoints), so a change nobody listens to costs no write at all.

A writer that inserts its rows itself (sales.order_writer, one PostgreSQL statement) builds
the row with ``message`` and saves it with the rest, then ``outbox.dispatch_on_commit``.

``subject`` holds ids and the state at the time of the change (an order's status), never a
snapshot: the listener builds the snapshot from the ids when it fans the message out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.utils import timezone

from core import outbox
from core.models import OutboxMessage

KIND = "webhooks.fanout"

ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_CANCELLED = "order.cancelled"
ORDER_REFUNDED = "order.refunded"
ORDER_EXPIRED = "order.expired"
ATTENDEE_CHANGED = "attendee.changed"
CHECKIN_CREATED = "checkin.created"
CHECKIN_REVERTED = "checkin.reverted"
EVENT_CREATED = "event.created"
EVENT_UPDATED = "event.updated"
TICKET_TYPE_CREATED = "ticket_type.created"
TICKET_TYPE_UPDATED = "ticket_type.updated"
WAITLIST_ENTRY_CREATED = "waitlist.entry_created"
WAITLIST_ENTRY_OFFERED = "waitlist.entry_offered"
ONSALE_ADMITTED = "onsale.admitted"

TYPES: tuple[str, ...] = (
    ORDER_CREATED,
    ORDER_PAID,
    ORDER_CANCELLED,
    ORDER_REFUNDED,
    ORDER_EXPIRED,
    ATTENDEE_CHANGED,
    CHECKIN_CREATED,
    CHECKIN_REVERTED,
    EVENT_CREATED,
    EVENT_UPDATED,
    TICKET_TYPE_CREATED,
    TICKET_TYPE_UPDATED,
    WAITLIST_ENTRY_CREATED,
    WAITLIST_ENTRY_OFFERED,
    ONSALE_ADMITTED,
)


class Listened(Protocol):
    """An event (events.Event) as far as this module reads it."""

    @property
    def pk(self) -> Any: ...
    @property
    def organizer_id(self) -> Any: ...
    @property
    def sends_webhooks(self) -> bool: ...


@dataclass(frozen=True)
class EventRef:
    """What ``record`` needs of an event, when the caller read only these columns."""

    pk: int
    organizer_id: int
    sends_webhooks: bool


def entry(event_type: str, **subject: Any) -> dict[str, Any]:
    """One thing that happened, now: its type, time and subject (ids and state)."""
    if event_type not in TYPES:
        raise ValueError(f"Unknown domain event type {event_type!r}.")
    return {"type": event_type, "timestamp": timezone.now().isoformat(), "subject": subject}


def message(event: Listened, entries: list[dict[str, Any]]) -> OutboxMessage | None:
    """The unsaved row telling ``entries`` about ``event``, or None when nobody listens."""
    if not event.sends_webhooks or not entries:
        return None
    return outbox.new_message(
        KIND, {"organizer_id": event.organizer_id, "event_id": event.pk, "events": entries}
    )


def record(event_type: str, event: Listened, **subject: Any) -> OutboxMessage | None:
    """Record that ``event_type`` happened to ``subject`` (of ``event``), in the caller's
    transaction; nothing when nobody listens to the event."""
    return record_many(event, [entry(event_type, **subject)])


def record_many(event: Listened, entries: list[dict[str, Any]]) -> OutboxMessage | None:
    """Several things that happened to one event, as one row."""
    row = message(event, entries)
    if row is None:
        return None
    row.save(force_insert=True)
    outbox.dispatch_on_commit(row)
    return row
