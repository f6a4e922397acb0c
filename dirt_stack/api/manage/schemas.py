"""The organizer API's request and response bodies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms.utils import pretty_name
from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, ValidationInfo, WithJsonSchema, model_validator

from backoffice.schemas import PaymentRow, RefundRow
from core.datetimes import FIRST_YEAR, LAST_YEAR, within_window
from core.input import Id, NameRules, QueryId, TextRules
from core.schemas import TranslatedTexts
from events.models import MAX_NAME_CHANGE_HOURS, MAX_TICKETS_PER_EMAIL
from sales.models import REFUND_REASON_MAX
from storefront.schemas import DateStatus, OrderDetail

# Per-person limits across orders (sales.limits).
EVENT_LIMIT = (
    "Most tickets of the event one email (compared without case, spaces or a `+tag`) may have in "
    "paid and pending orders, over all its dates (null: no limit)."
)
NAME_CHANGES = (
    "Buyers change their tickets' attendee names on the order page until this many hours before "
    "the date's start (0: until the start; null: they cannot, organizers always can)."
)
TYPE_LIMIT = (
    "Most tickets of this type one email (compared without case, spaces or a `+tag`) may have in "
    "paid and pending orders, over all the event's dates (null: no limit); the event's limit applies too."
)


TRANSLATIONS = (
    "The texts in the event's other languages: {language: {field: text}} (languages from "
    "`locales`, not `locale`: the fields themselves are in that one). Sent, it replaces the whole "
    "map; an empty text is left out, and a reader of that language gets the event's own."
)
RESOLVED = (
    "The texts as a reader of the request's language reads them (`?locale=`, else "
    "`Accept-Language`): its translation, else the event's language's, else any."
)
LOCALE = "The event's own language (one of en, de, fr, es, cs): its texts are the fields themselves."
LOCALES = "The languages buyers may read the event in; `locale` is always among them."


class Body(Schema):
    """A request body: a JSON object. django-ninja's Schema reads the attributes of
    anything else (its DjangoGetter wraps what was sent), so without this a body of
    "a string" would set ``title`` to "A String" (str.title)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        sent = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(sent, dict):
            raise ValueError("The body must be a JSON object.")
        return data


def _in_window(value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
    """A date-time sent with an offset must lie in core.datetimes' window; one without is
    the event's local time, which the forms check once they know the zone."""
    if value is not None and value.tzinfo is not None:
        try:
            within_window(value, pretty_name(info.field_name or "time"))
        except DjangoValidationError as error:
            raise ValueError(error.messages[0]) from error
    return value


# A date-time in a request body (ISO 8601, with or without an offset).
WindowDateTime = Annotated[
    dt.datetime,
    AfterValidator(_in_window),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": (
                f"Without an offset: the event's local time. From {FIRST_YEAR}-01-01 "
                f"to {LAST_YEAR}-12-31 in UTC."
            ),
        }
    ),
]


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
    buyer_share_percent: int = Field(
        description="Most of a date's tickets one buyer may hold in reservations and unpaid orders (%)."
    )
    max_tickets_per_buyer: int | None = Field(
        description="An absolute cap on that share (null: the platform's)."
    )
    confirm_bank_transfers: bool = Field(
        description="Unpaid bank transfers hold their tickets for a first window until confirmed by email."
    )
    max_tickets_per_email: int | None = Field(description=EVENT_LIMIT)
    name_change_deadline_hours: int | None = Field(description=NAME_CHANGES)
    locale: str = Field(description=LOCALE)
    locales: list[str] = Field(description=LOCALES)
    translations: TranslatedTexts = Field(description=TRANSLATIONS)
    resolved: dict[str, str] = Field(description=RESOLVED)


class CancelEventIn(Body):
    reason: Annotated[str, TextRules(200, multiline=True)] = Field(
        "", description="Why: told to every buyer and kept with their refunds."
    )


class DuplicateEventIn(Body):
    starts_at: WindowDateTime = Field(
        description=(
            "When the copy's first date starts; every other date and date-relative setting "
            "(sales windows, voucher validity, the on-sale room) moves by the same wall-clock offset."
        )
    )
    title: Annotated[str, NameRules(200)] | None = Field(
        None, description="The copy's title; empty or absent: the event's title with \"(copy)\"."
    )
    copy_vouchers: bool = Field(False, description="Copy the vouchers too (same codes, unused).")


