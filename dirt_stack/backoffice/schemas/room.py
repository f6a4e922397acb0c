"""The on-sale room's console (``Manage/Room``): its settings, live counts and log. The
organizer API answers the same settings and counts (``api/manage/room.py``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from backoffice.schemas.common import EventInZone
from core.schemas import IsoDateTime, OneOf, PageProps, Shape
from storefront.schemas import OrganizerRef, RoomMode

RoomAction = Annotated[
    str, OneOf(["enabled", "disabled", "settings_changed", "paused", "resumed", "rate_changed"])
]


class RoomSettings(Shape):
    """The room's settings as the form's inputs show them (times event-local)."""

    enabled: bool
    queue_opens_at: str = Field(description="Event-local, e.g. 2031-06-01T09:30.")
    sale_starts_at: str = Field(description="Event-local, e.g. 2031-06-01T10:00.")
    admissions_per_minute: int
    max_active_shoppers: int
    session_minutes: int = Field(description="How long an admitted shopper's reservation lasts.")
    mode: RoomMode


class RoomCounts(Shape):
    """The room right now (onsale.services.counts)."""

    prequeued: int = Field(description="Joined before the sale started.")
    queued: int = Field(description="Waiting for their turn.")
    admitted: int = Field(description="Holding a valid, unused admission.")
    used: int = Field(description="Admissions used for a reservation or a purchase.")
    active_holds: int = Field(description="Live reservations on the event's dates.")
    admissions_last_minute: int
    sold_out: bool
    paused: bool
    active: bool = Field(description="Enabled and the queue is open: reserving needs an admission.")


class RoomChangeRow(Shape):
    action: RoomAction
    summary: str = Field(description="What changed, before and after.")
    actor: str
    created_at: IsoDateTime


class RoomPageProps(PageProps):
    component = "Manage/Room"

    organizer: OrganizerRef
    event: EventInZone
    settings: RoomSettings
    exists: bool = Field(description="The room was configured at least once.")
    counts: RoomCounts
    changes: list[RoomChangeRow]
    counts_url: str = Field(description="Polled every 2 s for the live counts (RoomCounts as JSON).")
