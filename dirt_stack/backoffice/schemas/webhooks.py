"""The organizer's webhooks in the back office (``Manage/Webhooks``, ``Manage/Webhook``,
``Manage/WebhookDeliveries``, ``Manage/WebhookDelivery``); the organizer API answers the same
rows (``api/manage/webhooks.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from backoffice.schemas.common import IdName
from core.schemas import IsoDateTime, OneOf, Option, PageProps, Pagination, Shape
from storefront.schemas import OrganizerRef
from webhooks.models import WebhookDelivery

DeliveryStatus = Annotated[str, OneOf(WebhookDelivery.Status.values)]


class WebhookEndpointRow(Shape):
    id: int
    url: str
    description: str
    event_types: list[str] = Field(description="The event types sent; empty: every type.")
    events: list[int] = Field(description="Only these events' ids; empty: every event.")
    enabled: bool
    disabled_reason: str = Field(
        description="Why Maticko disabled it (410 Gone, days of failures); empty otherwise."
    )
    failing_since: IsoDateTime | None = Field(description="The first failed attempt since the last success.")
    previous_secret_until: IsoDateTime | None = Field(
        description="After a rotation, the old secret signs too until then."
    )
    created_at: IsoDateTime


class WebhookAttemptRow(Shape):
    attempted_at: IsoDateTime
    request_headers: dict[str, str]
    response_status: int | None = Field(description="Null: no answer (see `error`).")
    response_headers: dict[str, str]
    response_body: str = Field(description="The answer's first 4 KiB.")
    duration_ms: int
    error: str


class WebhookDeliveryRow(Shape):
    id: int
    endpoint_id: int
    message_id: str = Field(description="The `webhook-id` header, the same on every attempt.")
    event_type: str
    event: str | None = Field(description="The event's title, when the message is about one.")
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    next_attempt_at: IsoDateTime | None
    created_at: IsoDateTime


class WebhookDeliveryDetail(WebhookDeliveryRow):
    payload: str = Field(description="The request body, sent unchanged on every attempt.")
    attempts_made: list[WebhookAttemptRow]


class WebhookChangeRow(Shape):
    action: str
    actor: str
    detail: dict[str, Any]
    created_at: IsoDateTime


class WebhooksPageProps(PageProps):
    component = "Manage/Webhooks"

    organizer: OrganizerRef
    endpoints: list[WebhookEndpointRow]
    event_types: list[Option]
    events: list[IdName]


class WebhookPageProps(PageProps):
    component = "Manage/Webhook"

    organizer: OrganizerRef
    endpoint: WebhookEndpointRow
    event_types: list[Option]
    events: list[IdName]
    secrets: list[str] | None = Field(description="The signing secrets, when just revealed (current first).")
    changes: list[WebhookChangeRow]


class DeliveryFilters(Shape):
    status: str
    event_type: str


class WebhookDeliveriesPageProps(PageProps):
    component = "Manage/WebhookDeliveries"

    organizer: OrganizerRef
    endpoint: WebhookEndpointRow
    deliveries: list[WebhookDeliveryRow]
    filters: DeliveryFilters
    statuses: list[Option]
    event_types: list[Option]
    pagination: Pagination


class WebhookDeliveryPageProps(PageProps):
    component = "Manage/WebhookDelivery"

    organizer: OrganizerRef
    endpoint: WebhookEndpointRow
    delivery: WebhookDeliveryDetail
