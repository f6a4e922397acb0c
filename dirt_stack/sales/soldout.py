"""Per-process snapshots of sold-out purchases: what the purchase API's fast lane answers from.

After a sell-out almost every purchase request is refused "sold out"
(``sales.purchase.known_sold_out``), each after reading the same event, date, ticket
types and counters. The purchase that finds a request's tickets sold out keeps what it
read here, as its ``PurchaseTarget`` (the event, the date, the chosen ticket types and
their counters, and whether expired holds or overdue orders may give stock back), by the
request's shape: the event's slug, the date as given and the chosen ticket type ids. For
at most REFRESH_SECONDS after that read, a request of the same shape is answered from the
snapshot (api/fast_lane.py) by the same ``known_sold_out``, without reading them again;
the first request after that reads them afresh through the full purchase, which keeps
a new snapshot only if it is still sold out.

How stale, and why it never oversells: a snapshot only ever refuses. A ticket freed in
another process (a hold that expired, a cancellation, a raised capacity) is sold at most
REFRESH_SECONDS later in this one; freed in this process (``sales.stock``'s give-backs,
a saved event, date or ticket type), at once: every snapshot is forgotten. Every sale
still takes its stock in the database (sales.stock), whatever a snapshot said.

Snapshots are shared between requests: read them, never change them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models.signals import post_delete, post_save

from core import statements
from events.models import DateTicketType, Event, EventDate, TicketType
from sales.models import IdempotencyRecord

if TYPE_CHECKING:
    from sales.purchase import PurchaseTarget

REFRESH_SECONDS = 1.0
# The snapshots' clock (tests move it on).
clock = time.monotonic
# Shapes are chosen by clients; past this many, start afresh.
MAX_SNAPSHOTS = 10_000

Shape = tuple[str, int | None, tuple[int, ...]]

_by_shape: dict[Shape, tuple[float, PurchaseTarget]] = {}


def shape(slug: str, date_id: int | None, quantities: Mapping[int, int]) -> Shape:
    """What a purchase request reads (``event_for_purchase``'s arguments but the key)."""
    return slug, date_id, tuple(sorted(quantities))


def get(key: Shape) -> PurchaseTarget | None:
    """The target a sold-out purchase of this shape read less than REFRESH_SECONDS ago."""
    snapshot = _by_shape.get(key)
    if snapshot is None or clock() - snapshot[0] >= REFRESH_SECONDS:
        return None
    return snapshot[1]


def put(key: Shape, read_since: float, target: PurchaseTarget) -> None:
    """Keep ``target``, read after ``read_since`` (by ``clock``), for this shape."""
    if len(_by_shape) >= MAX_SNAPSHOTS:
        _by_shape.clear()
    _by_shape[key] = (read_since, target)


def forget(*_: object, **__: object) -> None:
    """Read every purchase afresh: stock came back or an event changed in this process."""
    _by_shape.clear()


# A saved event, date, ticket type or date's stock row (status, capacity, sales window,
# price...) may change any answer; stock taken or returned is written without a save
# (sales.stock forgets when it gives some back).
for _model in (Event, EventDate, TicketType, DateTicketType):
    post_save.connect(forget, sender=_model, dispatch_uid=f"soldout-{_model.__name__}-saved")
    post_delete.connect(forget, sender=_model, dispatch_uid=f"soldout-{_model.__name__}-deleted")


@functools.cache
def _key_used_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT 1 FROM {quote(IdempotencyRecord._meta.db_table)} "  # noqa: S608 - a table's name
        "WHERE scope = %s AND key = %s"
    )


def key_used(event_id: int, idempotency_key: str) -> bool:
    """Whether a purchase of the event was placed under this Idempotency-Key (one indexed
    lookup, prepared): a retry of it replays its order instead of being refused."""
    return bool(statements.fetch(_key_used_sql(connection.vendor), [f"purchase:{event_id}", idempotency_key]))
