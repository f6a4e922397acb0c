"""Shapes of the back office: the props of its pages (the organizer's pages and the account
pages), and the check-in answers the scanner page and the REST API share.

Values of form inputs (``starts_at`` of the event editor, a ticket type's
``sales_start``) are the event-local strings the inputs show ("2031-06-01T19:30"),
not moments; see ``events.forms.local_input_value``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from core.schemas import IsoDateTime, Money, Option, PageProps, Pagination, Shape
from storefront.schemas import EventRef, EventStatus, OrderDetail, OrderStatus, OrganizerRef

# The values of accounts.models.Membership.Role (tests/test_frontend_schema.py keeps them equal).
MembershipRole = Literal["owner", "manager", "door_staff"]


class EventInZone(Shape):
    """The event a page is about, with the zone its times are shown in."""

    title: str
    slug: str
    timezone: str


class IdName(Shape):
    id: int
    name: str


# --- Check-in: the scanner page's answers and the API's -------------------------------------


class CheckInCounts(Shape):
    checked_in: int = Field(description="Tickets checked in (through this list, on a list's page).")
    expected: int = Field(description="Valid tickets that may get in.")


class CheckedIn(Shape):
    checked_in: int


class ScannedTicket(Shape):
    id: int
    attendee_name: str
    ticket_type: str
    order_code: str


class FirstCheckIn(Shape):
    at: IsoDateTime | None
    list: str


class ScanResult(Shape):
    """One scan's answer (``checkin.services.scan``)."""

    outcome: Literal["admitted", "already_checked_in", "refused"]
    message: str
    ticket: ScannedTicket | None
    first_check_in: FirstCheckIn | None = Field(description="When and where an earlier scan let it in.")
    counts: CheckedIn


class SearchHit(Shape):
    id: int
    attendee_name: str
    ticket_type: str
    order_code: str
    valid: bool
    checked_in: bool


class SearchResults(Shape):
    results: list[SearchHit]


class UndoResult(Shape):
    undone: bool
    counts: CheckInCounts


class ReissueResult(Shape):
    reissued: bool


# --- Account pages ------------------------------------------------------------------------


class LoginPageProps(PageProps):
    component = "Auth/Login"

    next: str = Field(description="Where to go after logging in.")


class SignupPageProps(PageProps):
    component = "Auth/Signup"

    next: str


class PasswordResetPageProps(PageProps):
    component = "Auth/PasswordReset"


class PasswordResetConfirmPageProps(PageProps):
    component = "Auth/PasswordResetConfirm"

    valid: bool = Field(description="The link is genuine and unused.")


class PasswordChangePageProps(PageProps):
    component = "Auth/PasswordChange"


# --- Organizers, teams, tokens --------------------------------------------------------------


class EventRow(Shape):
    slug: str
    title: str
    status: EventStatus
    starts_at: IsoDateTime
    timezone: str
    tickets_sold: int
    capacity: int


class OrganizerBlock(Shape):
    name: str
    slug: str
    role: MembershipRole
    can_manage: bool
    events: list[EventRow]


class ManageHomePageProps(PageProps):
    component = "Manage/Home"

    organizers: list[OrganizerBlock]


class OrganizerSettings(Shape):
    name: str
    slug: str
    contact_email: str
    bank_transfer_details: str
    admit_unpaid_bank_transfers: bool


class OrganizerManagePageProps(PageProps):
    component = "Manage/Organizer"

    organizer: OrganizerSettings
    role: MembershipRole
    can_manage: bool
    events: list[EventRow]


class OrganizerCreatePageProps(PageProps):
    component = "Manage/OrganizerCreate"


class Member(Shape):
    id: int
    email: str
    name: str
    role: MembershipRole
    is_me: bool


class PendingInvitation(Shape):
    id: int
    email: str
    role: MembershipRole
    expires_at: IsoDateTime


class MembersPageProps(PageProps):
    component = "Manage/Members"

    organizer: OrganizerRef
    my_role: MembershipRole
    roles: list[Option]
    members: list[Member]
    invitations: list[PendingInvitation]


class InvitationPageProps(PageProps):
    component = "Manage/Invitation"

    organizer: str
    role: str = Field(description="The role's label.")
    email: str
    valid: bool
    token: str


class ApiTokenRow(Shape):
    id: int
    name: str
    role: str = Field(description="The role's label.")
    prefix: str
    created_at: IsoDateTime
    expires_at: IsoDateTime | None
    last_used_at: IsoDateTime | None
    active: bool


class ApiTokensPageProps(PageProps):
    component = "Manage/ApiTokens"

    organizer: OrganizerRef
    roles: list[Option]
    tokens: list[ApiTokenRow]
    new_token: str | None = Field(description="A token just created, shown this once.")


# --- Events, ticket types, vouchers ----------------------------------------------------------


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
    kind: Literal["percent", "amount"]
    value: Money
    max_usages: int
    redeemed: int
    valid_from: str
    valid_until: str
    ticket_types: list[str]
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
    can_manage: bool
    timezones: list[str]
    currencies: list[str]


# --- Sales: dashboard, orders --------------------------------------------------------------


class DashboardEvent(Shape):
    title: str
    slug: str
    status: EventStatus
    currency: str


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


class DashboardFigures(Shape):
    """The event's figures, computed in the database (``backoffice.reports.dashboard``)."""

    ticket_types: list[TicketTypeFigures]
    revenue: list[Revenue]
    orders_per_day: list[OrdersOnDay]
    check_in: CheckInCounts


class DashboardPageProps(PageProps):
    component = "Manage/Dashboard"

    event: DashboardEvent
    base: str = Field(description="The event's back-office address, without a trailing slash.")
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


class OrderSearch(Shape):
    """The order list's filters, as the query string gave them."""

    q: str
    status: str
    ticket_type: str
    date_from: str = Field(alias="from")
    date_to: str = Field(alias="to")


class OrdersPageProps(PageProps):
    component = "Manage/Orders"

    event: EventInZone
    base: str
    orders: list[OrderRow]
    pagination: Pagination
    filters: OrderSearch
    statuses: list[Option]
    ticket_types: list[Option]


class PaymentRow(Shape):
    provider: str
    amount: Money
    status: str
    reference: str


class RefundRow(Shape):
    amount: Money
    reason: str
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


# --- The door -----------------------------------------------------------------------------------


class ScannerEndpoints(Shape):
    scan: str
    search: str
    stats: str


class ScannerPageProps(PageProps):
    component = "Manage/Scanner"

    event: EventInZone
    organizer: OrganizerRef
    lists: list[IdName]
    list: IdName
    counts: CheckInCounts
    endpoints: ScannerEndpoints
    can_manage: bool


class CheckInListRow(Shape):
    id: int
    name: str
    all_ticket_types: bool
    ticket_types: list[str]
    counts: CheckInCounts
    can_delete: bool


class CheckInListsPageProps(PageProps):
    component = "Manage/CheckInLists"

    event: EventRef
    organizer_slug: str
    ticket_types: list[IdName]
    lists: list[CheckInListRow]
