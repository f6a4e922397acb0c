"""Organizer endpoints for events and their ticket types."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Status

from api.auth import OrganizerToken
from api.manage.common import event_of, invalid, invalid_fields, local_input, require_manager, token_of
from api.manage.schemas import (
    CancelEventIn,
    DuplicateEventIn,
    EventIn,
    EventPatch,
    ManagedEventOut,
    ManagedTicketTypeOut,
    TicketTypeIn,
    TicketTypePatch,
)
from api.schemas import ProblemOut
from backoffice.duplication import duplicate_event
from backoffice.forms import CancelEventForm, DuplicateEventForm
from backoffice.schemas import CancellationProgress
from backoffice.serializers import cancellation_progress, event_form_values
from core.inertia import validation_errors
from core.translated import request_locale, resolved
from events import services as event_services
from events.forms import EventForm, TicketTypeForm
from events.models import Event, TicketType
from sales import date_changes, event_cancellation, quotas
from sales.order_actions import Actor

router = Router(tags=["Organizer"], auth=OrganizerToken())


def _event_out(event: Event, request: HttpRequest) -> dict[str, Any]:
    return {
        **_event_fields(event),
        "resolved": resolved(event, request_locale(request)),
    }


def _event_fields(event: Event) -> dict[str, Any]:
    return {
        **event_form_values(event).model_dump(),
        "status": event.status,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
    }


# Fields whose explicit null in a body means "none" (a limit removed), not "unchanged".
CLEARABLE = frozenset({"max_tickets_per_email", "name_change_deadline_hours"})


def _sent(body: dict[str, Any]) -> dict[str, Any]:
    """What a body changes: its non-null fields, and the nulls of CLEARABLE ones (as "")."""
    return {k: "" if v is None else v for k, v in body.items() if v is not None or k in CLEARABLE}


def _event_form_data(event: Event | None, body: dict[str, Any]) -> dict[str, Any]:
    current = _event_fields(event) if event else {}
    # Without ``translations`` in the body the form keeps (or moves, with a new ``locale``) the
    # stored ones: the current map is not sent back as if it were the body's.
    current.pop("translations", None)
    data = {**current, **_sent(body)}
    try:
        tz = zoneinfo.ZoneInfo(str(data.get("timezone") or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    for name in ("starts_at", "ends_at"):
        value = data.get(name)
        data[name] = local_input(value, tz) if isinstance(value, dt.datetime) else value
    data["payment_methods"] = event.payment_methods if event else ["stripe", "offline"]
    return data


def _ticket_type_fields(ticket_type: TicketType) -> dict[str, Any]:
    return {
        "id": ticket_type.pk,
        "name": ticket_type.name,
        "description": ticket_type.description,
        "translations": ticket_type.translations,
        "price": ticket_type.price,
        "capacity": ticket_type.capacity,
        "sales_start": ticket_type.sales_start,
        "sales_end": ticket_type.sales_end,
        "min_per_order": ticket_type.min_per_order,
        "max_per_order": ticket_type.max_per_order,
        "max_tickets_per_email": ticket_type.max_tickets_per_email,
        "hidden": ticket_type.hidden,
    }


def _ticket_types_out(
    event: Event, ticket_types: QuerySet[TicketType], request: HttpRequest
) -> list[dict[str, Any]]:
    """Ticket types with their sold and available counts, as every screen counts them, and
    their texts in the request's language (``resolved``)."""
    locale = request_locale(request)
    loaded = list(ticket_types)
    sold = quotas.sold_counts(event)
    available: Counter[int] = Counter()
    for left in quotas.availability_by_date(event.dates.all()).values():
        available.update(left.per_ticket_type)
    return [
        {
            **_ticket_type_fields(t),
            "sold": sold[t.pk],
            "available": available[t.pk],
            "resolved": resolved(t, locale),
        }
        for t in loaded
    ]


def _ticket_type_out(ticket_type: TicketType, request: HttpRequest) -> dict[str, Any]:
    return _ticket_types_out(ticket_type.event, TicketType.objects.filter(pk=ticket_type.pk), request)[0]


def _ticket_type_form_data(
    event: Event, ticket_type: TicketType | None, body: dict[str, Any]
) -> dict[str, Any]:
    current = _ticket_type_fields(ticket_type) if ticket_type else {}
    current.pop("translations", None)  # kept by the form when the body has none
    data = {**current, **_sent(body)}
    for name in ("sales_start", "sales_end"):
        value = data.get(name)
        data[name] = local_input(value, event.tz) if isinstance(value, dt.datetime) else (value or "")
    return data


# --- events --------------------------------------------------------------------------------


@router.get("/manage/events", response={200: list[ManagedEventOut], 401: ProblemOut}, summary="Your events")
def list_events(request: HttpRequest) -> list[dict[str, Any]]:
    events = Event.objects.filter(organizer=token_of(request).organizer).order_by("-starts_at")[:500]
    return [_event_out(event, request) for event in events]


@router.post(
    "/manage/events",
    response={201: ManagedEventOut, 401: ProblemOut, 403: ProblemOut, 422: ProblemOut},
    summary="Create an event (as a draft)",
)
def create_event(request: HttpRequest, body: EventIn) -> HttpResponse | Status:
    require_manager(request)
    form = EventForm(_event_form_data(None, body.dict()))
    if not form.is_valid():
        return invalid(form)
    event = event_services.save_event(form, token_of(request).organizer)
    return Status(201, _event_out(event, request))


