"""Organizer endpoints for an event's dates: list them with their stock, add one, change one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Status

from api.auth import OrganizerToken
from api.manage.common import event_of, invalid, invalid_fields, local_input, require_manager
from api.manage.schemas import DateIn, DatePatch, ManagedDateOut
from api.problems import problem
from api.schemas import ProblemOut
from core.inertia import validation_errors
from events import date_services
from events.forms import DateForm
from events.models import DateTicketType, Event, EventDate
from sales import quotas

router = Router(tags=["Organizer"], auth=OrganizerToken())

CHANGE_PROBLEMS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}
TIMES = ("starts_at", "ends_at", "admission_at", "sales_start", "sales_end")
# What PATCH changes on a date (its times move through the back office, which tells its buyers).
DATE_SETTINGS = (
    "admission_at",
    "sales_start",
    "sales_end",
    "venue_name",
    "venue_address",
    "capacity",
    "status",
)


def _dates_out(event: Event, dates: Sequence[EventDate]) -> list[dict[str, Any]]:
    """Dates with their sold and available counts per ticket type (sales.quotas), in a
    fixed number of queries whatever their number."""
    for date in dates:
        date.event = event
    sold = quotas.sold_per_date_and_type(event)
    left = quotas.availability_by_date(dates)
    rows: dict[int, list[DateTicketType]] = {d.pk: [] for d in dates}
    for row in DateTicketType.objects.filter(date__in=[d.pk for d in dates]).select_related("ticket_type"):
        rows[row.date_id].append(row)
    return [
        {
            "id": date.pk,
            **{name: getattr(date, name) for name in TIMES},
            "venue_name": date.venue_name,
            "venue_address": date.venue_address,
            "venue": date.venue_label,
            "status": date.status,
            "capacity": date.capacity,
            "allocated": sum(row.allocated for row in rows[date.pk]),
            "sold": sum(sold[date.pk, row.ticket_type_id] for row in rows[date.pk]),
            "available": left[date.pk].total,
            "ticket_types": [
                {
                    "id": row.ticket_type_id,
                    "name": row.ticket_type.name,
                    "offered": row.offered,
                    "price": row.effective_price,
                    "capacity": row.capacity,
                    "sold": sold[date.pk, row.ticket_type_id],
                    "available": left[date.pk].per_ticket_type.get(row.ticket_type_id, 0),
                }
                for row in rows[date.pk]
            ],
        }
        for date in dates
    ]


def _date_of(event: Event, date_id: int) -> EventDate:
    date = event.dates.filter(pk=date_id).first()
    if date is None:
        raise Http404("This event has no date with this id.")
    date.event = event
    return date


def _form_data(event: Event, body: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body over the current values, times as the event-local strings the forms take."""
    data = {**(current or {}), **body}
    for name in TIMES:
        if name in data:
            data[name] = local_input(data[name], event.tz)
    return {k: "" if v is None else v for k, v in data.items()}


def _refused(exc: ValidationError) -> HttpResponse:
    """A date service's refusal as a 422 (its messages keyed by field)."""
    return invalid_fields(validation_errors(exc))


@router.get(
    "/manage/events/{slug}/dates",
    response={200: list[ManagedDateOut], 401: ProblemOut, 404: ProblemOut},
    summary="The event's dates",
    description="Every date of the event, soonest first, with what is sold and left per ticket type.",
)
def list_dates(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    event = event_of(request, slug)
    return _dates_out(event, list(event.dates.order_by("starts_at", "id")))


@router.post(
    "/manage/events/{slug}/dates",
    response={201: ManagedDateOut, **CHANGE_PROBLEMS},
    summary="Add a date to an event",
    description=(
        "The new date is on sale with the event's capacity and offers every ticket type with "
        "its capacity. A cancelled event gets no new dates (409)."
    ),
)
def create_date(request: HttpRequest, slug: str, body: DateIn) -> HttpResponse | Status:
    require_manager(request)
    event = event_of(request, slug)
    if event.status == Event.Status.CANCELLED:
        return problem(409, "This event is cancelled; it gets no new dates.")
    form = DateForm(_form_data(event, body.dict()), event=event)
    if not form.is_valid():
        return invalid(form)
    try:
        date = date_services.add_date(form)
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _dates_out(event, [EventDate.objects.get(pk=date.pk)])[0])


@router.get(
    "/manage/events/{slug}/dates/{date_id}",
    response={200: ManagedDateOut, 401: ProblemOut, 404: ProblemOut},
    summary="One date of an event",
)
def get_date(request: HttpRequest, slug: str, date_id: int) -> dict[str, Any]:
    event = event_of(request, slug)
    return _dates_out(event, [_date_of(event, date_id)])[0]


@router.patch(
    "/manage/events/{slug}/dates/{date_id}",
    response={200: ManagedDateOut, **CHANGE_PROBLEMS},
    summary="Change a date's doors, sales window, venue, capacity or status",
    description=(
        "A capacity below the tickets already sold or reserved on the date (`allocated`) is "
        "refused (422). `status` stops sales (`sold_out`) or resumes them (`on_sale`); a "
        "cancelled date cannot be changed (409)."
    ),
)
def update_date(
    request: HttpRequest, slug: str, date_id: int, body: DatePatch
) -> HttpResponse | dict[str, Any]:
    require_manager(request)
    event = event_of(request, slug)
    date = _date_of(event, date_id)
    if date.status == EventDate.Status.CANCELLED:
        return problem(409, "This date is cancelled; it cannot be changed.")
    changes = body.dict(exclude_unset=True)
    for name in ("venue_name", "venue_address", "status"):
        if changes.get(name, "") is None:
            del changes[name]  # null: unchanged (there is nothing to clear)
    current = {name: getattr(date, name) for name in DATE_SETTINGS}
    form = DateForm(_form_data(event, changes, current), instance=date, event=event)
    if not form.is_valid():
        return invalid(form)
    try:
        saved = date_services.edit_date(form, [])
    except ValidationError as exc:
        return _refused(exc)
    return _dates_out(event, [saved])[0]
