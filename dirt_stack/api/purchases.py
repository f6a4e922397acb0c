"""Buying without a browser: the one-step purchase and the order lookup."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Field, Header, Router, Schema
from pydantic import StrictBool

from api import fast_lane
from api.problems import problem
from api.schemas import ProblemOut
from core import ratelimit
from core.input import Id, NameRules, StrictInt, TextRules
from core.language import request_language
from core.locales import LANGUAGE_CODES
from events.models import Event
from onsale.exceptions import AdmissionRequired
from questions import services as questions
from sales import challenges, exceptions, hoarding, limits, pricing, vouchers
from sales.models import order_url
from sales.purchase import event_for_purchase, known_sold_out, place_order
from storefront import room
from storefront.schemas import OrderDetail
from storefront.serializers import load_order, order_detail, order_for_holder
from taxes import addresses

router = Router(tags=["Purchases"])

PURCHASE_WINDOW = 60


class LineIn(Schema):
    ticket_type_id: StrictInt
    quantity: StrictInt = Field(..., ge=1, le=100)


class BuyerIn(Schema):
    name: Annotated[str, NameRules(200)] = Field(..., min_length=1)
    email: Annotated[str, TextRules(254)] = Field(..., min_length=3)


class AttendeeIn(Schema):
    name: Annotated[str, NameRules(200)]


AnswerText = Annotated[str, TextRules(questions.LONG_TEXT_MAX_LENGTH, multiline=True)]


class AnswerIn(Schema):
    question: Id = Field(..., description="The question's id (`questions` of the event).")
    ticket: StrictInt | None = Field(
        None,
        ge=0,
        le=99,
        description=(
            "For a question asked per ticket: the ticket's position in the order, from 0, the "
            "tickets counted by ticket type id (lowest first), as `tickets` of the answer lists "
            "them. Omit it for a question asked once per order."
        ),
    )
    value: StrictBool | StrictInt | float | AnswerText | list[Annotated[str, TextRules(200)]] | None = Field(
        ...,
        description=(
            "Text (text, long text, single choice, phone, country as an ISO 3166 alpha-2 code, date "
            "as YYYY-MM-DD), a number (or its decimal text), a list of options (multiple choice), "
            '`true` (checkbox ticked). `null`, `""`, `[]` or `false`: not answered.'
        ),
    )


class InvoiceAddressIn(Schema):
    is_business: StrictBool = Field(False, description="Buying as a business: `company` is then required.")
    company: Annotated[str, NameRules(200)] = ""
    name: Annotated[str, NameRules(200)] = Field("", description="Required for a private buyer.")
    street: Annotated[str, NameRules(300)] = ""
    zipcode: Annotated[str, TextRules(30)] = ""
    city: Annotated[str, NameRules(200)] = ""
    country: Annotated[str, TextRules(2)] = Field(..., description="ISO 3166-1 alpha-2.")
    vat_id: Annotated[str, TextRules(40)] = Field(
        "",
        description=(
            "A business buyer's VAT ID, with or without its country prefix; required for a business "
            "in the EU. Its syntax is checked, then VIES is asked: a VAT ID VIES does not know is a "
            "422; when VIES does not answer the order goes through and the VAT ID is checked later."
        ),
    )


class PurchaseIn(Schema):
    date: Id | None = Field(
        None,
        description=(
            "The date's id (`dates` of the event, or `GET /events/{slug}/dates`). Required when the "
            "event has several dates; optional for a single-date event."
        ),
    )
    lines: list[LineIn] = Field(..., min_length=1, max_length=50)
    buyer: BuyerIn
    attendees: list[AttendeeIn] | None = Field(None, max_length=100)
    voucher: Annotated[str, TextRules(50)] | None = None
    payment_method: Annotated[str, TextRules(20)]
    card_number: Annotated[str, TextRules(30)] | None = Field(None, description="Demo payments only.")
    answers: list[AnswerIn] | None = Field(
        None,
        max_length=500,
        description=(
            "Answers to the event's checkout questions (`questions` of `GET /events/{slug}`), one "
            "per question, and per ticket for a question asked per ticket. A required question "
            "left unanswered, or an answer that does not fit its question, is a 422 whose "
            "`field_errors` name each one: `answers.<question id>`, or `answers.<question "
            "id>.<ticket>` for a ticket's."
        ),
    )
    locale: Literal[LANGUAGE_CODES] | None = Field(  # type: ignore[valid-type]
        None,
        description=(
            "The buyer's language, one of "
            + ", ".join(f"`{code}`" for code in LANGUAGE_CODES)
            + ": the order's emails and PDF tickets are written in it. Without it, the "
            "request's `Accept-Language` (its first language Maticko speaks), else English."
        ),
    )
    altcha: Annotated[str, TextRules(challenges.PAYLOAD_MAX_LENGTH)] | None = Field(
        None,
        description=(
            "A solved proof-of-work challenge (ALTCHA payload, base64) from `GET /api/v1/challenge`; "
            "needed when a 428 problem asks for one. Each challenge buys once."
        ),
    )
    invoice_address: InvoiceAddressIn | None = Field(
        None,
        description=(
            "The address the invoice is made out to, when the event asks for one (`invoice_address` "
            "of the event: `optional` or `required`; 422 when it is `off`). It decides the order's "
            "tax (the event's tax rule: a business with a valid VAT ID in another EU member state "
            "may be reverse charged). Faults are 422 with `field_errors` named "
            "`invoice_address.<field>`."
        ),
    )


class ChallengeOut(Schema):
    """An ALTCHA challenge (proof of work, v2): solve it and send the payload as `altcha`."""

    parameters: dict[str, Any]
    signature: str


def _invalid(exc: exceptions.OrderInvalid) -> HttpResponse:
    """422 naming the first field at fault in ``field`` (and ``detail``), every one in ``field_errors``."""
    field_errors = [{"field": field, "detail": message} for field, message in exc.errors.items()]
    return problem(422, str(exc), field=exc.field, field_errors=field_errors)


def _answers(
    event: Event, quantities: dict[int, int], answers: list[AnswerIn] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The purchase's answers checked (questions.services.answers_for): the stored form, or
    every fault by field."""
    order_values: dict[int, Any] = {}
    ticket_values: list[dict[int, Any]] = []
    for answer in answers or []:
        if answer.ticket is None:
            values = order_values
        else:
            while len(ticket_values) <= answer.ticket:
                ticket_values.append({})
            values = ticket_values[answer.ticket]
        if answer.question in values:
            return {}, {"answers": "Answer each question once (per ticket for a question asked per ticket)."}
        values[answer.question] = answer.value
    return questions.answers_for(event, questions.ticket_positions(quantities), order_values, ticket_values)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _too_many(request: HttpRequest) -> HttpResponse | None:
    if settings.PURCHASE_RATE_LIMIT <= 0:
        return None
    rule = ratelimit.RateLimit(settings.PURCHASE_RATE_LIMIT, PURCHASE_WINDOW)
    verdict = ratelimit.hit(ratelimit.key_for("purchase", ratelimit.client_ip(request)), rule)
    if verdict.allowed:
        return None
    response = problem(
        429,
        f"Too many purchases from your address. Try again in {verdict.retry_after} seconds.",
        challenge_url=_challenge_url(request),
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


ADMISSION_REQUIRED_TYPE = "/api/v1/problems/admission-required"


def admission_problem(request: HttpRequest, event: Event, exc: AdmissionRequired) -> HttpResponse:
    """403: the event's on-sale room is active and the request has no valid admission."""
    return problem(
        403,
        str(exc),
        type=ADMISSION_REQUIRED_TYPE,
        reason=exc.reason,
        queue_url=request.build_absolute_uri(room.queue_url(event)),
    )


def _challenge_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("api:purchase_challenge"))


