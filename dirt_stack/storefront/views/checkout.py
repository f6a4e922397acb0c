"""The buyer's checkout: reserve, give details and pay, then the order page."""

from __future__ import annotations

import datetime as dt
import logging
import math
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from inertia import location
from inertia.http import clear_history, encrypt_history

from accounts.http import AuthenticatedHttpRequest
from core import ratelimit
from core.inertia import form_page, render_page, render_with_errors, show_form_page_at, submitted_data
from core.input import parse_id
from core.language import request_language, use_event_language
from core.middleware import is_embedded
from core.schemas import ErrorPageProps
from core.translated import resolve
from events.models import DateTicketType, Event, EventDate
from onsale.exceptions import AdmissionRequired
from onsale.models import Room
from questions import services as questions
from sales import (
    attendee_names,
    calendar,
    challenges,
    exceptions,
    hoarding,
    limits,
    order_actions,
    pricing,
    purchase,
    stock,
    vouchers,
)
from sales.models import Hold, Order, order_url
from sales.tickets import order_pdf
from storefront import room
from storefront.embed import embed_path
from storefront.invoices import buyer_invoices
from storefront.schemas import (
    Buyer,
    CheckoutExpiredPageProps,
    CheckoutPageProps,
    EventRef,
    HoldExtension,
    MyOrder,
    MyOrdersPageProps,
    OrderPageProps,
)
from storefront.serializers import (
    answers_edit,
    checkout_event,
    checkout_question,
    checkout_tickets,
    countries_for,
    date_url,
    invoice_address_ask,
    line_detail,
    load_order,
    order_detail,
    order_event,
    order_for_holder,
    order_questions,
    order_taxes,
    payment_methods,
    wallet_passes,
)
from storefront.views.events import chosen_date, date_id_given, render_event_page, too_many_voucher_guesses
from taxes import addresses

logger = logging.getLogger(__name__)

HOLD_WINDOW = 60


def _base_url(request: HttpRequest) -> str:
    """The site's address, for the links emails carry (never the embedded pages')."""
    return request.build_absolute_uri("/")


def _pages_root(request: HttpRequest) -> str:
    """Where the order's pages are for this request: the site's, or the embedded
    storefront's when the request is framed by the shop widget (storefront.embed)."""
    return embed_path("/") if is_embedded(request) else "/"


def _parse_quantities(raw: Any) -> dict[int, int]:
    if not isinstance(raw, dict):
        raise exceptions.OrderInvalid(gettext("Choose at least one ticket."), "quantities")
    quantities = {}
    for key, value in raw.items():
        ticket_type_id = parse_id(key)
        if ticket_type_id is None:
            raise exceptions.OrderInvalid(
                gettext("Some of the chosen ticket types do not exist for this event."), "quantities"
            )
        # A count is a JSON integer: not 1.5, true or "1".
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise exceptions.OrderInvalid(
                gettext("Ticket quantities must be whole numbers, zero or more."), "quantities"
            )
        if value:
            quantities[ticket_type_id] = value
    return quantities


def _known_sold_out(event: Event, date: EventDate, data: dict[str, Any]) -> stock.SoldOut | None:
    """SoldOut when the chosen tickets are known to be gone (sales.purchase.known_sold_out):
    after a sell-out, the hold is refused before the rate limiter and the write."""
    try:
        quantities = _parse_quantities(data.get("quantities"))
    except exceptions.OrderInvalid:
        return None  # the hold itself answers that
    if not quantities or data.get("voucher"):
        return None
    offers = {
        row.ticket_type_id: row
        for row in DateTicketType.objects.filter(date=date, ticket_type_id__in=quantities).select_related(
            "ticket_type"
        )
    }
    ticket_types = {row.ticket_type_id: row.ticket_type for row in offers.values()}
    for row in offers.values():
        row.ticket_type.event = event
    return purchase.known_sold_out(purchase.PurchaseTarget(event, date, ticket_types, offers), quantities)


