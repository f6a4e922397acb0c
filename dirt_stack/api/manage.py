"""Organizer endpoints: the token's organizer's events, ticket types and orders.

Every lookup is scoped to the token's organizer: another organizer's objects
answer 404. Door-staff tokens may read events and check tickets in; changes
and orders need an owner or manager token (403 otherwise).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema, Status

from accounts.models import ApiToken, Membership
from api.auth import OrganizerToken
from api.problems import problem
from api.schemas import ProblemOut
from backoffice.serializers import event_form_values
from core.inertia import form_errors
from events import services as event_services
from events.forms import EventForm, TicketTypeForm
from events.models import Event, TicketType
from sales import exceptions, order_actions, quotas
from sales.models import Order
from storefront.schemas import OrderDetail
from storefront.serializers import load_order, order_detail

router = Router(tags=["Organizer"], auth=OrganizerToken())
PAGE_SIZE = 50


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
    available: int = Field(description="Tickets buyers may still take: what the event page offers.")
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


# --- helpers ---------------------------------------------------------------------------


def _token(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _require_manager(request: HttpRequest) -> None:
    if _token(request).role not in Membership.EVENT_MANAGERS:
        raise PermissionDenied("This needs an owner or manager token.")


def _event(request: HttpRequest, slug: str) -> Event:
    """The token's organizer's event; any other answers 404."""
    event = (
        Event.objects.select_related("organizer")
        .filter(organizer=_token(request).organizer, slug=slug)
        .first()
    )
    if event is None:
        raise Http404("No event with this slug for your organizer.")
    return event


def _event_out(event: Event) -> dict[str, Any]:
    return {
        **event_form_values(event).model_dump(),
        "status": event.status,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
    }


def _local(value: dt.datetime | None, tz: Any) -> str:
    """An API date-time (with or without offset) as the event-local value the forms take."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.strftime("%Y-%m-%dT%H:%M")


def _invalid(form: Any) -> HttpResponse:
    errors = [
        {"loc": ["body", field], "msg": message, "type": "value_error"}
        for field, message in form_errors(form).items()
    ]
    return problem(422, "The request is not valid; see errors.", errors=errors)


