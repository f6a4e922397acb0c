"""Payment providers' notifications: Stripe's webhook."""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sales import exceptions, lifecycle
from sales.models import Order, ProcessedWebhookEvent

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's signed notifications. Each event is handled once; replays and forgeries change nothing."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        return HttpResponse("Stripe is not configured.", status=404, content_type="text/plain")
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature", ""), settings.STRIPE_WEBHOOK_SECRET
        )
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponse("Invalid payload or signature.", status=400, content_type="text/plain")
    try:
        with transaction.atomic():
            ProcessedWebhookEvent.objects.create(provider="stripe", event_id=event["id"])
            _handle_stripe_event(event, request.build_absolute_uri("/"))
    except IntegrityError:
        return HttpResponse("Already processed.", content_type="text/plain")
    except exceptions.OrderConflict as exc:
        # Paid after the tickets were gone: record and let the organizer refund.
        logger.error("stripe payment for an order that cannot be fulfilled", extra={"reason": str(exc)})
    return HttpResponse("OK", content_type="text/plain")


def _handle_stripe_event(stripe_event: stripe.Event, base_url: str) -> None:
    event = stripe_event.to_dict()
    session = event["data"]["object"]
    code = (session.get("metadata") or {}).get("order_code") or session.get("client_reference_id")
    order = Order.objects.filter(code=code, payment_method="stripe").first() if code else None
    if order is None:
        return
    if event["type"] in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if session.get("payment_status") in ("paid", "no_payment_required"):
            lifecycle.mark_paid(order, reference=session["id"], base_url=base_url)
    elif event["type"] in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        lifecycle.expire_unpaid(order)
