"""The on-sale room for programs: join an event's queue and ask for its status.

A client keeps the ``maticko_browser`` cookie the join sets (the admission is bound to
it), polls ``GET /events/{slug}/queue`` honouring ``Retry-After``, and on its turn sends
the ``admission_token`` as the ``Admission-Token`` header with its purchase, along with
the cookie (storefront.room).
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from api.problems import problem
from api.schemas import ProblemOut
from core import ratelimit
from core.input import TextRules
from onsale import services as onsale
from onsale.exceptions import ProofRefused, RoomClosed, TooManyJoins
from sales import challenges
from storefront import room
from storefront.schemas import QueueStatusOut

router = Router(tags=["On-sale room"])


class JoinIn(Schema):
    altcha: Annotated[str, TextRules(challenges.PAYLOAD_MAX_LENGTH)] = Field(
        ...,
        description="A solved proof-of-work challenge (ALTCHA payload, base64) from `GET /api/v1/challenge`.",
    )


class QueueStatusApiOut(QueueStatusOut):
    admission_token: str | None = Field(
        None,
        description="On your turn: send it as the `Admission-Token` header with the purchase "
        "(with the `maticko_browser` cookie); valid until `expires_at`, for one purchase.",
    )


@router.post(
    "/events/{slug}/queue",
    response={
        200: QueueStatusApiOut,
        201: QueueStatusApiOut,
        404: ProblemOut,
        409: ProblemOut,
        422: ProblemOut,
        428: ProblemOut,
        429: ProblemOut,
    },
    summary="Join the event's on-sale room",
    description=(
        "Joins the queue of the event's on-sale room (one place per browser: the "
        "`maticko_browser` cookie, set here when absent; keep it). Needs a solved proof of work "
        "(`altcha`, 428 without a valid one). 201 with the status when joined now, 200 when "
        "this browser was already in the queue. 409 when the event has no open room; 429 past "
        "the joins per address and minute (`Retry-After`). Who joins before the sale starts "
        "gets a random place in random mode (drawn at join, revealed at the opening); later "
        "joiners queue behind them in arrival order."
    ),
)
def join_queue(request: HttpRequest, slug: str, body: JoinIn) -> HttpResponse:
    # The event and its room (this process's snapshot, or one read); the join's writes are
    # one statement, which finds out itself whether this browser had joined before.
    found = onsale.lookup(browser_id=None, slug=slug)
    if found is None:
        return problem(404, "No event with this address.")
    browser = room.browser_id(request) or room.new_browser_id()
    try:
        joined = onsale.join_queue(
            found, browser_id=browser, address=ratelimit.client_ip(request), proof=body.altcha
        )
    except TooManyJoins as exc:
        limited = problem(429, str(exc))
        limited["Retry-After"] = str(exc.retry_after)
        return limited
    except ProofRefused:
        return problem(428, "The proof of work is not valid, has expired or was used.", field="altcha")
    except RoomClosed as exc:
        return problem(409, str(exc))
    response = room.status_response(
        joined.status, found.event_id, api=True, code=201 if joined.created else 200
    )
    room.set_browser_cookie(response, browser)
    return response


@router.get(
    "/events/{slug}/queue",
    response={200: QueueStatusApiOut, 404: ProblemOut},
    summary="Your place in the event's on-sale room",
    description=(
        "The status of this browser (the `maticko_browser` cookie) in the event's on-sale "
        "room: `state`, `position`, people `ahead`, an ETA range; on `your_turn` the "
        "`admission_token` for the purchase. Poll no sooner than `Retry-After` seconds (add "
        "some random jitter). `no_room` when the event has no open room: buy directly."
    ),
)
def queue_status(request: HttpRequest, slug: str) -> HttpResponse:
    # Usually answered earlier, by storefront.middleware.QueueStatusMiddleware.
    response = room.status_answer(request, slug, api=True)
    return response if response is not None else problem(404, "No event with this address.")
