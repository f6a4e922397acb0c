"""The event's sales: the dashboard, the orders list and an order's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from backoffice.schemas.common import DateChoice, EventInZone
from backoffice.schemas.door import CheckInCounts
from core.schemas import IsoDateTime, Money, Option, PageProps, Pagination, Shape
from storefront.schemas import AnswersEdit, DateStatus, EventStatus, OrderDetail, OrderInvoices, OrderStatus


class DashboardEvent(Shape):
    title: str
    slug: str
    status: EventStatus
    currency: str
    timezone: str


class TicketTypeFigures(Shape):
    id: int
    name: str
    capacity: int
    sold: int
    held: int


class Revenue(Shape):
    currency: str
    gross: Money
    refunded: Money
    net: Money


class OrdersOnDay(Shape):
    day: dt.date
    orders: int
    paid: int


class DateFigures(Shape):
    """One date's line of the dashboard's table of dates."""

    id: int
    starts_at: IsoDateTime
    status: DateStatus
    sold: int
    capacity: int = Field(
        description="What the date can sell: its ticket types' capacities there, within its own capacity."
    )
    available: int = Field(description="Tickets buyers may still take on this date.")
    checked_in: int
    expected: int = Field(description="Valid tickets of this date that may get in.")


class DashboardFigures(Shape):
    """The event's figures, or one date's, computed in the database (``backoffice.reports.dashboard``)."""

    ticket_types: list[TicketTypeFigures]
    revenue: list[Revenue]
    orders_per_day: list[OrdersOnDay]
    check_in: CheckInCounts
    dates: list[DateFigures] = Field(description="Each date's figures; empty when they are one date's.")


class DashboardPageProps(PageProps):
    component = "Manage/Dashboard"

    event: DashboardEvent
    base: str = Field(description="The event's back-office address, without a trailing slash.")
    dates: list[DateChoice]
    date: int | None = Field(description="The date the figures are for; null: all dates.")
    figures: DashboardFigures


class OrderRow(Shape):
    code: str
    status: OrderStatus
    status_label: str
    buyer_name: str
    buyer_email: str
    total: Money
    currency: str
    created_at: IsoDateTime
    tickets: int
    date_starts_at: IsoDateTime = Field(description="When the order's date starts.")
    payment_method: str = ""
    unpaid_transfer: bool = Field(False, description="A pending bank transfer: it may be cancelled in bulk.")
    awaiting_confirmation: bool = Field(False, description="Its buyer has not confirmed it by email yet.")


class OrderSearch(Shape):
    """The order list's filters, as the query string gave them."""

    q: str
    status: str
    ticket_type: str
    date: str = Field(description="A date's id; empty: every date.")
    date_from: str = Field(alias="from")
    date_to: str = Field(alias="to")
    payment: str = Field("", description="A payment method; empty: every method.")


class OrdersPageProps(PageProps):
    component = "Manage/Orders"

    event: EventInZone
    base: str
    orders: list[OrderRow]
    pagination: Pagination
    filters: OrderSearch
    statuses: list[Option]
    ticket_types: list[Option]
    dates: list[DateChoice]
    payment_methods: list[Option]
    # POST {"codes": [...]}: cancel those pending bank transfers (sales.order_actions).
    bulk_cancel_url: str


class PaymentRow(Shape):
    provider: str
    amount: Money
    status: str
    reference: str
    needs_refund: bool = Field(description="Paid after the order expired and its tickets were gone.")


class RefundRow(Shape):
    id: int
    amount: Money
    reason: str
    status: str = Field(description="pending, succeeded or failed.")
    reference: str
    error: str = Field(description="Why the provider failed (the last attempt), for a failed refund.")
    paid_back_by_organizer: bool = Field(description="The provider pays nothing back: the organizer does.")
    tickets: int = Field(description="How many tickets the refund voids.")
    retryable: bool = Field(description="Failed, or left pending by a stopped process: it can be retried.")
    created_at: IsoDateTime


class AuditRow(Shape):
    action: str
    actor: str
    detail: dict[str, Any] = Field(description="What changed; its keys depend on the action.")
    created_at: IsoDateTime


class ManageOrderPageProps(PageProps):
    component = "Manage/Order"

    event: EventInZone
    base: str
    order: OrderDetail
    payments: list[PaymentRow]
    refunds: list[RefundRow]
    audit: list[AuditRow]
    refundable: Money
    late_payment_to_refund: Money = Field(
        description="Paid after the order expired and its tickets were gone: refund this much."
    )
    answers_edit: AnswersEdit | None = Field(
        default=None,
        description="The order's answers to the checkout questions as a form (organizers always may).",
    )
    invoices: OrderInvoices | None = Field(
        default=None, description="The order's invoices, when the organizer issues them or it has some."
    )