def _rate_limited(request: HttpRequest) -> ratelimit.Verdict | None:
    if settings.PURCHASE_RATE_LIMIT <= 0:
        return None
    rule = ratelimit.RateLimit(settings.PURCHASE_RATE_LIMIT, HOLD_WINDOW)
    verdict = ratelimit.hit(ratelimit.key_for("purchase", ratelimit.client_ip(request)), rule)
    return None if verdict.allowed else verdict


@require_GET
def challenge(request: HttpRequest) -> HttpResponse:
    """A proof-of-work challenge for the ticket form's widget (sales.challenges)."""
    response = JsonResponse(challenges.new_challenge())
    response["Cache-Control"] = "no-store"
    return response


def _event_page_url(
    request: HttpRequest, slug: str, date: EventDate | None = None, voucher_code: str = ""
) -> str:
    """The event page, where the ticket form is, with the chosen date and voucher."""
    url = reverse("events:detail", args=[slug])
    query = {
        key: value for key, value in (("date", date.pk if date else ""), ("voucher", voucher_code)) if value
    }
    return f"{url}?{urlencode(query)}" if query else url


@form_page(_event_page_url)
def create_hold(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1 (from the event page): reserve the chosen tickets, within the buyer's share
    and with a solved proof of work when one is due (sales.hoarding)."""
    event = get_object_or_404(Event.objects.public().select_related("organizer"), slug=slug)
    use_event_language(request, event.locale)
    data = submitted_data(request)
    voucher_code = str(data.get("voucher") or "").strip()[:50]
    date_id = data.get("date")
    date = chosen_date(event, date_id)
    # The page the refusals below are shown at: the event page as it was, date and voucher chosen.
    show_form_page_at(request, _event_page_url(request, slug, date, voucher_code))
    if date is not None:
        date.event = event
        sold_out = _known_sold_out(event, date, data)
        if sold_out is not None:
            return render_event_page(
                request,
                event,
                date=date,
                voucher_code=voucher_code,
                errors={"form": str(sold_out)},
                status=409,
            )
    client = hoarding.client_hash(ratelimit.client_ip(request))
    limited = _rate_limited(request)
    if limited:
        message = gettext("Too many attempts from your address. Try again in %(seconds)s seconds.") % {
            "seconds": limited.retry_after
        }
        if date is not None:
            hoarding.demand_challenge(date, hoarding.Buyer(client))
        response = render_event_page(
            request,
            event,
            date=date,
            voucher_code=voucher_code,
            errors={"form": message},
            status=429,
            challenge=date is not None,
        )
        response["Retry-After"] = str(limited.retry_after)
        return response
    if date is None:
        message = (
            gettext("This date is not one of this event's.")
            if date_id_given(date_id)
            else gettext("Choose a date.")
        )
        return render_event_page(
            request, event, voucher_code=voucher_code, errors={"date": message}, status=422
        )
    date.event = event

    def refused(message: str, status: int, field: str = "altcha") -> HttpResponse:
        return render_event_page(
            request,
            event,
            date=date,
            voucher_code=voucher_code,
            errors={field: message},
            status=status,
            challenge=True,
        )

    try:
        # While the event's on-sale room is active, only an admitted browser reserves.
        admission = room.admission(request, event)
    except AdmissionRequired as exc:
        return render_event_page(
            request, event, date=date, voucher_code=voucher_code, errors={"form": str(exc)}, status=403
        )
    payload = data.get("altcha")
    solved = payload is not None and payload != ""
    if solved and not challenges.spend(payload):
        return refused(gettext("The anti-bot check failed or expired. Please try again."), 428)
    buyer = hoarding.Buyer(client, solved=solved)
    if hoarding.challenge_due(date, buyer):
        return refused(gettext("Sales are busy: please wait for the anti-bot check, then reserve."), 428)
    try:
        hold = purchase.start_checkout(
            date,
            _parse_quantities(data.get("quantities")),
            voucher_code,
            client=ratelimit.client_ip(request),
            buyer=buyer,
            minutes=admission.hold_minutes if admission else None,
            extra_claims=admission.claims() if admission else (),
        )
    except AdmissionRequired as exc:  # used meanwhile (another tab)
        return render_event_page(
            request, event, date=date, voucher_code=voucher_code, errors={"form": str(exc)}, status=403
        )
    except vouchers.TooManyGuesses as exc:
        return too_many_voucher_guesses(request, event, date, exc)
    except hoarding.ChallengeRequired as exc:
        return refused(str(exc), 428)
    except hoarding.BuyerLimitReached as exc:
        return refused(str(exc), 429, "form")
    except exceptions.OrderInvalid as exc:
        return render_event_page(
            request, event, date=date, voucher_code=voucher_code, errors={exc.field: str(exc)}, status=422
        )
    except exceptions.OrderConflict as exc:
        return render_event_page(
            request, event, date=date, voucher_code=voucher_code, errors={"form": str(exc)}, status=409
        )
    return redirect("sales:checkout", token=hold.token)


def _hold_or_404(request: HttpRequest, token: str) -> Hold:
    """The reservation, its event's language spoken when the buyer chose none."""
    hold = (
        Hold.objects.select_related("event", "event__organizer", "date", "voucher")
        .filter(token=token)
        .first()
    )
    if hold is None:
        raise Http404(gettext("No such reservation."))
    use_event_language(request, hold.event.locale)
    return hold


def _order_of(hold: Hold) -> Order | None:
    """The order ``hold`` became, if it became one."""
    if hold.status != Hold.Status.CONVERTED:
        return None
    return Order.objects.filter(hold=hold).only("code", "secret").first()


def _expired_page(request: HttpRequest, hold: Hold) -> HttpResponse:
    """The reservation is over: expired or released, or (an order made before orders
    named their hold) completed."""
    completed = hold.status == Hold.Status.CONVERTED
    props = CheckoutExpiredPageProps(
        event=EventRef(slug=hold.event.slug, title=resolve(hold.event, "title")),
        event_url=date_url(hold.event, hold.date),
        completed=completed,
    )
    title = gettext("Order complete") if completed else gettext("Reservation expired")
    return render_page(request, props, status=410, template_data={"page_title": title})


def _ticket_type_ids(lines: list[pricing.PricedLine]) -> list[int]:
    """The ticket type of each ticket the order will have, in its order (sales.order_writer)."""
    return [line.ticket_type.pk for line in lines for _ in range(line.quantity)]


def _checkout_props(request: HttpRequest, hold: Hold) -> CheckoutPageProps:
    event = hold.event
    # Taxed for a private buyer: the order's own tax follows the invoice address given.
    lines = pricing.taxed(event, purchase.hold_lines(hold), None)
    total = sum((line.total for line in lines), Decimal(0))
    user = request.user
    asked = questions.asked(questions.event_questions(event), _ticket_type_ids(lines))
    return CheckoutPageProps(
        token=str(hold.token),
        event=checkout_event(event, hold.date),
        lines=[line_detail(line) for line in lines],
        currency=event.currency,
        total=total,
        ticket_count=sum(line.quantity for line in lines),
        voucher=hold.voucher.code if hold.voucher else None,
        # Seconds, computed here so a wrong clock on the buyer's device cannot skew the
        # countdown; rounded up so the page never says "expired" before the server does.
        seconds_left=max(math.ceil((hold.expires_at - timezone.now()).total_seconds()), 0),
        payment_methods=payment_methods(event.payment_methods) if total > 0 else [],
        buyer=Buyer(
            name=user.get_full_name() if user.is_authenticated else "",
            email=user.email if user.is_authenticated else "",
        ),
        questions=[checkout_question(question) for question in asked.order],
        tickets=checkout_tickets(
            asked, [resolve(line.ticket_type, "name") for line in lines for _ in range(line.quantity)]
        ),
        countries=countries_for(asked),
        taxes=order_taxes(lines),
        invoice_address=invoice_address_ask(event),
        extension=HoldExtension(
            minutes=event.hold_minutes,
            offered_within=int(stock.EXTENSION_OFFERED_WITHIN.total_seconds()),
            url=reverse("sales:extend", kwargs={"token": hold.token}),
        )
        if stock.extendable(hold, _first_hold_length(event))
        else None,
    )


def _first_hold_length(event: Event) -> dt.timedelta:
    """The longest a hold of ``event`` is first given: its hold time, or its on-sale room's
    longer session (a hold made under the room lasts that long)."""
    session = Room.objects.filter(event=event).values_list("session_minutes", flat=True).first()
    return dt.timedelta(minutes=max(event.hold_minutes, session or 0))


def _checkout_url(request: HttpRequest, token: str) -> str:
    return reverse("sales:checkout", kwargs={"token": token})


@form_page(_checkout_url)
def extend_hold(request: HttpRequest, token: str) -> HttpResponse:
    """The checkout's "Need more time?": the reservation lasts the event's hold time
    longer, once (sales.stock.extend)."""
    hold = _hold_or_404(request, token)
    if not hold.is_live:
        return redirect("sales:checkout", token=hold.token)
    minutes = hold.event.hold_minutes
    try:
        stock.extend(hold, first_length=_first_hold_length(hold.event), by=dt.timedelta(minutes=minutes))
    except stock.HoldNotExtended as exc:
        return render_with_errors(request, _checkout_props(request, hold), {"form": str(exc)}, status=409)
    messages.success(
        request,
        ngettext(
            "Your tickets are reserved for %(minutes)s more minute.",
            "Your tickets are reserved for %(minutes)s more minutes.",
            minutes,
        )
        % {"minutes": minutes},
    )
    return redirect("sales:checkout", token=hold.token)


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, token: str) -> HttpResponse:
    """Step 2: the buyer's details and payment, while the hold's countdown runs."""
    hold = _hold_or_404(request, token)
    if not hold.is_live:
        # Back or reload after the purchase (or a second submit): the finished order.
        order = _order_of(hold)
        if order is not None:
            return redirect("sales:order", code=order.code, secret=order.secret)
        return _expired_page(request, hold)
    # The checkout (and its re-renders with errors) is kept encrypted in the browser's
    # history: once the order page clears the history's key, Back cannot restore a live
    # checkout, Inertia asks the server again, and the address above leads to the order.
    # A framed page may not use storage (a third-party frame is refused sessionStorage, where
    # the key lives): there the checkout is not kept in the history at all (ADR 0032).
    if not is_embedded(request):
        encrypt_history(request)
    if request.method == "GET":
        return render_page(
            request, _checkout_props(request, hold), template_data={"page_title": gettext("Checkout")}
        )

    data = submitted_data(request)
    attendees = data.get("attendee_names") or []
    answers, answer_errors = questions.answers_for(
        hold.event,
        _ticket_type_ids(purchase.hold_lines(hold)),
        data.get("answers"),
        data.get("ticket_answers"),
    )
    details = pricing.BuyerDetails(
        name=str(data.get("name", "")),
        email=str(data.get("email", "")),
        payment_method=str(data.get("payment_method", "")),
        attendee_names=[str(n) for n in attendees] if isinstance(attendees, list) else [],
        card_number=str(data.get("card_number", "")),
        answers=answers,
        answer_errors=answer_errors,
        locale=request_language(request),
    )
    # Checked and asked of VIES before the order's transaction (taxes.addresses).
    details.invoice_address, details.invoice_errors = addresses.prepare(
        hold.event.invoice_address, data.get("invoice_address")
    )
    try:
        placed = purchase.complete_checkout(
            hold,
            details,
            user=request.user,
            base_url=_base_url(request),
            buyer=hoarding.Buyer(hold.client_hash),
        )
    except stock.HoldExpired:
        hold.refresh_from_db(fields=["status"])
        order = _order_of(hold)
        if order is not None:  # a double submit: the first one made the order
            return redirect("sales:order", code=order.code, secret=order.secret)
        return _expired_page(request, hold)
    except hoarding.BuyerLimitReached as exc:
        return render_with_errors(request, _checkout_props(request, hold), {"form": str(exc)}, status=429)
    except limits.EmailLimitReached as exc:
        return render_with_errors(request, _checkout_props(request, hold), {exc.field: str(exc)}, status=409)
    except exceptions.PaymentUnavailable as exc:
        # The order is placed and its tickets reserved; its page offers "Pay now".
        messages.error(request, str(exc))
        return redirect("sales:order", code=exc.order.code, secret=exc.order.secret)
    except exceptions.OrderInvalid as exc:
        return render_with_errors(request, _checkout_props(request, hold), exc.errors)
    except exceptions.OrderConflict as exc:
        return render_with_errors(request, _checkout_props(request, hold), {"form": str(exc)}, status=409)
    order = placed.order
    if not is_embedded(request):
        clear_history(request)  # the checkout's history entries can no longer be restored
    if placed.payment and placed.payment.redirect_url:
        if is_embedded(request):
            # A provider's page refuses to be framed: the order page in the frame opens it
            # in a new tab ("Pay now", submitted at once with the buyer's click; ADR 0032).
            order_page = reverse("sales:order", kwargs={"code": order.code, "secret": order.secret})
            return redirect(f"{order_page}?pay=1")
        return location(placed.payment.redirect_url)
    if order.status == Order.Status.PAID:
        messages.success(request, gettext("Thank you! Your order is confirmed and your tickets are below."))
    else:
        messages.success(
            request, gettext("Your order is reserved. It is confirmed once your payment arrives.")
        )
    return redirect("sales:order", code=order.code, secret=order.secret)


