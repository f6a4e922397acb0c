"""The dates page: an event's dates with their stock, and the preview of a rule's dates."""

from __future__ import annotations

from backoffice.schemas.common import EventInZone
from core.schemas import IsoDateTime, Money, PageProps, Shape
from storefront.schemas import DateStatus, OrganizerRef


class ManagedDateOffer(Shape):
    """A ticket type on one date, as the dates page shows and edits it."""

    ticket_type_id: int
    name: str
    capacity: int
    sold: int
    available: int
    # This date's own price; None: the ticket type's (``effective_price``).
    price: Money | None
    effective_price: Money
    offered: bool
    # Whether it may stop being offered here: nothing of it is sold or held on this date.
    can_withdraw: bool


class DateInputs(Shape):
    """A date's times as the edit and move forms' inputs show them (event-local, "2031-10-03T19:30")."""

    starts_at: str
    ends_at: str
    admission_at: str
    sales_start: str
    sales_end: str


class ManagedDate(Shape):
    id: int
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    admission_at: IsoDateTime | None
    inputs: DateInputs
    venue_name: str
    venue_address: str
    # Its own venue, or the event's.
    venue: str
    status: DateStatus
    # Its own limit shared by all ticket types (None: none).
    capacity: int | None
    sold: int
    # Sold plus held (the stock counter): the lowest capacity it may get.
    allocated: int
    available: int
    # What ``sold`` and ``available`` are out of: its capacity, or its visible types' together.
    total_capacity: int
    has_ended: bool
    # Pending and paid orders on it, and their distinct buyers: who cancelling or moving it emails.
    orders: int
    buyers: int
    can_delete: bool
    offers: list[ManagedDateOffer]


class DatesTicketType(Shape):
    id: int
    name: str
    price: Money
    capacity: int


class DatesPageProps(PageProps):
    component = "Manage/Dates"

    organizer: OrganizerRef
    event: EventInZone
    currency: str
    dates: list[ManagedDate]
    ticket_types: list[DatesTicketType]


class PreviewDate(Shape):
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    admission_at: IsoDateTime | None
    # The event already has a date starting then: adding the rule skips it.
    exists: bool


class DatesPreview(Shape):
    """The dates a rule would add, without adding them; or, when the rule is not valid,
    no dates and an error per field (``form`` for the rule as a whole)."""

    dates: list[PreviewDate]
    new: int
    errors: dict[str, str]