class EventIn(Body):
    title: Annotated[str, NameRules(200)]
    slug: Annotated[str, TextRules(100)] | None = None
    description: Annotated[str, TextRules(20_000, multiline=True)] = ""
    venue_name: Annotated[str, TextRules(200)] = ""
    venue_address: Annotated[str, TextRules(300, multiline=True)] = ""
    is_online: bool = False
    timezone: Annotated[str, TextRules(64)] = "UTC"
    starts_at: WindowDateTime
    ends_at: WindowDateTime
    currency: Annotated[str, TextRules(3)] = "EUR"
    capacity: int | None = Field(None, ge=1)
    buyer_share_percent: int = Field(10, ge=1, le=100)
    max_tickets_per_buyer: int | None = Field(None, ge=1, le=100_000)
    confirm_bank_transfers: bool = True
    max_tickets_per_email: int | None = Field(None, ge=1, le=MAX_TICKETS_PER_EMAIL, description=EVENT_LIMIT)
    name_change_deadline_hours: int | None = Field(
        None, ge=0, le=MAX_NAME_CHANGE_HOURS, description=NAME_CHANGES
    )
    locale: Annotated[str, TextRules(16)] | None = Field(None, description=LOCALE)
    locales: list[Annotated[str, TextRules(16)]] | None = Field(None, max_length=10, description=LOCALES)
    translations: TranslatedTexts | None = Field(None, description=TRANSLATIONS)


class EventPatch(Body):
    title: Annotated[str, NameRules(200)] | None = None
    description: Annotated[str, TextRules(20_000, multiline=True)] | None = None
    venue_name: Annotated[str, TextRules(200)] | None = None
    venue_address: Annotated[str, TextRules(300, multiline=True)] | None = None
    is_online: bool | None = None
    timezone: Annotated[str, TextRules(64)] | None = None
    starts_at: WindowDateTime | None = None
    ends_at: WindowDateTime | None = None
    currency: Annotated[str, TextRules(3)] | None = None
    capacity: int | None = Field(None, ge=1)
    buyer_share_percent: int | None = Field(None, ge=1, le=100)
    max_tickets_per_buyer: int | None = Field(None, ge=1, le=100_000)
    confirm_bank_transfers: bool | None = None
    max_tickets_per_email: int | None = Field(
        None, ge=1, le=MAX_TICKETS_PER_EMAIL, description=EVENT_LIMIT + " `null` removes the limit."
    )
    name_change_deadline_hours: int | None = Field(
        None, ge=0, le=MAX_NAME_CHANGE_HOURS, description=NAME_CHANGES + " `null`: only organizers."
    )
    locale: Annotated[str, TextRules(16)] | None = Field(None, description=LOCALE)
    locales: list[Annotated[str, TextRules(16)]] | None = Field(None, max_length=10, description=LOCALES)
    translations: TranslatedTexts | None = Field(None, description=TRANSLATIONS)


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
    max_tickets_per_email: int | None = Field(description=TYPE_LIMIT)
    hidden: bool
    translations: TranslatedTexts = Field(description=TRANSLATIONS)
    resolved: dict[str, str] = Field(description=RESOLVED)


class TicketTypeIn(Body):
    name: Annotated[str, NameRules(120)]
    description: Annotated[str, TextRules(5000, multiline=True)] = ""
    price: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)
    capacity: int = Field(..., ge=1, le=10_000_000)
    sales_start: WindowDateTime | None = None
    sales_end: WindowDateTime | None = None
    min_per_order: int = Field(1, ge=1, le=100)
    max_per_order: int = Field(10, ge=1, le=100)
    max_tickets_per_email: int | None = Field(None, ge=1, le=MAX_TICKETS_PER_EMAIL, description=TYPE_LIMIT)
    hidden: bool = False
    translations: TranslatedTexts | None = Field(None, description=TRANSLATIONS)


class TicketTypePatch(Body):
    name: Annotated[str, NameRules(120)] | None = None
    description: Annotated[str, TextRules(5000, multiline=True)] | None = None
    price: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    capacity: int | None = Field(None, ge=1, le=10_000_000)
    sales_start: WindowDateTime | None = None
    sales_end: WindowDateTime | None = None
    min_per_order: int | None = Field(None, ge=1, le=100)
    max_per_order: int | None = Field(None, ge=1, le=100)
    max_tickets_per_email: int | None = Field(
        None, ge=1, le=MAX_TICKETS_PER_EMAIL, description=TYPE_LIMIT + " `null` removes the limit."
    )
    hidden: bool | None = None
    translations: TranslatedTexts | None = Field(None, description=TRANSLATIONS)


class DateTicketTypeOut(Schema):
    """A ticket type on one date."""

    id: int = Field(description="The ticket type's id.")
    name: str
    offered: bool = Field(description="Sold on this date.")
    price: Decimal = Field(description="The price on this date: its own, or the ticket type's.")
    capacity: int = Field(description="Tickets of this type this date may sell.")
    sold: int = Field(description="Tickets in pending or paid orders, less refunded ones (sales.quotas).")
    available: int = Field(description="Tickets buyers may still take; 0 when not offered.")


