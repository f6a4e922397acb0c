"""What each webhook message says: ``{type, timestamp, data}``, ``data`` a snapshot of the
object with its API URL. The shapes are pydantic schemas, so the OpenAPI document's
``webhooks`` section (``openapi_webhooks``) describes exactly what is sent.

A message's subject (core.domain_events) holds ids and the state at the change (an order's
status, a ticket's new attendee name); the snapshot is built from the database when the
message fans out, a moment later, with the recorded state laid over it. Orders are built by
the same serializer as the API's order (storefront.serializers.order_detail).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from django.conf import settings
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from core import domain_events
from core.schemas import IsoDateTime, Money, Shape, TranslatedTexts
from core.translated import full_map, reading
from events.models import Event, TicketType
from sales.models import Order, Ticket
from storefront.schemas import EventSummary, OrderDetail
from storefront.serializers import event_summary, order_detail
from waitlist.models import Entry

TEST = "webhook.test"


def api_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/api/v1/{path}"


class OrderData(OrderDetail):
    url: str = Field(description="The order in the organizer API (GET with an owner or manager token).")


class AttendeeData(Shape):
    ticket_id: int
    order_code: str
    ticket_type: str
    attendee_name: str
    previous_name: str
    url: str = Field(description="The ticket's order in the organizer API.")


class CheckinData(Shape):
    checkin_id: int
    ticket_id: int
    order_code: str
    ticket_type: str
    attendee_name: str
    list_id: int
    url: str = Field(description="The ticket's order in the organizer API.")


# Snapshots carry the organizer's texts in the event's own language, and all of them here.
TRANSLATIONS = "The texts in every language of the event, its own included: {language: {field: text}}."


class EventData(EventSummary):
    url: str = Field(description="The event in the organizer API.")
    locale: str = Field(description="The event's own language: the texts above are in it.")
    translations: TranslatedTexts = Field(description=TRANSLATIONS)


class TicketTypeData(Shape):
    id: int
    event: str = Field(description="The event's slug.")
    name: str
    price: Money
    capacity: int | None
    hidden: bool
    sales_start: IsoDateTime | None
    sales_end: IsoDateTime | None
    url: str = Field(description="The event's ticket types in the organizer API.")
    translations: TranslatedTexts = Field(description=TRANSLATIONS)


class WaitlistData(Shape):
    entry_id: int
    offer_id: int | None
    event: str = Field(description="The event's slug.")
    date_id: int
    ticket_type_id: int
    quantity: int
    status: str
    url: str = Field(description="The event's waiting list in the organizer API.")


class AdmissionData(Shape):
    event: str = Field(description="The event's slug.")
    room_id: int
    admitted: int = Field(description="How many waiting buyers this round admitted.")
    admitted_through: int = Field(description="The highest queue position admitted so far.")
    url: str = Field(description="The event's on-sale room in the organizer API.")


class TestData(Shape):
    message: str
    endpoint_id: int


DATA: dict[str, type[BaseModel]] = {
    domain_events.ORDER_CREATED: OrderData,
    domain_events.ORDER_PAID: OrderData,
    domain_events.ORDER_CANCELLED: OrderData,
    domain_events.ORDER_REFUNDED: OrderData,
    domain_events.ORDER_EXPIRED: OrderData,
    domain_events.ATTENDEE_CHANGED: AttendeeData,
    domain_events.CHECKIN_CREATED: CheckinData,
    domain_events.CHECKIN_REVERTED: CheckinData,
    domain_events.EVENT_CREATED: EventData,
    domain_events.EVENT_UPDATED: EventData,
    domain_events.TICKET_TYPE_CREATED: TicketTypeData,
    domain_events.TICKET_TYPE_UPDATED: TicketTypeData,
    domain_events.WAITLIST_ENTRY_CREATED: WaitlistData,
    domain_events.WAITLIST_ENTRY_OFFERED: WaitlistData,
    domain_events.ONSALE_ADMITTED: AdmissionData,
    TEST: TestData,
}


def _order(subject: dict[str, Any]) -> dict[str, Any] | None:
    order = (
        Order.objects.select_related("event__organizer", "date")
        .prefetch_related("lines__ticket_type", "tickets__ticket_type")
        .filter(code=subject["code"])
        .first()
    )
    if order is None:
        return None
    with reading(order.event.locale):
        detail = order_detail(order, settings.SITE_URL).model_dump()
    detail["status"] = subject.get("status", detail["status"])  # the status at the change
    return {**detail, "url": api_url(f"manage/orders/{order.code}")}


def _ticket(subject: dict[str, Any]) -> Ticket | None:
    return Ticket.objects.select_related("order", "ticket_type").filter(pk=subject["ticket_id"]).first()


def _attendee(subject: dict[str, Any]) -> dict[str, Any] | None:
    ticket = _ticket(subject)
    if ticket is None:
        return None
    return {
        "ticket_id": ticket.pk,
        "order_code": ticket.order.code,
        "ticket_type": ticket.ticket_type.name,
        "attendee_name": subject["attendee_name"],
        "previous_name": subject["previous_name"],
        "url": api_url(f"manage/orders/{ticket.order.code}"),
    }


def _checkin(subject: dict[str, Any]) -> dict[str, Any] | None:
    ticket = _ticket(subject)
    if ticket is None:
        return None
    return {
        "checkin_id": subject["checkin_id"],
        "ticket_id": ticket.pk,
        "order_code": ticket.order.code,
        "ticket_type": ticket.ticket_type.name,
        "attendee_name": ticket.attendee_name,
        "list_id": subject["list_id"],
        "url": api_url(f"manage/orders/{ticket.order.code}"),
    }


def _event(subject: dict[str, Any]) -> dict[str, Any] | None:
    event = Event.objects.select_related("organizer").filter(pk=subject["event_id"]).first()
    if event is None:
        return None
    with reading(event.locale):
        summary = event_summary(event).model_dump()
    summary["status"] = subject.get("status", summary["status"])
    return {
        **summary,
        "url": api_url(f"manage/events/{event.slug}"),
        "locale": event.locale,
        "translations": full_map(event, event.locale),
    }


def _ticket_type(subject: dict[str, Any]) -> dict[str, Any] | None:
    ticket_type = TicketType.objects.select_related("event").filter(pk=subject["ticket_type_id"]).first()
    if ticket_type is None:
        return None
    return {
        "id": ticket_type.pk,
        "event": ticket_type.event.slug,
        "name": ticket_type.name,
        "price": ticket_type.price,
        "capacity": ticket_type.capacity,
        "hidden": ticket_type.hidden,
        "sales_start": ticket_type.sales_start,
        "sales_end": ticket_type.sales_end,
        "url": api_url(f"manage/events/{ticket_type.event.slug}/ticket-types"),
        "translations": full_map(ticket_type, ticket_type.event.locale),
    }


def _waitlist(subject: dict[str, Any]) -> dict[str, Any] | None:
    entry = Entry.objects.select_related("event").filter(pk=subject["entry_id"]).first()
    if entry is None:
        return None
    return {
        "entry_id": entry.pk,
        "offer_id": subject.get("offer_id"),
        "event": entry.event.slug,
        "date_id": entry.date_id,
        "ticket_type_id": entry.ticket_type_id,
        "quantity": entry.quantity,
        "status": subject.get("status", entry.status),
        "url": api_url(f"manage/events/{entry.event.slug}/waitlist"),
    }


def _admission(subject: dict[str, Any]) -> dict[str, Any] | None:
    event = Event.objects.filter(pk=subject["event_id"]).only("slug").first()
    if event is None:
        return None
    return {
        "event": event.slug,
        "room_id": subject["room_id"],
        "admitted": subject["admitted"],
        "admitted_through": subject["admitted_through"],
        "url": api_url(f"manage/events/{event.slug}/room"),
    }


_BUILDERS = {
    "order": _order,
    "attendee": _attendee,
    "checkin": _checkin,
    "event": _event,
    "ticket_type": _ticket_type,
    "waitlist": _waitlist,
    "onsale": _admission,
}


def body(event_type: str, timestamp: str, subject: dict[str, Any]) -> str | None:
    """The message's JSON body, or None when its object is gone (deleted meanwhile)."""
    if event_type == TEST:
        data: dict[str, Any] | None = subject
    else:
        data = _BUILDERS[event_type.split(".", 1)[0]](subject)
    if data is None:
        return None
    shaped = DATA[event_type].model_validate(data).model_dump(mode="json")
    return json.dumps(
        {"type": event_type, "timestamp": timestamp, "data": shaped},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def test_body(endpoint_id: int, now: dt.datetime) -> str:
    data = TestData(message="A test message from Maticko.", endpoint_id=endpoint_id).model_dump(mode="json")
    return json.dumps({"type": TEST, "timestamp": now.isoformat(), "data": data}, separators=(",", ":"))


def _message_schema(event_type: str, data: type[BaseModel]) -> type[BaseModel]:
    name = "".join(part.title() for part in event_type.replace("_", ".").split(".")) + "Webhook"
    return type(
        name,
        (BaseModel,),
        {
            "__annotations__": {"type": Literal[event_type], "timestamp": str, "data": data},
            "__doc__": f"The body of a `{event_type}` message.",
        },
    )


def openapi_webhooks(ref_template: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI 3.1 ``webhooks`` map (one POST per event type) and the component
    schemas it refers to."""
    messages = {event_type: _message_schema(event_type, data) for event_type, data in DATA.items()}
    keys, definitions = models_json_schema(
        [(model, "serialization") for model in messages.values()], ref_template=ref_template
    )
    headers = [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": text}
        for name, text in (
            ("webhook-id", "The message's id, the same on every attempt (deduplicate by it)."),
            ("webhook-timestamp", "Seconds since the epoch when this attempt was signed."),
            ("webhook-signature", "`v1,<base64>`, space separated; two during a secret's rotation."),
        )
    ]
    webhooks = {
        event_type: {
            "post": {
                "summary": f"{event_type}",
                "description": "Signed as Standard Webhooks 1.0 specifies; answer 2xx within 15 s.",
                "parameters": headers,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": keys[(model, "serialization")]}},
                },
                "responses": {
                    "200": {"description": "Received."},
                    "410": {"description": "Disables the endpoint."},
                },
            }
        }
        for event_type, model in messages.items()
    }
    return webhooks, definitions.get("$defs", {})
