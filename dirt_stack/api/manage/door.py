"""Organizer endpoint for the door's status: entries, exits and who is inside per gate and
list, and the double admissions, the same as the back office's door status page. Any role
may read it, door staff included."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.auth import OrganizerToken
from api.manage.common import event_of
from api.schemas import ProblemOut
from backoffice.schemas.devices import DoorStatus
from checkin import gates

router = Router(tags=["Organizer"], auth=OrganizerToken())


@router.get(
    "/manage/events/{slug}/door",
    response={200: DoorStatus, 401: ProblemOut, 404: ProblemOut},
    summary="The door's status: entries, exits and inside per gate and list; double admissions",
)
def door_status(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_of(request, slug)
    body = DoorStatus.model_validate(
        {**gates.door_status(event), "double_admissions": gates.double_admissions(event)}
    )
    return HttpResponse(body.model_dump_json(), content_type="application/json")
