"""The admission ticker: one admission round of a room, every ONSALE_TICK_SECONDS.

``tick_all`` runs on the outbox's sweeper thread of every process (core.outbox
``on_sweep(..., every=ONSALE_TICK_SECONDS)``: no thread or database connection of
its own, so the connection budget of ADR 0022 stays), and a status request ticks
its room when the ticker seems to have stopped. Each round of one room runs in one
transaction that first takes the event's transaction-level advisory lock
(``pg_try_advisory_xact_lock``; on SQLite, where one process serves, a threading
lock): whoever holds it admits, every other process skips the round, and a killed
process's lock ends with its connection. A round:

1. gives back admissions that ended (their session is over, or the turn was not
   picked up within ONSALE_TURN_PICKUP_SECONDS);
2. at the first round at or after ``sale_starts_at``, places the pre-queue: random
   mode by each entry's ``draw`` (from ``secrets``, fixed at join), first come first
   served by arrival; then places everyone else who joined, in arrival order, behind
   them. Positions are dense from 1 and given only here, so a join is a plain INSERT;
3. refills the token bucket (``admissions_per_minute`` over the time since the last
   round, capped so that a pause or a stopped ticker gives no burst);
4. admits, in position order (``FOR UPDATE SKIP LOCKED``), as many as the bucket, the
   free shopper slots (``max_active_shoppers`` less the valid admissions) and the
   tickets left (sales.quotas' available on the event's on-sale dates, less the valid
   admissions) allow, and notes whether nothing is left (``sold_out``).

Tickets come back when holds expire: quotas already count expired holds as free, so
admission resumes by itself; the ticker also returns expired holds' stock to the
counters (sales.stock.release_expired) at most every RELEASE_EVERY_SECONDS per process.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core import domain_events
from events.models import Event, EventDate
from onsale import snapshots
from onsale.models import QueueEntry, Room
from sales import quotas, stock

logger = logging.getLogger(__name__)

# The first key of the rooms' advisory locks ("ONS" in ASCII); the second is the event id.
ADVISORY_NAMESPACE = 0x4F4E53
# A round after a long pause of the ticker counts at most this much time.
MAX_ELAPSED_SECONDS = 10.0
# The bucket holds at most this many seconds' worth of admissions (and at least one).
BURST_SECONDS = 2.0
RELEASE_EVERY_SECONDS = 5.0

_process_locks: dict[int, threading.Lock] = {}
_process_locks_guard = threading.Lock()
_last_release: dict[int, float] = {}


@dataclass(frozen=True)
class TickResult:
    """What one round did; ``ran`` is False when another process (or a fresh round) had it."""

    ran: bool
    placed: int = 0
    admitted: int = 0
    expired: int = 0
    sold_out: bool = False


SKIPPED = TickResult(ran=False)


def _lock_key(event_id: int) -> int:
    """The event id as PostgreSQL's int4 (ids beyond 2^32 share a lock, never a room)."""
    return ((event_id + 2**31) % 2**32) - 2**31


@contextmanager
def _one_process_at_a_time(event_id: int) -> Iterator[bool]:
    """On SQLite, a lock per event in this process (SQLite is served by one process)."""
    if connection.vendor == "postgresql":
        yield True
        return
    with _process_locks_guard:
        lock = _process_locks.setdefault(event_id, threading.Lock())
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def _advisory_lock(event_id: int) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [ADVISORY_NAMESPACE, _lock_key(event_id)])
        return bool(cursor.fetchone()[0])


def tick(event_id: int, now: dt.datetime | None = None) -> TickResult:
    """One admission round of the event's room (see the module's docstring). ``now`` lets
    tests simulate time; a round is skipped when another holds the event's lock or the
    last one is fresher than half of ONSALE_TICK_SECONDS."""
    now = now or timezone.now()
    with _one_process_at_a_time(event_id) as mine:
        if not mine:
            return SKIPPED
        with transaction.atomic():
            if not _advisory_lock(event_id):
                return SKIPPED
            room = Room.objects.select_for_update().filter(event_id=event_id).first()
            if room is None or not room.is_active(now):
                return SKIPPED
            if (
                room.last_tick_at
                and (now - room.last_tick_at).total_seconds() < settings.ONSALE_TICK_SECONDS / 2
            ):
                return SKIPPED
            result, dates = _round(room, now)
    # This process's status answers read the room afresh, whoever ran the round here
    # (the sweeper's thread or a status request).
    snapshots.forget()
    if dates and time.monotonic() - _last_release.get(event_id, 0.0) >= RELEASE_EVERY_SECONDS:
        # After the round's commit: returning stock locks the dates' hot rows.
        _last_release[event_id] = time.monotonic()
        for date_id in dates:
            stock.release_expired(date_id)
    return result


def on_sale_dates(event_id: int, now: dt.datetime) -> list[EventDate]:
    """The event's dates whose tickets may be sold now or later (not cancelled, sold out
    by hand, over, or past their sales end)."""
    return list(
        EventDate.objects.filter(
            Q(sales_end__isnull=True) | Q(sales_end__gt=now),
            event_id=event_id,
            event__status=Event.Status.PUBLISHED,
            status=EventDate.Status.ON_SALE,
            ends_at__gt=now,
        )
    )


def valid_admissions(room: Room, now: dt.datetime) -> int:
    """Admissions whose token is valid now (admitted, not used, not ended)."""
    return QueueEntry.objects.filter(room=room, status=QueueEntry.Status.ADMITTED, expires_at__gt=now).count()


