"""Stripe Checkout: the webhook verifies signatures and handles each event once.

Payloads are signed here with a test secret the way Stripe signs them; nothing
goes over the network. Only the creation of the Checkout Session, a call to
Stripe's servers, is replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from sales import pricing, purchase
from sales.models import Order
from sales.payments import PaymentStart, StripeProvider, to_minor_units
from tests.factories import allocated, make_event, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def _stripe(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_not_used"
    settings.STRIPE_WEBHOOK_SECRET = SECRET

    def start(self, order, *, return_url, card_number=""):
        deadline = timezone.now() + dt.timedelta(minutes=30)
        return PaymentStart(False, "cs_test_" + order.code, "https://checkout.stripe.test/pay", deadline)

    monkeypatch.setattr(StripeProvider, "start", start)


@pytest.fixture
def pending_order():
    event = make_event(slug="gig")
    ticket_type = make_ticket_type(event, capacity=3, price=Decimal("12.50"))
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="stripe")
    placed = purchase.place_order(
        only_date(event), {ticket_type.pk: 2}, details, base_url="http://testserver/"
    )
    assert placed.payment is not None
    assert placed.payment.redirect_url == "https://checkout.stripe.test/pay"
    return placed.order


def signed(payload: dict, secret: str = SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    timestamp = timestamp or int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"


def stripe_event(event_id: str, kind: str, order: Order, payment_status: str = "paid") -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "data": {
            "object": {
                "id": f"cs_test_{order.code}",
                "object": "checkout.session",
                "client_reference_id": order.code,
                "metadata": {"order_code": order.code},
                "payment_status": payment_status,
            }
        },
    }


def deliver(client, payload: dict, **sign):
    body, header = signed(payload, **sign)
    return client.post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )


def test_completed_checkout_marks_the_order_paid_once(client, pending_order):
    payload = stripe_event("evt_1", "checkout.session.completed", pending_order)
    assert deliver(client, payload).status_code == 200
    order = Order.objects.get(pk=pending_order.pk)
    assert order.status == Order.Status.PAID
    assert order.payments.get().reference == f"cs_test_{order.code}"
    replay = deliver(client, payload)
    assert replay.status_code == 200
    assert replay.content == b"Already processed."
    assert order.payments.count() == 1


@pytest.mark.parametrize(
    "sign",
    [
        {"secret": "whsec_forged"},
        {"timestamp": int(time.time()) - 3600},  # an old, replayed delivery
    ],
)
def test_forged_or_stale_signatures_change_nothing(client, pending_order, sign):
    response = deliver(client, stripe_event("evt_2", "checkout.session.completed", pending_order), **sign)
    assert response.status_code == 400
    assert Order.objects.get(pk=pending_order.pk).status == Order.Status.PENDING


def test_missing_signature_and_garbage_are_400(client, pending_order):
    assert client.post("/payments/stripe/webhook/", b"{}", content_type="application/json").status_code == 400
    body, header = b"not json", signed({})[1]
    response = client.post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert response.status_code == 400


def test_expired_checkout_frees_the_stock(client, pending_order):
    ticket_type = pending_order.lines.get().ticket_type
    assert allocated(ticket_type) == 2
    assert (
        deliver(client, stripe_event("evt_3", "checkout.session.expired", pending_order)).status_code == 200
    )
    assert Order.objects.get(pk=pending_order.pk).status == Order.Status.EXPIRED
    assert allocated(ticket_type) == 0


def test_unpaid_completion_does_not_mark_paid(client, pending_order):
    payload = stripe_event("evt_4", "checkout.session.completed", pending_order, payment_status="unpaid")
    assert deliver(client, payload).status_code == 200
    assert Order.objects.get(pk=pending_order.pk).status == Order.Status.PENDING


def test_amounts_go_to_stripe_in_minor_units():
    assert to_minor_units(Decimal("12.50"), "EUR") == 1250
    assert to_minor_units(Decimal("0.10"), "usd") == 10
    assert to_minor_units(Decimal("1500"), "JPY") == 1500
