"""The door: the scanner page and its answers (which the REST API's check-in shares), check-in lists."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from backoffice.schemas.common import DateChoice, EventInZone, IdName
from core.schemas import IsoDateTime, PageProps, Shape
from storefront.schemas import OrganizerRef


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

    outcome: Literal["admitted", "exited", "already_checked_in", "refused"]
    reason: str | None = Field(
        None,
        description="Why a refused ticket may not pass: not_a_code, unknown, wrong_event, wrong_date, "
        "wrong_entrance, no_exits, not_inside, or the ticket's refusal (unpaid, ticket_refunded, "
        "order_cancelled, order_expired, order_refunded, event_cancelled, date_cancelled).",
    )
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


class ScannerEndpoints(Shape):
    scan: str
    search: str
    stats: str


class ScannerList(Shape):
    """A check-in list the scanner can work with."""

    id: int
    name: str
    date_starts_at: IsoDateTime | None = Field(description="The date it admits; null: every date.")
    allow_exits: bool = Field(description="It records exits: the scanner offers entry and exit.")


class ScannerPageProps(PageProps):
    component = "Manage/Scanner"

    event: EventInZone
    organizer: OrganizerRef
    lists: list[ScannerList]
    dates_without_list: list[DateChoice] = Field(
        description="Dates of a series no list is for (not over, not cancelled); choosing one makes its list."
    )
    list: ScannerList
    counts: CheckInCounts
    endpoints: ScannerEndpoints
    can_manage: bool


class CheckInListRow(Shape):
    id: int
    name: str
    date_starts_at: IsoDateTime | None = Field(description="The date it admits; null: every date.")
    all_ticket_types: bool
    ticket_types: list[str]
    allow_exits: bool
    counts: CheckInCounts
    can_delete: bool


class CheckInListsPageProps(PageProps):
    component = "Manage/CheckInLists"

    event: EventInZone
    organizer_slug: str
    ticket_types: list[IdName]
    dates: list[DateChoice] = Field(description="The event's dates, for a new list's date.")
    dates_without_list: list[DateChoice] = Field(
        description="Dates of a series no list is for (not over, not cancelled)."
    )
    lists: list[CheckInListRow]