class ManagedDateOut(Schema):
    """One date of an event, with its stock."""

    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    admission_at: dt.datetime | None = Field(description="When doors open.")
    sales_start: dt.datetime | None
    sales_end: dt.datetime | None
    venue_name: str = Field(description="This date's own venue; empty: the event's.")
    venue_address: str
    venue: str = Field(description="Where the date happens: its own venue, or the event's.")
    status: DateStatus
    capacity: int | None = Field(description="A limit on this date shared by all ticket types; null: none.")
    allocated: int = Field(description="Tickets sold or reserved on this date; the capacity cannot go below.")
    sold: int
    available: int = Field(description="Tickets of visible ticket types buyers may still take on this date.")
    ticket_types: list[DateTicketTypeOut]


class DateIn(Body):
    """A new date; times without an offset are the event's local time."""

    starts_at: WindowDateTime
    ends_at: WindowDateTime
    admission_at: WindowDateTime | None = None


class DatePatch(Body):
    """Changes to one date; fields left out keep their value. ``null`` clears
    ``admission_at``, ``sales_start``, ``sales_end`` and ``capacity``; times without an
    offset are the event's local time. Moving or cancelling a date is not done here."""

    admission_at: WindowDateTime | None = None
    sales_start: WindowDateTime | None = None
    sales_end: WindowDateTime | None = None
    venue_name: Annotated[str, TextRules(200)] | None = None
    venue_address: Annotated[str, TextRules(300, multiline=True)] | None = None
    capacity: int | None = Field(None, ge=0, le=10_000_000)
    status: Literal["on_sale", "sold_out"] | None = Field(
        None, description="`sold_out` stops sales on this date; `on_sale` resumes them."
    )


class OrderDateOut(Schema):
    id: int
    starts_at: dt.datetime


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
    date: OrderDateOut = Field(description="The date the order's tickets are for.")


class OrderPageOut(Schema):
    items: list[OrderRowOut]
    count: int
    page: int
    pages: int


class OrderFilters(Schema):
    q: Annotated[str, TextRules(100)] = Field(
        "", description="Order code, buyer email or name, attendee name"
    )
    status: Annotated[str, TextRules(20)] = ""
    ticket_type: QueryId | None = None
    date: QueryId | None = Field(None, description="Only orders for this date (its id).")
    created_from: dt.date | None = Field(None, alias="from")
    created_to: dt.date | None = Field(None, alias="to")
    page: int = Field(1, ge=1, le=100_000)


class RefundIn(Body):
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    tickets: list[Id] = Field(default_factory=list, max_length=200)
    reason: Annotated[str, TextRules(REFUND_REASON_MAX, multiline=True)] = ""


class ManagedOrderOut(OrderDetail):
    """An order as its organizer sees it: with its payments and refunds (failed ones too)."""

    payments: list[PaymentRow]
    refunds: list[RefundRow]
    refundable: Decimal = Field(description="What can be refunded now (not refunded or asked for already).")
    late_payment_to_refund: Decimal = Field(
        description="Paid after the order expired and its tickets were gone: refund this much."
    )


class RetryRefundIn(Body):
    refund: Id = Field(..., description="The id of one of the order's failed refunds.")


class MarkPaidIn(Body):
    reference: Annotated[str, TextRules(200)] = ""


# --- invoices ------------------------------------------------------------------------------------


class InvoiceFilters(Schema):
    kind: Literal["", "invoice", "cancellation", "credit_note"] = ""
    q: Annotated[str, TextRules(100)] = Field("", description="Invoice number or order code")
    issued_from: dt.date | None = Field(None, alias="from")
    issued_to: dt.date | None = Field(None, alias="to")
    page: int = Field(1, ge=1, le=100_000)


class InvoiceLineOut(Schema):
    position: int
    description: str
    quantity: int
    unit_net: Decimal
    unit_gross: Decimal
    tax_rate: Decimal
    tax_treatment: str
    net: Decimal
    tax: Decimal
    gross: Decimal


class InvoiceOut(Schema):
    """An issued invoice, cancellation or credit note: its snapshot, never changed."""

    id: int
    number: str
    kind: Literal["invoice", "cancellation", "credit_note"]
    refers_to: str | None = Field(None, description="The number of the invoice a correction corrects.")
    order: str = Field(description="The order's code.")
    issued_at: dt.datetime
    currency: str
    locale: str
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    tax_summary: list[dict[str, str]]
    seller: dict[str, Any]
    buyer: dict[str, Any]
    vat_id_recheck: bool
    pdf_url: str
    xml_url: str


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]


class InvoicePageOut(Schema):
    items: list[InvoiceOut]
    count: int
    page: int
    pages: int
