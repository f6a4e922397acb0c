"""The event's waiting list in the back office (``Manage/Waitlist``); the organizer API
answers the same rows (``api/manage/waitlist.py``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from backoffice.schemas.common import EventInZone
from core.schemas import IsoDateTime, Money, OneOf, PageProps, Shape
from storefront.schemas import OrganizerRef
from waitlist.models import Entry, Offer

EntryStatus = Annotated[str, OneOf(Entry.Status.values)]
OfferStatus = Annotated[str, OneOf(Offer.Status.values)]


class WaitlistSettingsOut(Shape):
    enabled: bool = Field(description="Sold-out ticket types offer the waiting list.")
    offer_hours: int = Field(description="How long an offer holds its tickets (shorter near the event).")


class WaitlistOfferRow(Shape):
    id: int
    status: OfferStatus
    quantity: int
    unit_price: Money
    created_at: IsoDateTime
    expires_at: IsoDateTime
    made_by: str = Field(description="Empty: the waiting list itself; else who chose “offer now”.")
    order_code: str | None


class WaitlistEntryRow(Shape):
    id: int
    status: EntryStatus
    position: int | None = Field(description="Place among the waiting entries of its ticket type and date.")
    email: str
    quantity: int
    date_id: int
    date_starts_at: IsoDateTime
    ticket_type_id: int
    ticket_type: str
    created_at: IsoDateTime
    confirmed_at: IsoDateTime | None
    offers: list[WaitlistOfferRow]


class WaitlistPageProps(PageProps):
    component = "Manage/Waitlist"

    organizer: OrganizerRef
    event: EventInZone
    settings: WaitlistSettingsOut
    entries: list[WaitlistEntryRow]
    export_url: str
    currency: str
