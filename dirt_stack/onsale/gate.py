"""The gate: while an event's room is active, holds and purchases need a valid admission.

``admission(event, token=..., browser_id=...)`` answers None for an event without an
active room, at no query: it reads a per-process map of the events whose room is
enabled (with their queue's opening time), refreshed from the database at most every
REFRESH_SECONDS (so a room enabled or disabled takes effect within that on every
instance). For an event with an active room it verifies the admission token
(signature, ``exp``, event, browser) and reads its entry's row (one query by primary
key), raising ``AdmissionRequired`` with the reason otherwise.

The admission is used up by the purchase or hold itself: ``Admission.claims()`` is a
``core.statements.Claim`` the caller passes as ``extra_claims`` to
``sales.purchase.place_order`` or ``start_checkout``, so the entry becomes ``used`` in
the same write as the order or hold, exactly once, and stays valid when the purchase
is refused (sold out, invalid input).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from core import statements
from events.models import Event
from onsale import snapshots, tokens
from onsale.exceptions import AdmissionRequired
from onsale.models import QueueEntry, Room

REFRESH_SECONDS = 1.0
CLAIM_NAME = "onsale_admission"

_rooms: dict[int, dt.datetime] = {}
_rooms_loaded_at = float("-inf")
_rooms_guard = threading.Lock()


def enabled_rooms() -> dict[int, dt.datetime]:
    """Event id -> queue_opens_at of every enabled room (per process, at most REFRESH_SECONDS old)."""
    global _rooms, _rooms_loaded_at
    if time.monotonic() - _rooms_loaded_at < REFRESH_SECONDS:
        return _rooms
    with _rooms_guard:
        if time.monotonic() - _rooms_loaded_at >= REFRESH_SECONDS:
            _rooms = dict(Room.objects.filter(enabled=True).values_list("event_id", "queue_opens_at"))
            _rooms_loaded_at = time.monotonic()
    return _rooms


def forget_rooms() -> None:
    """Reload the map, and the status answer's room snapshots, at the next call (a room's
    settings changed in this process)."""
    global _rooms_loaded_at
    _rooms_loaded_at = float("-inf")
    snapshots.forget()


def room_active(event_id: int, now: dt.datetime | None = None) -> bool:
    """Whether the event's room is enabled and its queue open (from the per-process map)."""
    opens = enabled_rooms().get(event_id)
    return opens is not None and (now or timezone.now()) >= opens


@dataclass(frozen=True)
class Admission:
    """A valid admission to one event's shop: pass ``claims()`` to the purchase or hold."""

    event_id: int
    entry_id: int
    expires_at: dt.datetime
    # The hold time of a hold made under the room: the room's session length.
    hold_minutes: int

    def claims(self) -> list[statements.Claim]:
        """The claim that uses the admission up, in the write of the order or hold."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())

        def refused(name: str) -> Exception:
            return AdmissionRequired("used")

        return [
            statements.Claim(
                name=CLAIM_NAME,
                model=QueueEntry,
                assignments="status = %s, used_at = %s",
                condition="id = %s AND status = %s AND expires_at > %s",
                params=(
                    QueueEntry.Status.USED.value,
                    now,
                    self.entry_id,
                    QueueEntry.Status.ADMITTED.value,
                    now,
                ),
                refused=refused,
            )
        ]


def admission(event: Event, *, token: str | None, browser_id: str | None) -> Admission | None:
    """None when the event has no active room; else the visitor's valid Admission, or
    AdmissionRequired naming why not (see the module's docstring)."""
    now = timezone.now()
    if not room_active(event.pk, now):
        return None
    if not token:
        raise AdmissionRequired("missing")
    try:
        claims = tokens.verify(token)
    except tokens.TokenExpired as exc:
        raise AdmissionRequired("expired") from exc
    except tokens.TokenInvalid as exc:
        raise AdmissionRequired("invalid") from exc
    if claims.event_id != event.pk:
        raise AdmissionRequired(
            "invalid",
            gettext("This admission is for another event: join this event's queue to get your turn."),
        )
    if not browser_id or tokens.browser_hash(browser_id) != claims.browser_hash:
        raise AdmissionRequired("other_browser")
    row = (
        QueueEntry.objects.filter(pk=claims.entry_id, room__event_id=event.pk)
        .values_list("status", "expires_at", "room__session_minutes")
        .first()
    )
    if row is None:
        raise AdmissionRequired("invalid")
    status, expires_at, session_minutes = row
    if status == QueueEntry.Status.USED:
        raise AdmissionRequired("used")
    if status != QueueEntry.Status.ADMITTED or expires_at is None or expires_at <= now:
        raise AdmissionRequired("expired")
    return Admission(event.pk, claims.entry_id, expires_at, session_minutes)
