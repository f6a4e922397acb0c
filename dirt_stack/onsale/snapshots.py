"""Per-process snapshots of the rooms the queue status answer reads.

The waiting crowd polls its status; each poll needs the event's id and its room's row
(settings, ``admitted_through``, ``sold_out``...), which change at most once a tick. This
process keeps them by event slug for at most REFRESH_SECONDS (as the gate's map of
enabled rooms is kept), so a poll reads only the browser's own entry. A room's
settings changed in this process (``onsale.services.configure``) or a tick run here
forget them at once; other processes see a change within REFRESH_SECONDS. Snapshots
are shared between requests: read them, never change them.
"""

from __future__ import annotations

import time

from onsale.models import Room

REFRESH_SECONDS = 1.0
# Only public events with that slug are kept; past this many, start afresh.
MAX_SNAPSHOTS = 10_000

_by_slug: dict[str, tuple[float, int, Room | None]] = {}


def get(slug: str) -> tuple[int, Room | None] | None:
    """(event id, its room or None) when read less than REFRESH_SECONDS ago, else None."""
    snapshot = _by_slug.get(slug)
    if snapshot is None or time.monotonic() - snapshot[0] >= REFRESH_SECONDS:
        return None
    return snapshot[1], snapshot[2]


def put(slug: str, event_id: int, room: Room | None) -> None:
    if len(_by_slug) >= MAX_SNAPSHOTS:
        _by_slug.clear()
    _by_slug[slug] = (time.monotonic(), event_id, room)


def forget() -> None:
    """Read every room afresh at its next poll."""
    _by_slug.clear()
