"""The event editor: events, ticket types, vouchers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from backoffice.schemas.common import DateChoice
from core.schemas import IsoDateTime, Money, OneOf, PageProps, Shape
from sales.models import Voucher
from storefront.schemas import EventStatus, OrganizerRef


class EventFormValues(Shape):
    """An event's fields as the editor's inputs show them (times in the event's zone)."""

    title: str
    slug: str
    description: str
    venue_name: str
    venue_address: str
    is_online: bool
    timezone: str
    starts_at: str
    ends_at: str
    currency: str
    capacity: int | None
    hold_minutes: int
    collect_attendee_names: bool
    payment_methods: list[str]
    offline_payment_days: int


class EditableEvent(EventFormValues):
    status: EventStatus
    allocated: int
    # More than one: a series, whose times are its dates' (the dates page edits them).
    date_count: int
    cover_image_url: str | None
    public_url: str


class ManagedTicketType(Shape):
    id: int
    name: str
    description: str
    price: Money
    capacity: int
    sold: int
    allocated: int
    sales_start: str
    sales_end: str
    min_per_order: int
    max_per_order: int
    hidden: bool
    can_delete: bool


class VoucherRow(Shape):
    id: int
    code: str
    kind: Annotated[str, OneOf(Voucher.Kind.values)]
    value: Money
    max_usages: int
    redeemed: int
    valid_from: str
    valid_until: str
    ticket_types: list[str]
    dates: list[IsoDateTime] = Field(description="The starts of the dates it is valid on; empty: every date.")
    can_delete: bool


class EventCreatePageProps(PageProps):
    component = "Manage/EventCreate"

    organizer: OrganizerRef
    timezones: list[str]
    currencies: list[str]


class EventEditPageProps(PageProps):
    component = "Manage/EventEdit"

    organizer: OrganizerRef
    event: EditableEvent
    ticket_types: list[ManagedTicketType]
    vouchers: list[VoucherRow]
    dates: list[DateChoice] = Field(description="The event's dates, for a voucher's dates.")
    can_manage: bool
    timezones: list[str]
    currencies: list[str]