def _round(room: Room, now: dt.datetime) -> tuple[TickResult, list[int]]:
    pickup = dt.timedelta(seconds=settings.ONSALE_TURN_PICKUP_SECONDS)
    expired = QueueEntry.objects.filter(
        Q(expires_at__lte=now) | Q(picked_up_at__isnull=True, admitted_at__lte=now - pickup),
        room=room,
        status=QueueEntry.Status.ADMITTED,
    ).update(status=QueueEntry.Status.EXPIRED)

    if now < room.sale_starts_at:
        Room.objects.filter(pk=room.pk).update(last_tick_at=now)
        return TickResult(ran=True, expired=expired), []

    placed = 0
    if room.opened_at is None:
        placed += _draw_prequeue(room)
        room.opened_at = now
    placed += _place(room, "joined_at, id", prequeued_only=False)

    per_second = room.admissions_per_minute / 60
    capacity = max(1.0, per_second * max(BURST_SECONDS, 2 * settings.ONSALE_TICK_SECONDS))
    since = max(room.last_tick_at or room.sale_starts_at, room.sale_starts_at)
    elapsed = min(max((now - since).total_seconds(), 0.0), MAX_ELAPSED_SECONDS)
    if not room.paused:
        room.admission_credit = min(room.admission_credit + elapsed * per_second, capacity)

    dates = on_sale_dates(room.event_id, now)
    left = sum(d.total for d in quotas.availability_by_date(dates).values())
    active = valid_admissions(room, now)
    room.sold_out = left <= 0
    admitted = 0
    if not room.paused:
        wanted = min(int(room.admission_credit), room.max_active_shoppers - active, left - active)
        if wanted > 0:
            admitted = _admit(room, wanted, now)
            room.admission_credit -= admitted
    Room.objects.filter(pk=room.pk).update(
        opened_at=room.opened_at,
        next_position=room.next_position,
        admitted_through=room.admitted_through,
        admission_credit=room.admission_credit,
        last_tick_at=now,
        sold_out=room.sold_out,
    )
    result = TickResult(ran=True, placed=placed, admitted=admitted, expired=expired, sold_out=room.sold_out)
    return result, [d.pk for d in dates]


def _draw_prequeue(room: Room) -> int:
    """Place the pre-queue: by draw (random mode) or by arrival (fifo)."""
    if room.mode == Room.Mode.FIFO:
        return _place(room, "joined_at, id", prequeued_only=True)
    # Entries that joined while the room was first come, first served have no draw
    # yet (the mode changed before opening): they draw now, stored like the others.
    for entry_id in QueueEntry.objects.filter(
        room=room, prequeued=True, draw__isnull=True, position__isnull=True
    ).values_list("id", flat=True):
        QueueEntry.objects.filter(pk=entry_id).update(draw=new_draw())
    return _place(room, "draw, id", prequeued_only=True)


def new_draw() -> int:
    """A pre-queued entry's random rank: 63 bits from the operating system's CSPRNG."""
    return secrets.randbits(63)


def _place(room: Room, order: str, *, prequeued_only: bool) -> int:
    """Give the room's unplaced entries (all, or the pre-queued) the next positions, in
    ``order``: one UPDATE, so positions stay dense and unique."""
    table = connection.ops.quote_name(QueueEntry._meta.db_table)
    only = "AND prequeued" if prequeued_only else ""
    # ``order`` and ``only`` are code, never input.
    sql = (
        f"UPDATE {table} SET position = ranked.rn + %s "  # noqa: S608
        f"FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY {order}) AS rn FROM {table} "
        f"WHERE room_id = %s AND position IS NULL {only}) AS ranked "
        f"WHERE {table}.id = ranked.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [room.next_position - 1, room.pk])
        placed = max(cursor.rowcount, 0)
    room.next_position += placed
    return placed


def _admit(room: Room, wanted: int, now: dt.datetime) -> int:
    """Admit up to ``wanted`` waiting entries in position order; returns how many."""
    chosen = list(
        QueueEntry.objects.select_for_update(skip_locked=True)
        .filter(room=room, status=QueueEntry.Status.WAITING, position__isnull=False)
        .order_by("position")
        .values_list("id", "position")[:wanted]
    )
    if not chosen:
        return 0
    QueueEntry.objects.filter(pk__in=[c[0] for c in chosen], status=QueueEntry.Status.WAITING).update(
        status=QueueEntry.Status.ADMITTED,
        admitted_at=now,
        expires_at=now + dt.timedelta(minutes=room.session_minutes),
    )
    room.admitted_through = max(room.admitted_through, *(c[1] or 0 for c in chosen))
    event = Event.objects.only("id", "organizer_id", "sends_webhooks").get(pk=room.event_id)
    domain_events.record(
        domain_events.ONSALE_ADMITTED,
        event,
        room_id=room.pk,
        event_id=room.event_id,
        admitted=len(chosen),
        admitted_through=room.admitted_through,
    )
    return len(chosen)


def active_room_event_ids(now: dt.datetime | None = None) -> list[int]:
    """Events whose room is enabled, open and whose event has not ended."""
    now = now or timezone.now()
    return list(
        Room.objects.filter(enabled=True, queue_opens_at__lte=now, event__ends_at__gt=now).values_list(
            "event_id", flat=True
        )
    )


def tick_all(now: dt.datetime | None = None) -> list[TickResult]:
    """One round of every active room."""
    return [tick(event_id, now) for event_id in active_room_event_ids(now)]


def tick_all_quietly() -> None:
    """``tick_all`` for the sweeper thread: one room's failure does not stop the others."""
    for event_id in active_room_event_ids():
        try:
            tick(event_id)
        except Exception:
            logger.exception("on-sale room tick failed", extra={"event_id": event_id})
