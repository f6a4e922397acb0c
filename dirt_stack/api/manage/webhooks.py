"""Organizer endpoints for webhooks (owner tokens only): endpoints, their secrets, test
messages, the delivery log, resending one message and replaying failed ones; the same
services and rows as the back office's pages (backoffice/views/webhooks.py)."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StrictBool

from accounts.models import ApiToken, Membership
from api.auth import OrganizerToken
from api.manage.common import PAGE_SIZE, invalid, invalid_fields, token_of
from api.manage.schemas import Body, WindowDateTime
from api.schemas import ProblemOut
from backoffice.schemas import WebhookDeliveryDetail, WebhookDeliveryRow, WebhookEndpointRow
from backoffice.serializers import webhook_delivery, webhook_delivery_detail, webhook_endpoint
from core import domain_events
from core.input import Id, QueryId, TextRules
from core.schemas import Shape
from webhooks import payloads, services
from webhooks.forms import EndpointForm, ReplayForm, form_data
from webhooks.models import URL_MAX, WebhookDelivery, WebhookEndpoint

router = Router(tags=["Webhooks"], auth=OrganizerToken())

EventType = Annotated[str, TextRules(40)]


class EndpointIn(Body):
    url: Annotated[str, TextRules(URL_MAX)] = Field(description="https:// and a public host.")
    description: Annotated[str, TextRules(200)] = ""
    event_types: list[EventType] = Field(default=[], max_length=50, description="Empty: every type.")
    events: list[Id] = Field(default=[], max_length=500, description="Event ids; empty: every event.")
    enabled: StrictBool = True


class EndpointPatch(Body):
    url: Annotated[str, TextRules(URL_MAX)] | None = None
    description: Annotated[str, TextRules(200)] | None = None
    event_types: list[EventType] | None = Field(default=None, max_length=50)
    events: list[Id] | None = Field(default=None, max_length=500)
    enabled: StrictBool | None = None


class SecretsOut(Shape):
    secrets: list[str] = Field(
        description="The secrets that sign now, the current first (two after a rotation)."
    )


class ReplayIn(Body):
    since: WindowDateTime = Field(
        description="Failed messages created since then (within the log's 30 days)."
    )


class ReplayOut(Shape):
    count: int


class DeliveryFiltersIn(Schema):
    status: Annotated[str, TextRules(20)] = ""
    event_type: Annotated[str, TextRules(40)] = ""
    page: int = Field(default=1, ge=1, le=100_000)


class DeliveryPageOut(Shape):
    items: list[WebhookDeliveryRow]
    count: int
    page: int
    pages: int


def _owner_token(request: HttpRequest) -> ApiToken:
    token = token_of(request)
    if token.role != Membership.Role.OWNER:
        raise PermissionDenied("Webhooks need an owner token.")
    return token


def _endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    found = (
        WebhookEndpoint.objects.prefetch_related("events")
        .filter(pk=endpoint_id, organizer=_owner_token(request).organizer)
        .first()
    )
    if found is None:
        raise Http404("No webhook endpoint with this id for your organizer.")
    return found


def _label(request: HttpRequest) -> str:
    return f"API token “{token_of(request).name}”"


def _out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    fresh = WebhookEndpoint.objects.prefetch_related("events").get(pk=endpoint.pk)
    return webhook_endpoint(fresh).model_dump(mode="json")


ERRORS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut}


@router.get(
    "/manage/webhooks", response={200: list[WebhookEndpointRow], **ERRORS}, summary="Your webhook endpoints"
)
def list_endpoints(request: HttpRequest) -> list[dict[str, Any]]:
    organizer = _owner_token(request).organizer
    return [
        webhook_endpoint(e).model_dump(mode="json")
        for e in WebhookEndpoint.objects.filter(organizer=organizer).prefetch_related("events")
    ]


@router.post(
    "/manage/webhooks",
    response={201: WebhookEndpointRow, 422: ProblemOut, **ERRORS},
    summary="Add a webhook endpoint",
    description="The URL's host must resolve to public addresses only. Reveal its secret with "
    "`GET /manage/webhooks/{id}/secret`.",
)
def create_endpoint(request: HttpRequest, body: EndpointIn) -> HttpResponse | Status:
    organizer = _owner_token(request).organizer
    form = EndpointForm(form_data(body.dict()), organizer=organizer)
    if not form.is_valid():
        return invalid(form)
    endpoint = services.save_endpoint(
        organizer, None, form.cleaned_data, actor=None, actor_label=_label(request)
    )
    return Status(201, _out(endpoint))


@router.get(
    "/manage/webhooks/{endpoint_id}", response={200: WebhookEndpointRow, **ERRORS}, summary="One endpoint"
)
def get_endpoint(request: HttpRequest, endpoint_id: QueryId) -> dict[str, Any]:
    return _out(_endpoint(request, endpoint_id))


@router.patch(
    "/manage/webhooks/{endpoint_id}",
    response={200: WebhookEndpointRow, 422: ProblemOut, **ERRORS},
    summary="Change an endpoint (enable it again after it was disabled)",
)
def update_endpoint(
    request: HttpRequest, endpoint_id: QueryId, body: EndpointPatch
) -> HttpResponse | dict[str, Any]:
    endpoint = _endpoint(request, endpoint_id)
    current = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "events": [e.pk for e in endpoint.events.all()],
        "enabled": endpoint.enabled,
    }
    sent = {k: v for k, v in body.dict().items() if v is not None}
    form = EndpointForm(form_data({**current, **sent}), organizer=endpoint.organizer)
    if not form.is_valid():
        return invalid(form)
    services.save_endpoint(
        endpoint.organizer, endpoint, form.cleaned_data, actor=None, actor_label=_label(request)
    )
    return _out(endpoint)


@router.delete("/manage/webhooks/{endpoint_id}", response={204: None, **ERRORS}, summary="Delete an endpoint")
def delete_endpoint(request: HttpRequest, endpoint_id: QueryId) -> Status:
    services.delete_endpoint(_endpoint(request, endpoint_id), actor=None, actor_label=_label(request))
    return Status(204, None)


@router.get(
    "/manage/webhooks/{endpoint_id}/secret",
    response={200: SecretsOut, **ERRORS},
    summary="Reveal the endpoint's signing secrets (audited)",
)
def reveal_secret(request: HttpRequest, endpoint_id: QueryId) -> dict[str, Any]:
    return {
        "secrets": services.reveal(_endpoint(request, endpoint_id), actor=None, actor_label=_label(request))
    }


@router.post(
    "/manage/webhooks/{endpoint_id}/rotate",
    response={200: SecretsOut, **ERRORS},
    summary="Rotate the secret: the old one signs too for 24 hours",
)
def rotate_secret(request: HttpRequest, endpoint_id: QueryId) -> dict[str, Any]:
    rotated = services.rotate(_endpoint(request, endpoint_id), actor=None, actor_label=_label(request))
    return {"secrets": services.reveal(rotated, actor=None, actor_label=_label(request))}


@router.post(
    "/manage/webhooks/{endpoint_id}/test",
    response={202: WebhookDeliveryRow, **ERRORS},
    summary="Send a `webhook.test` message",
)
def send_test(request: HttpRequest, endpoint_id: QueryId) -> Status:
    sent = services.send_test(_endpoint(request, endpoint_id), actor=None, actor_label=_label(request))
    return Status(202, webhook_delivery(WebhookDelivery.objects.get(pk=sent.pk)).model_dump(mode="json"))


@router.post(
    "/manage/webhooks/{endpoint_id}/replay",
    response={202: ReplayOut, 422: ProblemOut, **ERRORS},
    summary="Send again the failed messages created since a moment",
)
def replay(request: HttpRequest, endpoint_id: QueryId, body: ReplayIn) -> HttpResponse | Status:
    endpoint = _endpoint(request, endpoint_id)
    form = ReplayForm({"since": body.since.isoformat()})
    if not form.is_valid():
        return invalid(form)
    count = services.replay(endpoint, form.cleaned_data["since"], actor=None, actor_label=_label(request))
    return Status(202, {"count": count})


@router.get(
    "/manage/webhooks/{endpoint_id}/deliveries",
    response={200: DeliveryPageOut, 422: ProblemOut, **ERRORS},
    summary="The endpoint's delivery log (30 days), newest first, 50 per page",
)
def list_deliveries(
    request: HttpRequest, endpoint_id: QueryId, filters: Query[DeliveryFiltersIn]
) -> HttpResponse | dict[str, Any]:
    endpoint = _endpoint(request, endpoint_id)
    found = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    if filters.status:
        if filters.status not in WebhookDelivery.Status.values:
            return invalid_fields({"status": "Choose pending, succeeded or failed."}, where="query")
        found = found.filter(status=filters.status)
    if filters.event_type:
        if filters.event_type not in (*domain_events.TYPES, payloads.TEST):
            return invalid_fields({"event_type": "This is not an event type."}, where="query")
        found = found.filter(event_type=filters.event_type)
    count = found.count()
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(filters.page, pages)
    start = (page - 1) * PAGE_SIZE
    return {
        "items": [webhook_delivery(d).model_dump(mode="json") for d in found[start : start + PAGE_SIZE]],
        "count": count,
        "page": page,
        "pages": pages,
    }


def _delivery(request: HttpRequest, delivery_id: int) -> WebhookDelivery:
    found = (
        WebhookDelivery.objects.select_related("endpoint", "event")
        .filter(pk=delivery_id, endpoint__organizer=_owner_token(request).organizer)
        .first()
    )
    if found is None:
        raise Http404("No webhook delivery with this id for your organizer.")
    return found


@router.get(
    "/manage/webhook-deliveries/{delivery_id}",
    response={200: WebhookDeliveryDetail, **ERRORS},
    summary="One delivery: the request and every attempt's answer",
)
def get_delivery(request: HttpRequest, delivery_id: QueryId) -> dict[str, Any]:
    return webhook_delivery_detail(_delivery(request, delivery_id)).model_dump(mode="json")


@router.post(
    "/manage/webhook-deliveries/{delivery_id}/resend",
    response={202: WebhookDeliveryRow, **ERRORS},
    summary="Send a message again (the same webhook-id and body)",
)
def resend(request: HttpRequest, delivery_id: QueryId) -> Status:
    sent = services.resend(_delivery(request, delivery_id), actor=None, actor_label=_label(request))
    return Status(
        202,
        webhook_delivery(WebhookDelivery.objects.select_related("event").get(pk=sent.pk)).model_dump(
            mode="json"
        ),
    )