@router.get("/manage/events/{slug}", response={200: ManagedEventOut, 401: ProblemOut, 404: ProblemOut})
def get_event(request: HttpRequest, slug: str) -> HttpResponse | dict[str, Any]:
    event = event_of(request, slug)
    return _event_out(event, request)


@router.patch(
    "/manage/events/{slug}",
    response={200: ManagedEventOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Change an event's details",
)
def update_event(request: HttpRequest, slug: str, body: EventPatch) -> HttpResponse | dict[str, Any]:
    require_manager(request)
    event = event_of(request, slug)
    form = EventForm(_event_form_data(event, body.dict(exclude_unset=True)), instance=event)
    if not form.is_valid():
        return invalid(form)
    # Through sales.date_changes: a single-date event's new times email its buyers.
    try:
        saved = date_changes.save_event(
            form,
            event.organizer,
            by=Actor(token_name=token_of(request).name),
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        return invalid_fields(validation_errors(error))
    return _event_out(saved, request)


@router.post(
    "/manage/events/{slug}/duplicate",
    response={201: ManagedEventOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Duplicate an event into a new draft",
    description=(
        "A new draft with the event's settings, ticket types, dates (cancelled ones left out), "
        "questions, check-in lists, on-sale room and waiting-list settings, and optionally its "
        "vouchers; never its orders, tickets or waiting list. The first date starts at "
        "`starts_at` and every other date-time moves by the same offset."
    ),
)
def duplicate(request: HttpRequest, slug: str, body: DuplicateEventIn) -> HttpResponse | Status:
    require_manager(request)
    event = event_of(request, slug)
    form = DuplicateEventForm(
        {
            "title": body.title or "",
            "starts_at": local_input(body.starts_at, event.tz),
            "copy_vouchers": body.copy_vouchers,
        },
        event=event,
    )
    if not form.is_valid():
        return invalid(form)
    try:
        copy = duplicate_event(
            event,
            new_start=form.cleaned_data["starts_at"],
            title=form.cleaned_data["title"],
            vouchers=form.cleaned_data["copy_vouchers"],
            actor=Actor(token_name=token_of(request).name),
        )
    except ValidationError as error:
        return invalid_fields(validation_errors(error))
    return Status(201, _event_out(copy, request))


# --- cancelling ------------------------------------------------------------------------------


def _progress_out(event: Event) -> CancellationProgress:
    progress = event_cancellation.progress(event)
    if progress is None:
        raise Http404("This event has not been cancelled.")
    return cancellation_progress(event, progress)


@router.post(
    "/manage/events/{slug}/cancel",
    response={202: CancellationProgress, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Cancel an event, refunding and emailing every buyer",
    description=(
        "The event and all its dates are cancelled at once (sales stop); then, in the "
        "background, every pending order is cancelled and every paid one refunded in full "
        "(through the payment provider where it refunds; bank transfers are listed to pay "
        "back by hand), its tickets void, and each buyer emailed. Answers 202 with the "
        "progress; follow it with `GET .../cancellation`. Sending it again settles what is "
        "left (refunds that failed) and never refunds an order twice."
    ),
)
def cancel_event(request: HttpRequest, slug: str, body: CancelEventIn) -> HttpResponse | Status:
    require_manager(request)
    event = event_of(request, slug)
    form = CancelEventForm({"reason": body.reason})
    if not form.is_valid():
        return invalid(form)
    event_cancellation.cancel_event(
        event,
        by=Actor(token_name=token_of(request).name),
        base_url=request.build_absolute_uri("/"),
        reason=form.cleaned_data["reason"],
    )
    return Status(202, _progress_out(event))


@router.get(
    "/manage/events/{slug}/cancellation",
    response={200: CancellationProgress, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut},
    summary="How far an event's cancellation has come",
)
def get_cancellation(request: HttpRequest, slug: str) -> CancellationProgress:
    require_manager(request)
    return _progress_out(event_of(request, slug))


# --- ticket types ----------------------------------------------------------------------------


@router.get(
    "/manage/events/{slug}/ticket-types",
    response={200: list[ManagedTicketTypeOut], 401: ProblemOut, 404: ProblemOut},
)
def list_ticket_types(request: HttpRequest, slug: str) -> HttpResponse | list[dict[str, Any]]:
    event = event_of(request, slug)
    return _ticket_types_out(event, event.ticket_types.all(), request)


@router.post(
    "/manage/events/{slug}/ticket-types",
    response={201: ManagedTicketTypeOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def create_ticket_type(request: HttpRequest, slug: str, body: TicketTypeIn) -> HttpResponse | Status:
    require_manager(request)
    event = event_of(request, slug)
    form = TicketTypeForm(_ticket_type_form_data(event, None, body.dict()), event=event)
    if not form.is_valid():
        return invalid(form)
    return Status(201, _ticket_type_out(event_services.save_ticket_type(form), request))


@router.patch(
    "/manage/events/{slug}/ticket-types/{ticket_type_id}",
    response={200: ManagedTicketTypeOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def update_ticket_type(
    request: HttpRequest, slug: str, ticket_type_id: int, body: TicketTypePatch
) -> HttpResponse | dict[str, Any]:
    require_manager(request)
    event = event_of(request, slug)
    ticket_type = event.ticket_types.filter(pk=ticket_type_id).first()
    if ticket_type is None:
        raise Http404("No such ticket type for your organizer.")
    form = TicketTypeForm(
        _ticket_type_form_data(event, ticket_type, body.dict(exclude_unset=True)),
        instance=ticket_type,
        event=event,
    )
    if not form.is_valid():
        return invalid(form)
    return _ticket_type_out(event_services.save_ticket_type(form), request)