def _event_form_data(event: Event | None, body: dict[str, Any]) -> dict[str, Any]:
    current = _event_out(event) if event else {}
    data = {**current, **{k: v for k, v in body.items() if v is not None}}
    try:
        tz = zoneinfo.ZoneInfo(str(data.get("timezone") or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    for name in ("starts_at", "ends_at"):
        value = data.get(name)
        data[name] = _local(value, tz) if isinstance(value, dt.datetime) else value
    data["payment_methods"] = event.payment_methods if event else ["stripe", "offline"]
    return data


def _ticket_type_fields(ticket_type: TicketType) -> dict[str, Any]:
    return {
        "id": ticket_type.pk,
        "name": ticket_type.name,
        "description": ticket_type.description,
        "price": ticket_type.price,
        "capacity": ticket_type.capacity,
        "sales_start": ticket_type.sales_start,
        "sales_end": ticket_type.sales_end,
        "min_per_order": ticket_type.min_per_order,
        "max_per_order": ticket_type.max_per_order,
        "hidden": ticket_type.hidden,
    }


def _ticket_types_out(event: Event, ticket_types: QuerySet[TicketType]) -> list[dict[str, Any]]:
    """Ticket types with their sold and available counts, as every screen counts them."""
    annotated = list(quotas.with_sold(ticket_types))
    available = quotas.availability(event, annotated)
    return [
        {**_ticket_type_fields(t), "sold": t.sold, "available": available[t.pk]}  # type: ignore[attr-defined]
        for t in annotated
    ]


def _ticket_type_out(ticket_type: TicketType) -> dict[str, Any]:
    return _ticket_types_out(ticket_type.event, TicketType.objects.filter(pk=ticket_type.pk))[0]


def _ticket_type_form_data(
    event: Event, ticket_type: TicketType | None, body: dict[str, Any]
) -> dict[str, Any]:
    current = _ticket_type_fields(ticket_type) if ticket_type else {}
    data = {**current, **{k: v for k, v in body.items() if v is not None}}
    for name in ("sales_start", "sales_end"):
        value = data.get(name)
        data[name] = _local(value, event.tz) if isinstance(value, dt.datetime) else (value or "")
    return data


# --- events --------------------------------------------------------------------------------


@router.get("/manage/events", response={200: list[ManagedEventOut], 401: ProblemOut}, summary="Your events")
def list_events(request: HttpRequest) -> list[dict[str, Any]]:
    events = Event.objects.filter(organizer=_token(request).organizer).order_by("-starts_at")[:500]
    return [_event_out(event) for event in events]


@router.post(
    "/manage/events",
    response={201: ManagedEventOut, 401: ProblemOut, 403: ProblemOut, 422: ProblemOut},
    summary="Create an event (as a draft)",
)
def create_event(request: HttpRequest, body: EventIn) -> HttpResponse | Status:
    _require_manager(request)
    form = EventForm(_event_form_data(None, body.dict()))
    if not form.is_valid():
        return _invalid(form)
    event = event_services.save_event(form, _token(request).organizer)
    return Status(201, _event_out(event))


@router.get("/manage/events/{slug}", response={200: ManagedEventOut, 401: ProblemOut, 404: ProblemOut})
def get_event(request: HttpRequest, slug: str) -> HttpResponse | dict[str, Any]:
    event = _event(request, slug)
    return _event_out(event)


@router.patch(
    "/manage/events/{slug}",
    response={200: ManagedEventOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Change an event's details",
)
def update_event(request: HttpRequest, slug: str, body: EventPatch) -> HttpResponse | dict[str, Any]:
    _require_manager(request)
    event = _event(request, slug)
    form = EventForm(_event_form_data(event, body.dict(exclude_unset=True)), instance=event)
    if not form.is_valid():
        return _invalid(form)
    return _event_out(event_services.save_event(form, event.organizer))


# --- ticket types ----------------------------------------------------------------------------


@router.get(
    "/manage/events/{slug}/ticket-types",
    response={200: list[ManagedTicketTypeOut], 401: ProblemOut, 404: ProblemOut},
)
def list_ticket_types(request: HttpRequest, slug: str) -> HttpResponse | list[dict[str, Any]]:
    event = _event(request, slug)
    return _ticket_types_out(event, event.ticket_types.all())


@router.post(
    "/manage/events/{slug}/ticket-types",
    response={201: ManagedTicketTypeOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def create_ticket_type(request: HttpRequest, slug: str, body: TicketTypeIn) -> HttpResponse | Status:
    _require_manager(request)
    event = _event(request, slug)
    form = TicketTypeForm(_ticket_type_form_data(event, None, body.dict()), event=event)
    if not form.is_valid():
        return _invalid(form)
    return Status(201, _ticket_type_out(event_services.save_ticket_type(form)))


@router.patch(
    "/manage/events/{slug}/ticket-types/{ticket_type_id}",
    response={200: ManagedTicketTypeOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def update_ticket_type(
    request: HttpRequest, slug: str, ticket_type_id: int, body: TicketTypePatch
) -> HttpResponse | dict[str, Any]:
    _require_manager(request)
    event = _event(request, slug)
    ticket_type = event.ticket_types.filter(pk=ticket_type_id).first()
    if ticket_type is None:
        raise Http404("No such ticket type for your organizer.")
    form = TicketTypeForm(
        _ticket_type_form_data(event, ticket_type, body.dict(exclude_unset=True)),
        instance=ticket_type,
        event=event,
    )
    if not form.is_valid():
        return _invalid(form)
    return _ticket_type_out(event_services.save_ticket_type(form))


# --- orders --------------------------------------------------------------------------------------


@router.get(
    "/manage/events/{slug}/orders",
    response={200: OrderPageOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut},
    summary="The event's orders, searched and filtered, 50 per page",
)
def list_orders(
    request: HttpRequest, slug: str, filters: Query[OrderFilters]
) -> HttpResponse | dict[str, Any]:
    _require_manager(request)
    event = _event(request, slug)
    params = {
        "q": filters.q,
        "status": filters.status,
        "ticket_type": str(filters.ticket_type or ""),
        "from": filters.created_from.isoformat() if filters.created_from else "",
        "to": filters.created_to.isoformat() if filters.created_to else "",
    }
    found = Order.objects.filter(event=event).search(params).with_ticket_counts()
    count = found.count()
    pages = max(1, -(-count // PAGE_SIZE))
    start = (min(filters.page, pages) - 1) * PAGE_SIZE
    return {
        "items": [
            {
                "code": o.code,
                "status": o.status,
                "buyer_name": o.buyer_name,
                "buyer_email": o.buyer_email,
                "currency": o.currency,
                "total": o.total,
                "refunded_amount": o.refunded_amount,
                "payment_method": o.payment_method,
                "created_at": o.created_at,
                "tickets": o.ticket_total,
            }
            for o in found[start : start + PAGE_SIZE]
        ],
        "count": count,
        "page": min(filters.page, pages),
        "pages": pages,
    }


def _order(request: HttpRequest, code: str) -> Order:
    order = load_order(code.upper()[:20])
    if order is None or order.event.organizer_id != _token(request).organizer.pk:
        raise Http404("No order with this code for your organizer.")
    return order


def _order_out(request: HttpRequest, order: Order) -> JsonResponse:
    return JsonResponse(order_detail(order, request.build_absolute_uri("/")).model_dump(mode="json"))


def _order_response(schema_status: dict[int, Any]) -> dict[int, Any]:
    return {200: OrderDetail, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, **schema_status}


@router.get("/manage/orders/{code}", response=_order_response({}), summary="One of your orders")
def get_order(request: HttpRequest, code: str) -> HttpResponse:
    _require_manager(request)
    order = _order(request, code)
    return _order_out(request, order)


def _act(request: HttpRequest, code: str, action: Any) -> HttpResponse:
    _require_manager(request)
    order = _order(request, code)
    actor = order_actions.Actor(token_name=_token(request).name)
    try:
        action(order, actor)
    except exceptions.OrderInvalid as exc:
        return problem(422, str(exc), field=exc.field)
    except exceptions.OrderConflict as exc:
        return problem(409, str(exc))
    return _order_out(request, load_order(order.code))


@router.post(
    "/manage/orders/{code}/cancel", response=_order_response({409: ProblemOut}), summary="Cancel an order"
)
def cancel_order(request: HttpRequest, code: str) -> HttpResponse:
    return _act(request, code, lambda order, actor: order_actions.cancel(order, actor))


@router.post(
    "/manage/orders/{code}/refund",
    response=_order_response({409: ProblemOut, 422: ProblemOut}),
    summary="Refund an order, fully or partly (an amount and/or tickets)",
)
def refund_order(request: HttpRequest, code: str, body: RefundIn) -> HttpResponse:
    return _act(
        request,
        code,
        lambda order, actor: order_actions.refund(
            order, actor, amount=body.amount, tickets=body.tickets, reason=body.reason
        ),
    )


@router.post(
    "/manage/orders/{code}/mark-paid",
    response=_order_response({409: ProblemOut}),
    summary="Record a bank transfer's arrival",
)
def mark_order_paid(request: HttpRequest, code: str, body: MarkPaidIn) -> HttpResponse:
    base_url = request.build_absolute_uri("/")
    return _act(
        request,
        code,
        lambda order, actor: order_actions.mark_paid(
            order, actor, base_url=base_url, reference=body.reference
        ),
    )
