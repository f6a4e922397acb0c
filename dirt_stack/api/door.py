"""The scanner devices' API (checkin/README.md): pairing, the lists' snapshot and changes,
online scans and the upload of offline ones. A device authenticates with its own token
(``Authorization: Bearer mdv_...``), good for check-in on its lists only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from api.auth import RateLimited
from api.problems import problem
from api.schemas import ProblemOut
from backoffice.schemas import ScanResult, SearchResults
from backoffice.schemas.devices import DoorCounts
from checkin import devices, gates, offline, services, sync
from checkin.models import CheckIn, CheckInList, ScannerDevice
from core import ratelimit
from core.input import Id, TextRules
from core.schemas import IsoDateTime, Shape

PAIRING_ATTEMPTS_PER_MINUTE = 10
DOOR_KEY = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DeviceToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ScannerDevice | None:
        device = devices.authenticate(token)
        if device is not None and settings.API_RATE_LIMIT > 0:
            verdict = ratelimit.hit(
                ratelimit.key_for("door-device", str(device.pk)),
                ratelimit.RateLimit(settings.API_RATE_LIMIT, 60),
            )
            if not verdict.allowed:
                raise RateLimited(verdict.retry_after)
        return device


router = Router(tags=["Door devices"], auth=DeviceToken())


def _device(request: HttpRequest) -> ScannerDevice:
    device = getattr(request, "auth", None)
    if not isinstance(device, ScannerDevice):
        raise AuthenticationError()
    return device


def _list(device: ScannerDevice, list_id: int) -> CheckInList | None:
    return next((lst for lst in devices.device_lists(device) if lst.pk == list_id), None)


class DoorList(Shape):
    id: int
    name: str
    allow_exits: bool
    date_id: int | None
    event_cancelled: bool
    cancelled_dates: list[int]


class DoorEvent(Shape):
    slug: str
    title: str
    timezone: str


class DeviceOut(Shape):
    id: int
    name: str
    gate: str
    event: DoorEvent
    lists: list[DoorList]


class PairIn(Schema):
    code: Annotated[str, TextRules(40)] = Field(..., description="The one-time pairing code.")


class PairOut(Shape):
    token: str = Field(description="The device's token; shown once.")
    device: DeviceOut


class DoorAdmission(Shape):
    at: IsoDateTime
    gate: str


class DoorTicket(Shape):
    key: str = Field(description="The ticket's door key, derived from its secret (HKDF-SHA256).")
    order_key: str = Field(description="The key of its order's code, to find the order's tickets.")
    ticket_type_id: int
    ticket_type: str
    date_id: int
    refusal: str | None = Field(description="Why it may not get in (a code), or null.")
    admitted: DoorAdmission | None
    inside: bool
    sealed: str = Field(
        description="The attendee's name, email and order code, AES-GCM sealed to its secret."
    )


class SnapshotOut(Shape):
    tickets: list[DoorTicket]
    next_after: int | None = Field(description="Ask for the next page with this `after`; null: last page.")
    cursor: str | None = Field(description="On the first page: follow the changes from here.")
    list: DoorList  # last: the field's name hides the builtin from the annotations below it


class ChangesOut(Shape):
    tickets: list[DoorTicket]
    revoked: list[str] = Field(description="Door keys that no longer admit (a reissued ticket's old code).")
    cursor: str
    more: bool = Field(description="True: ask again at once with the new cursor.")
    status: DoorCounts
    list: DoorList  # last: the field's name hides the builtin from the annotations below it


class DeviceScanIn(Schema):
    secret: Annotated[str, TextRules(200)] | None = Field(
        None, description="What the ticket's QR code encodes."
    )
    ticket_id: Id | None = Field(None, description="A ticket found by its order code.")
    kind: Literal["entry", "exit"] = "entry"
    nonce: uuid.UUID = Field(
        ..., description="The device's id for this scan; a repeat is answered as the first."
    )


class OrderLookupIn(Schema):
    code: Annotated[str, TextRules(40)]


class OfflineScanIn(Schema):
    nonce: uuid.UUID
    key: DOOR_KEY
    list_id: Id
    kind: Literal["entry", "exit"] = "entry"
    scanned_at: dt.datetime = Field(..., description="When, by the device's clock (with its offset).")


class UploadIn(Schema):
    scans: list[OfflineScanIn] = Field(..., max_length=offline.MAX_BATCH)


class UploadAnswer(Shape):
    nonce: str
    result: Literal["accepted", "duplicate", "conflict"]
    reason: str


class UploadOut(Shape):
    results: list[UploadAnswer]


def _device_out(device: ScannerDevice) -> DeviceOut:
    event = device.event
    return DeviceOut(
        id=device.pk,
        name=device.name,
        gate=device.gate,
        event=DoorEvent(slug=event.slug, title=event.title, timezone=str(event.tz)),
        lists=[DoorList(**sync.list_state(lst)) for lst in devices.device_lists(device)],
    )


def _json(shape: Shape, status: int = 200) -> HttpResponse:
    return HttpResponse(shape.model_dump_json(), status=status, content_type="application/json")


@router.post(
    "/door/pair",
    auth=None,
    response={200: PairOut, 404: ProblemOut, 429: ProblemOut},
    summary="Pair a device with its one-time code",
)
def pair(request: HttpRequest, body: PairIn) -> HttpResponse:
    address = request.META.get("REMOTE_ADDR", "")
    verdict = ratelimit.hit(
        ratelimit.key_for("door-pair", address), ratelimit.RateLimit(PAIRING_ATTEMPTS_PER_MINUTE, 60)
    )
    if not verdict.allowed:
        return problem(429, f"Too many pairing attempts. Try again in {verdict.retry_after} seconds.")
    paired = devices.pair(body.code)
    if paired is None:
        return problem(404, "This pairing code is unknown, used or expired. Ask for a new one.")
    device, token = paired
    return _json(PairOut(token=token, device=_device_out(device)))


@router.get("/door/device", response={200: DeviceOut, 401: ProblemOut}, summary="This device and its lists")
def device_info(request: HttpRequest) -> HttpResponse:
    return _json(_device_out(_device(request)))


@router.get(
    "/door/lists/{list_id}/snapshot",
    response={200: SnapshotOut, 401: ProblemOut, 404: ProblemOut},
    summary="A page of the list's tickets",
)
def snapshot(
    request: HttpRequest,
    list_id: int,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=sync.SNAPSHOT_PAGE_MAX)] = sync.SNAPSHOT_PAGE,
) -> HttpResponse:
    check_in_list = _list(_device(request), list_id)
    if check_in_list is None:
        return problem(404, "This device has no check-in list with this id.")
    return JsonResponse(sync.snapshot(check_in_list, after=after, limit=limit))


@router.get(
    "/door/lists/{list_id}/changes",
    response={200: ChangesOut, 400: ProblemOut, 401: ProblemOut, 404: ProblemOut},
    summary="The list's tickets changed since a cursor, and the door's counts",
)
def changes(
    request: HttpRequest, list_id: int, cursor: Annotated[str, Query(max_length=100)]
) -> HttpResponse:
    check_in_list = _list(_device(request), list_id)
    if check_in_list is None:
        return problem(404, "This device has no check-in list with this id.")
    try:
        since = sync.Cursor.parse(cursor)
    except sync.BadCursor as exc:
        return problem(400, str(exc))
    body: dict[str, Any] = sync.changes(check_in_list, since)
    body["status"] = gates.door_status(check_in_list.event)
    return JsonResponse(body)


@router.post(
    "/door/lists/{list_id}/scan",
    response={200: ScanResult, 400: ProblemOut, 401: ProblemOut, 404: ProblemOut},
    summary="Scan a ticket online",
)
def scan(request: HttpRequest, list_id: int, body: DeviceScanIn) -> HttpResponse:
    device = _device(request)
    check_in_list = _list(device, list_id)
    if check_in_list is None:
        return problem(404, "This device has no check-in list with this id.")
    if (body.secret is None) == (body.ticket_id is None):
        return problem(400, "Send either the ticket's code (secret) or a ticket's id (ticket_id).")
    result = services.scan(
        check_in_list,
        secret=body.secret,
        ticket_id=body.ticket_id,
        token_name=device.name,
        kind=CheckIn.Kind(body.kind),
        device=device,
        nonce=body.nonce,
    )
    return JsonResponse(ScanResult(**result.as_dict()).model_dump(mode="json"))


@router.post(
    "/door/lists/{list_id}/orders",
    response={200: SearchResults, 401: ProblemOut, 404: ProblemOut},
    summary="The tickets of an order, by the order code printed on them",
)
def order_tickets(request: HttpRequest, list_id: int, body: OrderLookupIn) -> HttpResponse:
    check_in_list = _list(_device(request), list_id)
    if check_in_list is None:
        return problem(404, "This device has no check-in list with this id.")
    return _json(SearchResults.model_validate({"results": services.order_tickets(check_in_list, body.code)}))


@router.post(
    "/door/scans",
    response={200: UploadOut, 401: ProblemOut, 422: ProblemOut},
    summary="Upload scans made offline",
    description=(
        "Each scan is applied once (by its `nonce`) and answered `accepted`, `duplicate` (applied "
        "before) or `conflict` with a `reason`: `double_admission` (kept, flagged), a refusal code "
        "(the ticket was void at the server: kept, flagged), `unknown`, `not_this_devices_list`, "
        "`no_exits` or `bad_time` (the device's clock is far off: not kept)."
    ),
)
def upload(request: HttpRequest, body: UploadIn) -> HttpResponse:
    scans = [
        offline.OfflineScan(item.nonce, item.key, item.list_id, item.kind, item.scanned_at)
        for item in body.scans
    ]
    results = offline.apply_batch(_device(request), scans)
    return _json(UploadOut.model_validate({"results": results}))
