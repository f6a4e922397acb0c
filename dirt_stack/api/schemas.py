"""Request and response bodies of the REST API (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class OrganizerOut(Schema):
    name: str
    slug: str


class EventSummaryOut(Schema):
    slug: str
    title: str
    organizer: OrganizerOut
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    venue: str
    is_online: bool
    status: str
    currency: str
    min_price: Decimal | None
    url: str


class TicketTypeOut(Schema):
    id: int
    name: str
    description: str
    price: Decimal
    currency: str
    state: str
    available: int
    sales_start: dt.datetime | None
    sales_end: dt.datetime | None
    min_per_order: int
    max_per_order: int


class PaymentMethodOut(Schema):
    name: str
    label: str


class EventDetailOut(EventSummaryOut):
    description: str
    description_html: str
    venue_name: str
    venue_address: str
    ticket_types: list[TicketTypeOut]
    payment_methods: list[PaymentMethodOut]


class ProblemOut(Schema):
    """An RFC 7807 problem: what went wrong, in words a person can read."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
