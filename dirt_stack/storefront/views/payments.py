"""Payments on a provider's page: Stripe's webhook, and "Pay now" on an order's page."""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from inertia import location

from core import ratelimit
from sales import exceptions, payment_pages, stripe_events
from sales.models import Order, ProcessedWebhookEvent, order_url

logger = logging.getLogger(__name__)

PAY_NOW_WINDOW = 60


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's signed notifications. Each event is handled once; replays, forgeries and
    sessions Maticko did not create change nothing."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        return _text("Stripe is not configured.", 404)
    try:
        stripe.WebhookSignature.verify_header(
            request.body,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=stripe.Webhook.DEFAULT_TOLERANCE,  # an old delivery replayed is refused
        )
    except (ValueError, stripe.SignatureVerificationError):  # UnicodeDecodeError is a ValueError
        return _text("Invalid payload or signature.", 400)
    try:
        event = stripe_events.parse(request.body)
    except stripe_events.MalformedEvent as exc:
        logger.warning("malformed stripe event", extra={"reason": str(exc)})
        return _text(f"Not a Stripe event Maticko can read: {exc}", 400)
    try:
        with transaction.atomic():
            ProcessedWebhookEvent.objects.create(provider="stripe", event_id=event.id)
            outcome = stripe_events.handle(event, request.build_absolute_uri("/"))
    except IntegrityError:
        return _text("Already processed.")
    except exceptions.OrderConflict as exc:
        # Paid after the tickets were gone: record and let the organizer refund.
        logger.error("stripe payment for an order that cannot be fulfilled", extra={"reason": str(exc)})
        return _text("OK")
    return _text(outcome)


@require_POST
def pay_now(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The order page's "Pay now": open the order's payment page (or the one still open)."""
    order = Order.objects.filter(code=code).first() if stripe_events.ORDER_CODE.fullmatch(code) else None
    if order is None or not constant_time_compare(order.secret, secret):
        raise Http404(gettext("No such order."))
    if settings.PURCHASE_RATE_LIMIT > 0:
        rule = ratelimit.RateLimit(settings.PURCHASE_RATE_LIMIT, PAY_NOW_WINDOW)
        verdict = ratelimit.hit(ratelimit.key_for("pay_now", ratelimit.client_ip(request)), rule)
        if not verdict.allowed:
            messages.error(
                request,
                gettext("Too many attempts. Try again in %(seconds)s seconds.")
                % {"seconds": verdict.retry_after},
            )
            return redirect("sales:order", code=order.code, secret=order.secret)
    try:
        started = payment_pages.open_page(order, request.build_absolute_uri("/"))
    except exceptions.OrderConflict as exc:  # PaymentUnavailable included
        messages.error(request, str(exc))
        return redirect("sales:order", code=order.code, secret=order.secret)
    target = started.redirect_url or order_url(order, request.build_absolute_uri("/"))
    if "X-Inertia" not in request.headers:
        # A plain form: the embedded order page's, which opens the payment in a new tab.
        return redirect(target)
    return location(target)
