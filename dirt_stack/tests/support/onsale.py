"""Building on-sale rooms and crowds for the onsale tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from events.models import Event
from onsale import services
from onsale.models import QueueEntry, Room
from tests.factories import make_event, make_ticket_type


def room_event(capacity: int = 10_000, **settings: Any) -> tuple[Event, Room]:
    """A published event with one ticket type of ``capacity`` and an enabled room whose
    queue is open and whose sale starts in an hour (unless ``settings`` say otherwise)."""
    event = make_event()
    make_ticket_type(event, capacity=capacity, max_per_order=10)
    now = timezone.now()
    settings.setdefault("enabled", True)
    settings.setdefault("queue_opens_at", now - dt.timedelta(minutes=5))
    settings.setdefault("sale_starts_at", now + dt.timedelta(hours=1))
    room = services.configure(event, actor=None, actor_label="test", **settings)
    return event, room


def join_crowd(
    event: Event, count: int, *, prefix: str = "browser", now: dt.datetime | None = None
) -> list[QueueEntry]:
    """``count`` browsers join, one after another (``prefix``-0, -1, ...), in that order."""
    return [
        services.join(event, browser_id=f"{prefix}-{i}", client_hash=f"client-{i % 50}", now=now)
        for i in range(count)
    ]


_rounds = itertools.count(1)


def admitted(event: Event, browser_id: str, now: dt.datetime | None = None) -> str:
    """Join the event's queue as ``browser_id``, run a round and fetch the turn: the token.
    Without ``now``, each call's round runs a second later than the last one's (a round
    right after another is skipped)."""
    now = now or timezone.now() + dt.timedelta(seconds=next(_rounds))
    services.join(event, browser_id=browser_id, client_hash="client", now=now)
    services.tick(event.pk, now=now)
    turn = services.status(event, browser_id, now=now)
    assert turn.state == "your_turn", turn
    assert turn.token is not None
    return turn.token


def open_room_event(capacity: int = 100, **settings: Any) -> tuple[Event, Room]:
    """``room_event`` whose sale started a minute ago: joins queue in arrival order."""
    now = timezone.now()
    settings.setdefault("queue_opens_at", now - dt.timedelta(minutes=2))
    settings.setdefault("sale_starts_at", now - dt.timedelta(minutes=1))
    return room_event(capacity, **settings)
