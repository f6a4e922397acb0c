"""The event editor: events, ticket types, vouchers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from backoffice.schemas.common import DateChoice, EventInZone
from backoffice.schemas.sales import AuditRow
from backoffice.schemas.taxes import EventTaxSettings
from core.schemas import IsoDateTime, Money, OneOf, PageProps, Shape, TranslatedTexts
from sales.models import EventCancellation, Voucher
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
    buyer_share_percent: int
    max_tickets_per_buyer: int | None
    confirm_bank_transfers: bool
    max_tickets_per_email: int | None
    name_change_deadline_hours: int | None
    # The event's language (the texts above are in it), its enabled languages and the texts
    # in the others (core.translated).
    locale: str
    locales: list[str]
    translations: TranslatedTexts


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
    translations: TranslatedTexts
    price: Money
    capacity: int
    sold: int
    allocated: int
    sales_start: str
    sales_end: str
    min_per_order: int
    max_per_order: int
    max_tickets_per_email: int | None
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
    configured_payment_methods: list[str] = Field(
        description="The payment methods set up on this installation (sales.payments); a new "
        "event offers these, and the form warns about any other that is ticked."
    )


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
    configured_payment_methods: list[str] = Field(
        description="The payment methods set up on this installation (sales.payments)."
    )
    history: list[AuditRow] = Field(description="The event's own audit log (EventAuditEntry), newest first.")
    taxes: EventTaxSettings | None = Field(None, description="The event's tax settings (taxes).")


class CancellationImpact(Shape):
    """What cancelling the event will do (sales.event_cancellation.impact)."""

    dates: int = Field(description="Dates not yet cancelled: their sales stop.")
    orders: int = Field(description="Pending and paid orders, every one settled.")
    buyers: int = Field(description="Buyers emailed (one email per order).")
    pending: int = Field(description="Unpaid orders cancelled: nothing was charged.")
    refunds_automatic: int = Field(description="Paid orders refunded through the payment provider.")
    refunds_manual: int = Field(description="Paid orders the organizer pays back by hand (bank transfer).")
    free: int = Field(description="Paid orders with nothing left to refund.")
    amount_automatic: Money
    amount_manual: Money
    tickets: int = Field(description="Valid tickets that become void.")
    held: int = Field(description="Tickets in buyers' carts, released.")


class EventCancelPageProps(PageProps):
    component = "Manage/EventCancel"

    organizer: OrganizerRef
    event: EventInZone
    currency: str
    impact: CancellationImpact


class FailedRefundRow(Shape):
    code: str
    buyer_email: str
    amount: Money
    error: str


class ManualRefundRow(Shape):
    code: str
    buyer_name: str
    buyer_email: str
    amount: Money
    payment_method: str


class CancellationProgress(Shape):
    """How far an event's cancellation has come: its orders settled so far, the refunds
    the provider refused (still paid; retried on request) and the orders whose money
    the organizer pays back by hand."""

    status: Annotated[str, OneOf(EventCancellation.Status.values)]
    reason: str
    cancelled_by: str
    cancelled_at: IsoDateTime
    finished_at: IsoDateTime | None
    orders_total: int
    orders_settled: int
    refunds_failed: int
    manual_refunds: int
    stalled: bool = Field(description="Running with no progress for minutes: resume it.")
    failed: list[FailedRefundRow]
    manual: list[ManualRefundRow]


class EventCancellationPageProps(PageProps):
    component = "Manage/EventCancellation"

    organizer: OrganizerRef
    event: EventInZone
    currency: str
    progress: CancellationProgress


class DuplicateEventValues(Shape):
    """The duplicate form's initial values: the copy's title and its first date's start
    (the source's first date, as the input shows it in the event's zone)."""

    title: str
    starts_at: str
    copy_vouchers: bool


class EventDuplicatePageProps(PageProps):
    component = "Manage/EventDuplicate"

    organizer: OrganizerRef
    event: EventInZone
    initial: DuplicateEventValues
    date_count: int
    ticket_type_count: int
    voucher_count: int
