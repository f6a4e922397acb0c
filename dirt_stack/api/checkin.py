"""Check-in for scanning apps: the same answers as the scanner page."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router, Schema

from accounts.models import ApiToken, Membership
from api.auth import OrganizerToken, request_token
from api.problems import problem
from api.schemas import ProblemOut
from backoffice.schemas import CheckInCounts, ScanResult
from checkin import services
from checkin.models import CheckIn, CheckInList
from core.input import Id, TextRules
from sales.models import Ticket

router = Router(tags=["Check-in"], auth=OrganizerToken())


class CheckInIn(Schema):
    secret: Annotated[str, TextRules(200)] = Field(..., description="What the ticket's QR code encodes.")
    list_id: Id | None = Field(None, description="The entrance; the event's first list when left out.")


def _token(request: HttpRequest) -> ApiToken:
    return request_token(request)


@router.post(
    "/checkin",
    response={200: ScanResult, 401: ProblemOut, 404: ProblemOut},
    summary="Scan a ticket",
    description=(
        "Admits the ticket once. `outcome` is `admitted`, `already_checked_in` (with when and at which "
        "list the first scan happened) or `refused` (with the reason: unknown, void, unpaid, wrong event "
        "or entrance). Any role may check in, door staff included."
    ),
)
def check_in(request: HttpRequest, body: CheckInIn) -> HttpResponse:
    organizer = _token(request).organizer
    if body.list_id is not None:
        check_in_list = (
            CheckInList.objects.select_related("event__organizer")
            .filter(pk=body.list_id, event__organizer=organizer)
            .first()
        )
        if check_in_list is None:
            return problem(404, "No check-in list with this id for your organizer.")
    else:
        ticket = Ticket.objects.select_related("order__event").filter(secret=body.secret.strip()).first()
        if ticket is None or ticket.order.event.organizer_id != organizer.pk:
            return problem(404, "Unknown ticket: no ticket of your organizer has this code.")
        check_in_list = services.default_list(ticket.order.event)
    result = services.scan(check_in_list, secret=body.secret, token_name=_token(request).name)
    return JsonResponse(ScanResult(**result.as_dict()).model_dump(mode="json"))


@router.delete(
    "/checkin/{ticket_id}",
    response={200: CheckInCounts, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut},
    summary="Undo a ticket's check-in (managers)",
)
def undo_check_in(request: HttpRequest, ticket_id: int) -> HttpResponse:
    token = _token(request)
    check_in = (
        CheckIn.objects.admissions()
        .select_related("check_in_list__event__organizer")
        .filter(ticket_id=ticket_id, ticket__order__event__organizer=token.organizer)
        .first()
    )
    if check_in is None:
        return problem(404, "This ticket is not checked in.")
    if token.role not in Membership.EVENT_MANAGERS:
        return problem(403, "Only owner and manager tokens may undo check-ins.")
    services.undo(check_in, by=None)
    return JsonResponse(CheckInCounts(**services.list_counts(check_in.check_in_list)).model_dump(mode="json"))