def _challenge_problem(request: HttpRequest, detail: str) -> HttpResponse:
    return problem(428, detail, field="altcha", challenge_url=_challenge_url(request))


@router.get(
    "/challenge",
    response={200: ChallengeOut},
    url_name="purchase_challenge",
    summary="A proof-of-work challenge",
    description=(
        "An ALTCHA challenge (v2, self-hosted). Solve it (the `altcha` widget or library does) and "
        "send the base64 payload as `altcha` with the purchase. A purchase needs one while the date "
        "is under pressure or after its client tripped a limit (a 428 problem says so). Each "
        "challenge is valid for a few minutes and buys once."
    ),
)
def purchase_challenge(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(challenges.new_challenge())
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/events/{slug}/orders",
    response={
        201: OrderDetail,
        403: ProblemOut,
        404: ProblemOut,
        409: ProblemOut,
        422: ProblemOut,
        428: ProblemOut,
        429: ProblemOut,
        503: ProblemOut,
    },
    summary="Buy tickets in one step",
    description=(
        "Creates an order for one date of the event and takes its tickets from that date's stock "
        "at once. Send `date` (a date's `id`) when the event has several dates. Send an "
        "`Idempotency-Key` header (any unique string, up to 200 characters) so that a retried or "
        "duplicated request returns the first request's order instead of buying twice. 409 when "
        "sold out, sales are closed, the date is cancelled or over, or the voucher is used up; 422 "
        "when the request is invalid, with `field` naming what is wrong: `date` when it is missing "
        "for an event with several dates or is not one of this event's dates. With `stripe`, the "
        "order is written first and `payment_url` is Stripe's page; 503 when Stripe could not be "
        "reached: the order exists and holds its tickets until its payment deadline, and the "
        "problem's `order_url` (the order's page, with a \"Pay now\" button) retries the payment. "
        "429 when the address made too many purchases, or tried too many voucher codes that do not "
        "exist for this event (`field` is `voucher`); `Retry-After` says when to try again. "
        "No hoarding: one buyer (client address, email) holds at most the event's share of a "
        "date's stock in reservations and unpaid orders (429 past it). While the date is under "
        "pressure, or once the client tripped a limit, a purchase needs a solved proof of work "
        "(`altcha`; 428 with `challenge_url` without one). An unpaid bank transfer holds its "
        "tickets for a short first window until the buyer confirms it by the link in its email. "
        "Limits per person: when the event or a ticket type has `max_tickets_per_email`, one email "
        "(compared without case, spaces or a `+tag`) has at most that many of its tickets in paid "
        "and pending orders over all the event's dates: 409 with `field` `email` when the order "
        "would pass it (the buyer already has tickets), 422 with `field` `quantities` when the "
        "order alone asks for more. "
        "While the event's on-sale room is active, a purchase needs an admission: the "
        "`admission_token` of `GET /events/{slug}/queue` as the `Admission-Token` header, with the "
        "`maticko_browser` cookie of the browser that queued; 403 with `reason` (`missing`, "
        "`invalid`, `expired`, `other_browser`, `used`) and `queue_url` without a valid one. "
        "An admission buys once; a refused purchase does not use it up."
    ),
)
def create_order(
    request: HttpRequest,
    slug: str,
    purchase: PurchaseIn,
    idempotency_key: Annotated[str, TextRules(200)] | None = Header(None, alias="Idempotency-Key"),
) -> HttpResponse:
    quantities: dict[int, int] = {}
    for line in purchase.lines:
        quantities[line.ticket_type_id] = quantities.get(line.ticket_type_id, 0) + line.quantity
    try:
        target = event_for_purchase(slug, purchase.date, quantities, idempotency_key or None)
    except Event.DoesNotExist:
        return problem(404, "No event with this address.")
    except exceptions.OrderInvalid as exc:
        return _invalid(exc)
    details = pricing.BuyerDetails(
        name=purchase.buyer.name,
        email=purchase.buyer.email,
        payment_method=purchase.payment_method,
        attendee_names=[a.name for a in purchase.attendees or []],
        card_number=purchase.card_number or "",
        locale=purchase.locale or request_language(request),
    )
    # After a sell-out most requests end here: before the rate limiter's write, the
    # proof of work, the buyer's share and the statement (sales.purchase.known_sold_out).
    sold_out = known_sold_out(
        target, quantities, details, voucher_code=purchase.voucher, idempotency_key=idempotency_key
    )
    if sold_out is not None:
        # The next second's requests like this one are refused before the stack (api/fast_lane.py).
        fast_lane.remember(request, slug, purchase.date, quantities, target)
        refused = problem(409, str(sold_out))
        # The request log has its line; after a sell-out these are most requests, not
        # warnings worth a second line each (django.request's log of every 4xx).
        refused._has_been_logged = True  # type: ignore[attr-defined]
        return refused
    # While the event's on-sale room is active, only an admitted browser buys (onsale.gate).
    try:
        admission = room.admission(request, target.event)
    except AdmissionRequired as exc:
        return admission_problem(request, target.event, exc)
    client = hoarding.client_hash(ratelimit.client_ip(request))
    limited = _too_many(request)
    if limited:
        hoarding.demand_challenge(target.date, hoarding.Buyer(client))
        return limited
    # A retry of a purchase already placed (its Idempotency-Key) replays it: no new proof.
    replay = bool(target.earlier_order)
    solved = replay
    if purchase.altcha is not None and not replay:
        if not challenges.spend(purchase.altcha):
            return _challenge_problem(request, "The proof of work is not valid, has expired or was used.")
        solved = True
    buyer = hoarding.Buyer(client, solved=solved)
    if hoarding.challenge_due(target.date, buyer, target.offers.values()):
        return _challenge_problem(request, "Sales are busy: solve the proof of work and send it as altcha.")
    details.answers, details.answer_errors = _answers(target.event, quantities, purchase.answers)
    # Checked and asked of VIES here, outside any transaction (taxes.addresses).
    details.invoice_address, details.invoice_errors = addresses.prepare(
        target.event.invoice_address,
        purchase.invoice_address.model_dump() if purchase.invoice_address is not None else None,
    )
    base_url = _base_url(request)
    try:
        placed = place_order(
            target.date,
            quantities,
            details,
            voucher_code=purchase.voucher,
            # Not the session's user: this endpoint has no CSRF protection (DEVELOPMENT.md).
            user=None,
            base_url=base_url,
            idempotency_key=idempotency_key or None,
            ticket_types=target.ticket_types,
            offers=target.offers,
            client=ratelimit.client_ip(request),
            buyer=buyer,
            key_unused=target.earlier_order is False,
            extra_claims=admission.claims() if admission else (),
        )
    except AdmissionRequired as exc:  # used up meanwhile
        return admission_problem(request, target.event, exc)
    except vouchers.TooManyGuesses as exc:
        refused = problem(429, str(exc), field="voucher")
        refused["Retry-After"] = str(exc.retry_after)
        return refused
    except hoarding.ChallengeRequired as exc:
        return _challenge_problem(request, str(exc))
    except hoarding.BuyerLimitReached as exc:
        return problem(429, str(exc), challenge_url=_challenge_url(request))
    except limits.EmailLimitReached as exc:
        return problem(409, str(exc), field=exc.field)
    except exceptions.OrderInvalid as exc:
        return _invalid(exc)
    except exceptions.PaymentUnavailable as exc:
        # The order exists and holds its tickets until its deadline; its page retries the payment.
        unavailable = problem(
            503,
            str(exc),
            order_code=exc.order.code,
            order_url=order_url(exc.order, base_url),
        )
        unavailable["Retry-After"] = "30"
        return unavailable
    except exceptions.OrderConflict as exc:
        return problem(409, str(exc))
    if placed.created:
        detail = order_detail(
            placed.order, base_url, placed.payment, lines=placed.lines, tickets=placed.tickets
        )
    else:
        earlier = load_order(placed.order.code) or placed.order
        detail = order_detail(earlier, base_url, placed.payment)
    response = order_response(201, detail)
    if not placed.created:
        response["Idempotent-Replayed"] = "true"
    return response


def order_response(status: int, order: OrderDetail) -> HttpResponse:
    return HttpResponse(order.model_dump_json(), status=status, content_type="application/json")


@router.get(
    "/orders/{code}",
    response={200: OrderDetail, 404: ProblemOut},
    summary="An order, for the holder of its secret",
    description="`secret` is the last part of the order's private URL. A wrong secret answers 404.",
)
def get_order(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    order = order_for_holder(code.upper(), secret)
    if order is None:
        return problem(404, "No order with this code and secret.")
    return order_response(200, order_detail(order, _base_url(request)))