@require_POST
def release_hold(request: HttpRequest, token: str) -> HttpResponse:
    """The buyer gives up the reservation: the tickets go back on sale at once, and the
    buyer is back on the page of the same date."""
    hold = _hold_or_404(request, token)
    if stock.release(hold):
        messages.info(request, gettext("Your reservation was released."))
        return redirect(date_url(hold.event, hold.date))
    order = _order_of(hold)
    if order is not None:
        messages.info(request, gettext("This order is already complete: nothing was released."))
        return redirect("sales:order", code=order.code, secret=order.secret)
    return redirect(date_url(hold.event, hold.date))


def _buyer_closes_at(order: Order) -> dt.datetime | None:
    """Until when the buyer may change the order's answers; None when not (any more)."""
    closes_at = questions.buyer_edit_deadline(questions.answer_settings(order.event), order.date.starts_at)
    if closes_at is None or closes_at <= timezone.now() or order.status not in Order.HOLDING_STOCK:
        return None
    return closes_at


def _order_page(
    request: HttpRequest, order: Order, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    props = _order_page_props(request, order)
    if errors:
        return render_with_errors(request, props, errors, status=status)
    return render_page(
        request, props, template_data={"page_title": gettext("Order %(code)s") % {"code": order.code}}
    )


@require_GET
def order_page(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    order = order_for_holder(code, secret)
    if order is None:
        # A link mistyped or cut short: the buyer can have the order links emailed again.
        props = ErrorPageProps(
            status=404,
            message=gettext(gettext("No such order.")),
            find_orders_url=reverse("sales:find_orders"),
        )
        return render_page(
            request, props, status=404, template_data={"page_title": gettext("Order not found")}
        )
    # The language the order was placed in, unless the buyer now chose or asks for another.
    use_event_language(request, order.locale)
    return _order_page(request, order)


def _order_page_url(request: HttpRequest, code: str, secret: str) -> str:
    """The buyer's order page, where the forms to change answers and names are."""
    return reverse("sales:order", kwargs={"code": code, "secret": secret})


@form_page(_order_page_url)
def change_answers(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The buyer changes the order's answers to the checkout questions, until the
    organizer's deadline (questions.services.buyer_edit_deadline); audited."""
    order = order_for_holder(code, secret)
    if order is None:
        raise Http404(gettext("No such order."))
    closes_at = _buyer_closes_at(order)
    if closes_at is None:
        messages.error(request, gettext("Answers can no longer be changed here: ask the organizer."))
        return redirect("sales:order", code=order.code, secret=order.secret)
    data = submitted_data(request)
    asked, _ = order_questions(order)
    try:
        answers = questions.changed_answers(
            asked, order.answers, data.get("answers"), data.get("ticket_answers")
        )
        order_actions.change_answers(
            order,
            answers,
            order_actions.Actor(system=f"The buyer ({order.buyer_email})"),
            closes_at=closes_at,
        )
    except questions.AnswersInvalid as exc:
        return _order_page(request, order, errors=exc.errors, status=422)
    except exceptions.OrderConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Your answers are saved."))
    return redirect("sales:order", code=order.code, secret=order.secret)


def _order_page_props(request: HttpRequest, order: Order) -> OrderPageProps:
    """The buyer's order page: the order, its wallet passes, and the forms to change the
    answers and the attendee names while the organizer allows it."""
    closes_at = _buyer_closes_at(order)
    edit = None
    if closes_at is not None:
        asked, tickets = order_questions(order)
        edit = answers_edit(
            order, f"{order_url(order, _pages_root(request))}answers/", closes_at, asked, tickets
        )
    pages = request.build_absolute_uri(_pages_root(request))
    props = OrderPageProps(
        order=order_detail(order, pages, include_qr=True),
        wallet_passes=wallet_passes(order, pages),
        answers_edit=edit,
        invoices=buyer_invoices(order, order_url(order, _pages_root(request))),
    )
    if attendee_names.buyer_may_rename(order):
        props.attendee_names_url = reverse("sales:order_attendee", args=[order.code, order.secret])
        props.attendee_names_until = attendee_names.deadline(order)
    return props


@form_page(_order_page_url)
def order_attendee(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The buyer changes one ticket's attendee name (sales.attendee_names)."""
    order = order_for_holder(code, secret)
    if order is None:
        raise Http404(gettext("No such order."))
    data = submitted_data(request)
    try:
        attendee_names.rename_by_buyer(order, data.get("ticket"), data.get("attendee_name"))
    except exceptions.OrderInvalid as exc:
        return render_with_errors(request, _order_page_props(request, order), exc.errors)
    except exceptions.OrderConflict as exc:
        return render_with_errors(request, _order_page_props(request, order), {"form": str(exc)}, status=409)
    messages.success(request, gettext("The attendee's name is saved."))
    return redirect("sales:order", code=order.code, secret=order.secret)


@require_http_methods(["GET", "POST"])
def confirm_order(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The link in a bank transfer's email: GET shows the order with a "Confirm" button
    (mail scanners that open links confirm nothing), POST confirms it (sales.hoarding)."""
    code = code[:20].upper()
    if not hoarding.confirmation_valid(code, token[:300]):
        raise Http404(gettext("No such order."))
    order = load_order(code)
    if order is None:
        raise Http404(gettext("No such order."))
    if request.method == "GET":
        if not order.awaiting_confirmation or order.status != Order.Status.PENDING:
            return redirect("sales:order", code=order.code, secret=order.secret)
        props = OrderPageProps(
            order=order_detail(order, _base_url(request), include_qr=True),
            wallet_passes=wallet_passes(order, _base_url(request)),
            confirm_url=request.path,
        )
        return render_page(
            request,
            props,
            template_data={"page_title": gettext("Confirm order %(code)s") % {"code": order.code}},
        )
    try:
        hoarding.confirm_order(code, token)
    except exceptions.OrderInvalid as exc:
        raise Http404(gettext("No such order.")) from exc
    except exceptions.OrderConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, gettext("Thank you: your order is confirmed. Your tickets wait for your payment.")
        )
    return redirect("sales:order", code=order.code, secret=order.secret)


@require_GET
def order_tickets_pdf(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The order's tickets as one PDF, one page per ticket."""
    order = order_for_holder(code, secret)
    if order is None:
        raise Http404(gettext("No such order."))
    response = HttpResponse(order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tickets-{order.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def order_calendar(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The order's date as an .ics file (sales.calendar): only for whoever has the order's link."""
    order = order_for_holder(code, secret)
    if order is None:
        raise Http404(gettext("No such order."))
    response = HttpResponse(
        calendar.order_calendar(order, _base_url(request)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{calendar.calendar_filename(order)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_orders(request: AuthenticatedHttpRequest) -> HttpResponse:
    mine = (
        Order.objects.filter(user=request.user).select_related("event", "date").order_by("-created_at")[:200]
    )
    props = MyOrdersPageProps(
        orders=[
            MyOrder(
                code=order.code,
                url=f"/orders/{order.code}/{order.secret}/",
                event=order_event(order.event, order.date),
                status=order.status,
                status_label=order.get_status_display(),
                total=order.total,
                currency=order.currency,
            )
            for order in mine
        ]
    )
    return render_page(request, props, template_data={"page_title": gettext("My orders")})
