"""Small builders for test data. Each takes keyword overrides for any field."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Membership, Organizer, User
from events.models import Event, TicketType

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
    return Event.objects.create(starts_at=starts_at, **fields)


def make_ticket_type(event: Event, **fields: Any) -> TicketType:
    n = next(_sequence)
    fields.setdefault("name", f"Ticket {n}")
    fields.setdefault("price", Decimal("10.00"))
    fields.setdefault("capacity", 100)
    fields.setdefault("position", n)
    return TicketType.objects.create(event=event, **fields)
