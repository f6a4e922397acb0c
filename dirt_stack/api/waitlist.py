"""Joining a sold-out ticket type's waiting list, for programs: the same rules as the event
page's form (``waitlist.services.join``): a confirmation email, then offers by email."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from api.problems import problem
from api.schemas import ProblemOut
from core import ratelimit
from core.input import Id, StrictInt, TextRules
from core.language import request_language
from events.models import Event, TicketType
from sales.exceptions import OrderConflict, OrderInvalid
from storefront.views.events import chosen_date
from waitlist import services

router = Router(tags=["Waiting list"])


class WaitlistJoinIn(Schema):
    date: Id | None = Field(None, description="The date's id; required when the event has several dates.")
    ticket_type_id: Id
    quantity: StrictInt = Field(..., ge=1, le=100, description="At most the ticket type's maximum per order.")
    email: Annotated[str, TextRules(254)]


class WaitlistJoinOut(Schema):
    detail: str


@router.post(
    "/events/{slug}/waitlist",
    response={202: WaitlistJoinOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut, 429: ProblemOut},
    summary="Join a sold-out ticket type's waiting list",
    description=(
        "Puts the email on the waiting list of a sold-out ticket type on a date, for `quantity` "
        "tickets, once the emailed confirmation link is followed (double opt-in). When tickets "
        "come free the first confirmed entries that fit get an offer by email: the tickets held "
        "for them until the offer's expiry, bought through the offer's link. The same 202 "
        "whether or not the address was already on the list. 409 when the event has no waiting "
        "list, the date is not on sale or the tickets are still on sale (buy them); 429 past "
        "the joins per address (`Retry-After`)."
    ),
)
def join_waitlist(request: HttpRequest, slug: str, body: WaitlistJoinIn) -> HttpResponse:
    event = Event.objects.public().select_related("organizer").filter(slug=slug).first()
    if event is None:
        return problem(404, "No event with this address.")
    date = chosen_date(event, body.date)
    if date is None:
        return problem(422, "Choose one of the event's dates.", field="date")
    date.event = event
    ticket_type = TicketType.objects.filter(event=event, pk=body.ticket_type_id).first()
    if ticket_type is None:
        return problem(422, "Choose a ticket type of this date.", field="ticket_type_id")
    try:
        services.count_join(ratelimit.client_ip(request))
        services.join(date, ticket_type, body.email, body.quantity, locale=request_language(request))
    except services.TooManyJoins as exc:
        limited = problem(429, str(exc))
        limited["Retry-After"] = str(exc.retry_after)
        return limited
    except OrderInvalid as exc:
        field = {"ticket_type": "ticket_type_id"}.get(exc.field, exc.field)
        return problem(422, str(exc), field=field)
    except OrderConflict as exc:
        return problem(409, str(exc))
    out = WaitlistJoinOut(detail="Check your email: confirm your place with the link we sent.")
    return HttpResponse(out.model_dump_json(), status=202, content_type="application/json")
