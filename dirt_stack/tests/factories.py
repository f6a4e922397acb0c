"""Small builders for test data. Each takes keyword overrides for any field."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from accounts.models import Membership, Organizer, User
from events import dates
from events.models import DateTicketType, Event, EventDate, TicketType

_sequence = itertools.count(1)


def make_user(**fields: Any) -> User:
    n = next(_sequence)
    password = fields.pop("password", "correct-horse-battery")
    fields.setdefault("email", f"user{n}@example.com")
    fields.setdefault("full_name", f"User {n}")
    return User.objects.create_user(password=password, **fields)


def make_organizer(**fields: Any) -> Organizer:
    n = next(_sequence)
    fields.setdefault("name", f"Organizer {n}")
    fields.setdefault("slug", f"organizer-{n}")
    return Organizer.objects.create(**fields)


def make_member(organizer: Organizer, role: str = Membership.Role.OWNER, **user_fields: Any) -> User:
    user = make_user(**user_fields)
    Membership.objects.create(organizer=organizer, user=user, role=role)
    return user


def make_event(**fields: Any) -> Event:
    n = next(_sequence)
    starts_at = fields.pop("starts_at", timezone.now() + dt.timedelta(days=7 + n))
    fields.setdefault("organizer", make_organizer() if "organizer" not in fields else fields["organizer"])
    fields.setdefault("title", f"Event {n}")
    fields.setdefault("slug", f"event-{n}")
    fields.setdefault("status", Event.Status.PUBLISHED)
    fields.setdefault("timezone", "Europe/Prague")
    fields.setdefault("venue_name", "Town Hall")
    fields.setdefault("ends_at", starts_at + dt.timedelta(hours=3))
    event = Event.objects.create(starts_at=starts_at, **fields)
    dates.add_dates(event, [dates.DateTimes(event.starts_at, event.ends_at)])
    if event.status == Event.Status.CANCELLED:
        event.dates.update(status=EventDate.Status.CANCELLED)
    return event


def make_ticket_type(event: Event, **fields: Any) -> TicketType:
    n = next(_sequence)
    fields.setdefault("name", f"Ticket {n}")
    fields.setdefault("price", Decimal("10.00"))
    fields.setdefault("capacity", 100)
    fields.setdefault("position", n)
    ticket_type = TicketType.objects.create(event=event, **fields)
    dates.add_stock_rows(event.dates.all(), [ticket_type])
    return ticket_type


def only_date(event: Event) -> EventDate:
    """A single-date event's date, with its event loaded (what purchases take)."""
    date = event.dates.get()
    date.event = event
    return date


def make_date(event: Event, **fields: Any) -> EventDate:
    """Another date of ``event`` (a week after its last one unless ``starts_at`` is given),
    offering every ticket type with its capacity."""
    last = event.dates.order_by("-starts_at").first()
    starts_at = fields.pop("starts_at", (last.starts_at if last else timezone.now()) + dt.timedelta(days=7))
    fields.setdefault("ends_at", starts_at + dt.timedelta(hours=3))
    (date,) = dates.add_dates(event, [dates.DateTimes(starts_at, fields.pop("ends_at"))])
    if fields:
        EventDate.objects.filter(pk=date.pk).update(**fields)
        date.refresh_from_db()
    date.event = event
    return date


def shared_allocated(date: EventDate) -> int:
    """A date's own counter (kept while it has a shared capacity), fresh from the database."""
    return EventDate.objects.get(pk=date.pk).allocated


def allocated(of: Event | TicketType | EventDate) -> int:
    """The tickets sold or held on a date (its ticket types' stock counters: the date's
    own is kept only under a shared capacity, ``shared_allocated``), or the sum of an
    event's or a ticket type's over their dates (fresh from the database)."""
    if isinstance(of, EventDate):
        rows = DateTicketType.objects.filter(date_id=of.pk)
    elif isinstance(of, Event):
        rows = DateTicketType.objects.filter(date__event_id=of.pk)
    else:
        rows = DateTicketType.objects.filter(ticket_type_id=of.pk)
    return rows.aggregate(n=Sum("allocated"))["n"] or 0
