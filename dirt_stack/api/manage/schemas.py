"""The organizer API's request and response bodies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class ManagedEventOut(Schema):
    slug: str
    title: str
    status: str
    description: str
    venue_name: str
    venue_address: str
    is_online: bool
    timezone: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    currency: str
    capacity: int | None
    hold_minutes: int
    collect_attendee_names: bool
    payment_methods: list[str]


class EventIn(Schema):
    title: str = Field(..., max_length=200)
    slug: str | None = Field(None, max_length=100)
    description: str = Field("", max_length=20_000)
    venue_name: str = Field("", max_length=200)
    venue_address: str = Field("", max_length=300)
    is_online: bool = False
    timezone: str = Field("UTC", max_length=64)
    starts_at: dt.datetime
    ends_at: dt.datetime
    currency: str = Field("EUR", max_length=3)
    capacity: int | None = Field(None, ge=1)


class EventPatch(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20_000)
    venue_name: str | None = Field(None, max_length=200)
    venue_address: str | None = Field(None, max_length=300)
    is_online: bool | None = None
    timezone: str | None = Field(None, max_length=64)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    currency: str | None = Field(None, max_length=3)
    capacity: int | None = Field(None, ge=1)


class ManagedTicketTypeOut(Schema):
    id: int
    name: str
    description: str
    price: Decimal
    capacity: int
    sold: int = Field(description="Tickets in pending or paid orders, less refunded ones (sales.quotas).")
    available: int = Field(description="Tickets buyers may still take, on all dates together.")
    sales_start: dt.datetime | None
    sales_end: dt.datetime | None
    min_per_order: int
    max_per_order: int
    hidden: bool


class TicketTypeIn(Schema):
    name: str = Field(..., max_length=120)
    description: str = Field("", max_length=5000)
    price: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)
    capacity: int = Field(..., ge=1, le=10_000_000)
    sales_start: dt.datetime | None = None
    sales_end: dt.datetime | None = None
    min_per_order: int = Field(1, ge=1, le=100)
    max_per_order: int = Field(10, ge=1, le=100)
    hidden: bool = False


class TicketTypePatch(Schema):
    name: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=5000)
    price: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    capacity: int | None = Field(None, ge=1, le=10_000_000)
    sales_start: dt.datetime | None = None
    sales_end: dt.datetime | None = None
    min_per_order: int | None = Field(None, ge=1, le=100)
    max_per_order: int | None = Field(None, ge=1, le=100)
    hidden: bool | None = None


class OrderRowOut(Schema):
    code: str
    status: str
    buyer_name: str
    buyer_email: str
    currency: str
    total: Decimal
    refunded_amount: Decimal
    payment_method: str
    created_at: dt.datetime
    tickets: int


class OrderPageOut(Schema):
    items: list[OrderRowOut]
    count: int
    page: int
    pages: int


class OrderFilters(Schema):
    q: str = Field("", max_length=100, description="Order code, buyer email or name, attendee name")
    status: str = Field("", max_length=20)
    ticket_type: int | None = None
    created_from: dt.date | None = Field(None, alias="from")
    created_to: dt.date | None = Field(None, alias="to")
    page: int = Field(1, ge=1, le=100_000)


class RefundIn(Schema):
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    tickets: list[int] = Field(default_factory=list, max_length=200)
    reason: str = Field("", max_length=300)


class MarkPaidIn(Schema):
    reference: str = Field("", max_length=200)
