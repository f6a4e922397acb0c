"""Stripe Checkout: the session is opened after the order is committed; the webhook maps
only sessions Maticko created; refunds name the session's PaymentIntent.

Stripe's API is tests/stripe_stub.py, a local HTTP server speaking its shapes, which
stripe-python reaches over real HTTP. Webhook payloads are signed here with a test
secret the way Stripe signs them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone

from sales import exceptions, payment_pages, pricing, purchase, stock
from sales.models import AuditEntry, Order, Payment, ProcessedWebhookEvent
from sales.payment_pages import PAGE_MINUTES
from sales.payments import STRIPE_PAYMENT_MINUTES, StripeProvider, to_minor_units
from tests import stripe_stub
from tests.factories import allocated, make_event, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec_test_secret"
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BASE = "http://testserver/"


@pytest.fixture
def stripe_api(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"
    with stripe_stub.running() as stub:
        settings.STRIPE_API_BASE = stub.base_url
        yield stub


@pytest.fixture
def gig():
    event = make_event(slug="gig", currency="EUR")
    make_ticket_type(event, name="Standard", capacity=3, price=Decimal("12.50"))
    return event


def buy(event, quantity=2, email="ana@example.com") -> purchase.PlacedOrder:
    details = pricing.BuyerDetails(name="Ana", email=email, payment_method="stripe")
    ticket_type = event.ticket_types.get()
    return purchase.place_order(only_date(event), {ticket_type.pk: quantity}, details, base_url=BASE)


@pytest.fixture
def pending_order(stripe_api, gig) -> Order:
    return buy(gig).order


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# --- Opening the Checkout Session ---------------------------------------------------


def test_the_session_is_created_after_the_order_is_committed(stripe_api, gig):
    def order_as_seen_from_elsewhere(session):
        # Runs in the stub's thread, on its own database connection: it sees only committed rows.
        order = Order.objects.filter(code=session["client_reference_id"]).first()
        return order and (order.status, list(order.payments.values_list("status", "reference")))

    stripe_api.on_create = order_as_seen_from_elsewhere
    placed = buy(gig)
    order = Order.objects.get()
    assert stripe_api.seen_at_creation == [("pending", [("created", "")])]
    assert allocated(gig.ticket_types.get()) == 2

    (create,) = stripe_api.creates()
    session = stripe_api.sessions[order.payments.get().reference]
    assert placed.payment is not None
    assert placed.payment.redirect_url == session["url"]
    assert session["amount_total"] == 2500
    assert session["currency"] == "eur"
    assert session["client_reference_id"] == order.code
    assert session["metadata"] == {"order_code": order.code, "payment_id": str(order.payments.get().pk)}
    assert order.payment_deadline is not None
    assert session["expires_at"] <= order.payment_deadline.timestamp()
    assert session["expires_at"] >= time.time() + 30 * 60  # Stripe's minimum
    assert create.idempotency_key is not None
    assert order.code in create.idempotency_key
    assert create.form["success_url"] == f"{BASE}orders/{order.code}/{order.secret}/"


def test_a_buyer_who_finds_it_sold_out_costs_no_stripe_call(stripe_api, gig):
    buy(gig, 3)
    with pytest.raises(stock.SoldOut):
        buy(gig, 1, email="late@example.com")
    assert len(stripe_api.creates()) == 1
    assert Order.objects.count() == 1


def test_a_lost_answer_is_retried_with_the_same_key_and_makes_one_session(stripe_api, gig):
    stripe_api.mode = "drop"  # Stripe makes the session, the answer never arrives
    placed = buy(gig)
    creates = stripe_api.creates()
    assert len(creates) == 2
    assert creates[0].idempotency_key == creates[1].idempotency_key
    assert len(stripe_api.sessions) == 1
    assert placed.order.payments.get().reference == next(iter(stripe_api.sessions))


@pytest.mark.parametrize("failure", ["down", "refuse", "unreachable"])
def test_stripe_failing_keeps_the_order_reserved_with_a_clear_message(stripe_api, gig, settings, failure):
    if failure == "unreachable":
        settings.STRIPE_API_BASE = closed_port()
    else:
        stripe_api.mode = failure
    with pytest.raises(exceptions.PaymentUnavailable) as caught:
        buy(gig)
    order = Order.objects.get()
    assert caught.value.order.pk == order.pk
    assert order.status == Order.Status.PENDING
    assert allocated(gig.ticket_types.get()) == 2  # held until the deadline
    assert order.payments.get().reference == ""
    assert order.payment_deadline is not None
    deadline = order.payment_deadline.astimezone(gig.tz)
    assert str(caught.value) == (
        "We could not reach the card payment service; your tickets are reserved until "
        f"{deadline:%H:%M} — try again with “Pay now”."
    )


def test_pay_now_retries_after_stripe_was_down(client, stripe_api, gig):
    stripe_api.mode = "down"
    with pytest.raises(exceptions.PaymentUnavailable):
        buy(gig)
    order = Order.objects.get()
    page = client.get(f"/orders/{order.code}/{order.secret}/", headers=INERTIA).json()
    pay_now_url = page["props"]["order"]["pay_now_url"]
    assert pay_now_url == f"{BASE}orders/{order.code}/{order.secret}/pay/"

    # Still down: back to the order page with the message, never a 500.
    response = client.post(pay_now_url, headers=INERTIA)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.code}/{order.secret}/"
    flash = client.get(response["Location"], headers=INERTIA).json()["flash"]["messages"]
    assert "We could not reach the card payment service" in flash[0]["message"]

    stripe_api.mode = "up"
    response = client.post(pay_now_url, headers=INERTIA)
    assert response.status_code == 409  # Inertia's external redirect
    session_id = Order.objects.get().payments.get().reference
    assert response["X-Inertia-Location"] == stripe_api.sessions[session_id]["url"]

    # Again: the open session is reused, not a second one made.
    again = client.post(pay_now_url, headers=INERTIA)
    assert again["X-Inertia-Location"] == response["X-Inertia-Location"]
    assert len(stripe_api.sessions) == 1


def test_pay_now_after_the_session_expired_opens_a_new_one(client, stripe_api, pending_order):
    first = pending_order.payments.get().reference
    stripe_api.expire(first)
    response = client.post(f"/orders/{pending_order.code}/{pending_order.secret}/pay/", headers=INERTIA)
    second = Payment.objects.get().reference
    assert second != first
    assert response["X-Inertia-Location"] == stripe_api.sessions[second]["url"]


def test_pay_now_near_the_deadline_extends_it_to_the_sessions_life(client, stripe_api, gig):
    stripe_api.mode = "down"
    with pytest.raises(exceptions.PaymentUnavailable):
        buy(gig)
    stripe_api.mode = "up"
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() + dt.timedelta(minutes=3))
    client.post(f"/orders/{order.code}/{order.secret}/pay/", headers=INERTIA)
    order.refresh_from_db()
    session = stripe_api.sessions[order.payments.get().reference]
    assert order.payment_deadline is not None
    assert session["expires_at"] == int(order.payment_deadline.timestamp())
    assert order.payment_deadline >= timezone.now() + dt.timedelta(minutes=PAGE_MINUTES - 1)


@pytest.mark.parametrize("status", [Order.Status.PAID, Order.Status.EXPIRED, Order.Status.CANCELLED])
def test_pay_now_refuses_orders_that_are_not_waiting(client, stripe_api, pending_order, status):
    Order.objects.filter(pk=pending_order.pk).update(status=status)
    calls = len(stripe_api.calls)
    response = client.post(f"/orders/{pending_order.code}/{pending_order.secret}/pay/", headers=INERTIA)
    assert response.status_code == 302
    assert len(stripe_api.calls) == calls
    assert Order.objects.get().status == status


def test_pay_now_after_the_deadline_makes_no_call(client, stripe_api, pending_order):
    Order.objects.filter(pk=pending_order.pk).update(
        payment_deadline=timezone.now() - dt.timedelta(seconds=1)
    )
    calls = len(stripe_api.calls)
    client.post(f"/orders/{pending_order.code}/{pending_order.secret}/pay/", headers=INERTIA)
    assert len(stripe_api.calls) == calls


@pytest.mark.parametrize(
    "path",
    [
        "/orders/{code}/wrong-secret/pay/",
        "/orders/%00/{secret}/pay/",
        "/orders/" + "A" * 5000 + "/{secret}/pay/",
        "/orders/{code}%00/{secret}/pay/",
    ],
)
def test_pay_now_with_a_wrong_address_is_404(client, stripe_api, pending_order, path):
    url = path.format(code=pending_order.code, secret=pending_order.secret)
    assert client.post(url, headers=INERTIA).status_code == 404
    assert client.get(f"/orders/{pending_order.code}/{pending_order.secret}/pay/").status_code == 405


def test_web_checkout_with_stripe_down_lands_on_the_order_page(client, stripe_api, gig):
    stripe_api.mode = "down"
    ticket_type = gig.ticket_types.get()
    hold = client.post(
        f"/events/{gig.slug}/hold/",
        json.dumps({"quantities": {str(ticket_type.pk): 2}}),
        content_type="application/json",
        headers=INERTIA,
    )
    response = client.post(
        hold["Location"],
        json.dumps({"name": "Ana", "email": "ana@example.com", "payment_method": "stripe"}),
        content_type="application/json",
        headers=INERTIA,
    )
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.code}/{order.secret}/"
    page = client.get(response["Location"], headers=INERTIA).json()
    assert "could not reach the card payment service" in page["flash"]["messages"][0]["message"]
    assert page["props"]["order"]["status"] == "pending"
    assert page["props"]["order"]["pay_now_url"]


def test_web_checkout_sends_the_buyer_to_stripe(client, stripe_api, gig):
    ticket_type = gig.ticket_types.get()
    hold = client.post(
        f"/events/{gig.slug}/hold/",
        json.dumps({"quantities": {str(ticket_type.pk): 1}}),
        content_type="application/json",
        headers=INERTIA,
    )
    response = client.post(
        hold["Location"],
        json.dumps({"name": "Ana", "email": "ana@example.com", "payment_method": "stripe"}),
        content_type="application/json",
        headers=INERTIA,
    )
    session_id = Order.objects.get().payments.get().reference
    assert response["X-Inertia-Location"] == stripe_api.sessions[session_id]["url"]


def test_purchase_api_with_stripe_down_is_a_503_naming_the_order(client, stripe_api, gig):
    stripe_api.mode = "down"
    body = {
        "lines": [{"ticket_type_id": gig.ticket_types.get().pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "stripe",
    }
    response = client.post(f"/api/v1/events/{gig.slug}/orders", body, content_type="application/json")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    order = Order.objects.get()
    assert problem["order_code"] == order.code
    assert problem["order_url"] == f"{BASE}orders/{order.code}/{order.secret}/"
    assert problem["detail"].startswith("We could not reach the card payment service")

    stripe_api.mode = "up"
    created = client.post(f"/api/v1/events/{gig.slug}/orders", body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["payment_url"].startswith("https://checkout.stripe.test/")


def test_a_retried_purchase_after_a_503_gets_the_same_order_and_its_page(client, stripe_api, gig):
    stripe_api.mode = "down"
    body = {
        "lines": [{"ticket_type_id": gig.ticket_types.get().pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "stripe",
    }
    key = {"Idempotency-Key": "retry-me"}
    url = f"/api/v1/events/{gig.slug}/orders"
    assert client.post(url, body, content_type="application/json", headers=key).status_code == 503
    stripe_api.mode = "up"
    replay = client.post(url, body, content_type="application/json", headers=key)
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    order = Order.objects.get()
    assert replay.json()["code"] == order.code
    assert replay.json()["payment_url"] == stripe_api.sessions[order.payments.get().reference]["url"]

    # Once its deadline has passed, a replay answers the order as it is, without a page.
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - dt.timedelta(seconds=1))
    late = client.post(url, body, content_type="application/json", headers=key)
    assert late.status_code == 201
    assert late.json()["payment_url"] is None
    assert len(stripe_api.sessions) == 1


def test_a_page_is_never_opened_inside_a_transaction(stripe_api, pending_order):
    calls = len(stripe_api.calls)
    with transaction.atomic(), pytest.raises(RuntimeError):
        payment_pages.open_page(pending_order, BASE)
    assert len(stripe_api.calls) == calls


@pytest.mark.postgres
def test_simultaneous_pay_now_clicks_make_one_session(stripe_api, gig):
    stripe_api.mode = "down"
    with pytest.raises(exceptions.PaymentUnavailable):
        buy(gig)
    stripe_api.mode = "up"
    order = Order.objects.get()
    barrier = threading.Barrier(4)

    def click() -> str | None:
        try:
            barrier.wait()
            return payment_pages.open_page(order, BASE).redirect_url
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        urls = list(pool.map(lambda _: click(), range(4)))
    assert len(set(urls)) == 1
    assert len(stripe_api.sessions) == 1
    assert len({c.idempotency_key for c in stripe_api.creates()}) == 1


# --- The webhook --------------------------------------------------------------------


def signed(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    timestamp = timestamp or int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def stripe_event(event_id: str, kind: str, session: dict) -> dict:
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": dict(session)}}


def deliver(client, payload, *, raw: bytes | None = None, **sign):
    body = raw if raw is not None else json.dumps(payload).encode()
    return client.post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, **sign)},
    )


def session_of(stub, order: Order) -> dict:
    return stub.sessions[Payment.objects.get(order=order).reference]


def test_completed_checkout_marks_the_order_paid_once(client, stripe_api, pending_order):
    session = stripe_api.complete(session_of(stripe_api, pending_order)["id"])
    payload = stripe_event("evt_1", "checkout.session.completed", session)
    response = deliver(client, payload)
    assert response.status_code == 200
    order = Order.objects.get(pk=pending_order.pk)
    assert order.status == Order.Status.PAID
    payment = order.payments.get()
    assert (payment.status, payment.reference) == (Payment.Status.SUCCEEDED, session["id"])
    assert payment.charge_reference == session["payment_intent"]
    assert len(mail.outbox) == 2  # the reservation, then the tickets

    replay = deliver(client, payload)
    assert replay.status_code == 200
    assert replay.content == b"Already processed."
    assert order.payments.count() == 1
    assert len(mail.outbox) == 2
    assert ProcessedWebhookEvent.objects.count() == 1


def test_a_foreign_session_naming_the_order_changes_nothing(client, stripe_api, pending_order):
    # A Payment Link (or another integration) with ?client_reference_id= set to our order.
    foreign = {
        "id": "cs_from_some_payment_link",
        "object": "checkout.session",
        "amount_total": 100,
        "currency": "usd",
        "client_reference_id": pending_order.code,
        "metadata": {"order_code": pending_order.code},
        "payment_status": "paid",
        "payment_intent": "pi_foreign",
    }
    for n, kind in enumerate(["checkout.session.completed", "checkout.session.expired"]):
        response = deliver(client, stripe_event(f"evt_f{n}", kind, foreign))
        assert response.status_code == 200
        assert b"not a Checkout Session Maticko created" in response.content
    order = Order.objects.get(pk=pending_order.pk)
    assert order.status == Order.Status.PENDING
    assert order.payments.get().reference == session_of(stripe_api, order)["id"]
    assert allocated(order.lines.get().ticket_type) == 2
    entries = AuditEntry.objects.filter(order=order, action="stripe_event_ignored")
    assert [e.detail["session"] for e in entries] == ["cs_from_some_payment_link"] * 2


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"amount_total": 100}, b"amount"),
        ({"amount_total": 2501}, b"amount"),
        ({"amount_total": None}, b"amount"),
        ({"currency": "usd"}, b"currency"),
        ({"currency": None}, b"currency"),
    ],
)
def test_a_wrong_amount_or_currency_changes_nothing(client, stripe_api, pending_order, change, reason):
    session = {**stripe_api.complete(session_of(stripe_api, pending_order)["id"]), **change}
    response = deliver(client, stripe_event("evt_w", "checkout.session.completed", session))
    assert response.status_code == 200
    assert reason in response.content
    assert Order.objects.get().status == Order.Status.PENDING
    assert AuditEntry.objects.get(order=pending_order).detail["reason"].startswith("its ")


def test_the_currency_is_compared_without_case(client, stripe_api, pending_order):
    session = {**stripe_api.complete(session_of(stripe_api, pending_order)["id"]), "currency": "EUR"}
    deliver(client, stripe_event("evt_c", "checkout.session.completed", session))
    assert Order.objects.get().status == Order.Status.PAID


def test_expired_checkout_frees_the_stock_of_its_own_order_only(client, stripe_api, gig):
    first = buy(gig, 1).order
    second = buy(gig, 1, email="bo@example.com").order
    session = stripe_api.expire(session_of(stripe_api, first)["id"])
    assert deliver(client, stripe_event("evt_3", "checkout.session.expired", session)).status_code == 200
    assert Order.objects.get(pk=first.pk).status == Order.Status.EXPIRED
    assert Order.objects.get(pk=second.pk).status == Order.Status.PENDING
    assert allocated(gig.ticket_types.get()) == 1


def test_an_earlier_session_replaced_by_pay_now_changes_nothing(client, stripe_api, pending_order):
    first = stripe_api.expire(session_of(stripe_api, pending_order)["id"])
    client.post(f"/orders/{pending_order.code}/{pending_order.secret}/pay/", headers=INERTIA)
    assert deliver(client, stripe_event("evt_old", "checkout.session.expired", first)).status_code == 200
    assert Order.objects.get().status == Order.Status.PENDING


def test_unpaid_completion_does_not_mark_paid(client, stripe_api, pending_order):
    session = session_of(stripe_api, pending_order)  # status open, payment_status unpaid
    assert deliver(client, stripe_event("evt_4", "checkout.session.completed", session)).status_code == 200
    assert Order.objects.get().status == Order.Status.PENDING


def test_a_late_payment_of_an_expired_order_goes_through_mark_paid(client, stripe_api, pending_order):
    Order.objects.filter(pk=pending_order.pk).update(payment_deadline=timezone.now())
    stock.release_expired(pending_order.date_id)
    assert Order.objects.get().status == Order.Status.EXPIRED
    session = stripe_api.complete(session_of(stripe_api, pending_order)["id"])
    assert deliver(client, stripe_event("evt_late", "checkout.session.completed", session)).status_code == 200
    assert Order.objects.get().status == Order.Status.PAID
    assert allocated(pending_order.lines.get().ticket_type) == 2


@pytest.mark.parametrize(
    "sign",
    [
        {"secret": "whsec_forged"},
        {"timestamp": int(time.time()) - 3600},  # an old, replayed delivery
    ],
)
def test_forged_or_stale_signatures_change_nothing(client, stripe_api, pending_order, sign):
    session = stripe_api.complete(session_of(stripe_api, pending_order)["id"])
    response = deliver(client, stripe_event("evt_2", "checkout.session.completed", session), **sign)
    assert response.status_code == 400
    assert Order.objects.get().status == Order.Status.PENDING


@pytest.mark.parametrize(
    "header",
    ["", "t=abc,v1=00", "t=1,v1=", "\x00", "v1=" + "a" * 5000, "t=99999999999999999999999,v1=00"],
)
def test_missing_or_garbled_signatures_are_400(client, stripe_api, header):
    response = client.post(
        "/payments/stripe/webhook/",
        b"{}",
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert response.status_code == 400


def _session(**fields) -> dict:
    return {
        "id": "cs_test_x",
        "object": "checkout.session",
        "amount_total": 2500,
        "currency": "eur",
        **fields,
    }


def _event(**fields) -> dict:
    return {"id": "evt_m", "object": "event", "type": "checkout.session.completed", **fields}


MALFORMED = {
    "a list": b"[]",
    "a string": b'"evt"',
    "null": b"null",
    "not JSON": b"not json",
    "not UTF-8": b"\xff\xfe{}",
    "an empty object": b"{}",
    "no data": _event(),
    "data not an object": _event(data=[]),
    "no data.object": _event(data={}),
    "data.object a list": _event(data={"object": []}),
    "no id": {k: v for k, v in _event(data={"object": _session()}).items() if k != "id"},
    "an id that is a number": _event(id=7, data={"object": _session()}),
    "an id with NUL": _event(id="evt_\x00", data={"object": _session()}),
    "an over-long id": _event(id="evt_" + "a" * 300, data={"object": _session()}),
    "no object": {k: v for k, v in _event(data={"object": _session()}).items() if k != "object"},
    "not an event": _event(object="charge", data={"object": _session()}),
    "a type that is a list": _event(type=["checkout.session.completed"], data={"object": _session()}),
    "a session without id": _event(data={"object": {"object": "checkout.session"}}),
    "a session id with NUL": _event(data={"object": _session(id="cs_\x00")}),
    "a session id of 2**63": _event(data={"object": _session(id=2**63)}),
    "an amount as text": _event(data={"object": _session(amount_total="2500")}),
    "an amount that is true": _event(data={"object": _session(amount_total=True)}),
    "an amount that is NaN": b'{"id":"evt_m","object":"event","type":"checkout.session.completed",'
    b'"data":{"object":{"id":"cs_x","object":"checkout.session","amount_total":NaN}}}',
    "an amount that is a float": _event(data={"object": _session(amount_total=2500.0)}),
    "a currency that is a number": _event(data={"object": _session(currency=978)}),
    "a metadata list": _event(data={"object": _session(metadata=["order_code"])}),
    "an over-long client_reference_id": _event(data={"object": _session(client_reference_id="A" * 201)}),
    "a payment intent with NUL": _event(data={"object": _session(payment_intent="pi_\x00")}),
    "deep JSON": b'{"id":"evt_m","data":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_signed_but_malformed_events_are_400(client, stripe_api, pending_order, payload):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = deliver(client, None, raw=raw)
    assert response.status_code == 400
    assert response.content.startswith((b"Not a Stripe event", b"Invalid payload"))
    assert ProcessedWebhookEvent.objects.count() == 0
    assert Order.objects.get().status == Order.Status.PENDING


def test_hostile_values_in_a_foreign_session_are_only_compared(client, stripe_api, pending_order):
    hostile = _session(
        id="cs_hostile",
        amount_total=2**63,
        currency="e\x00r",
        client_reference_id="\x00" * 10,
        metadata={"order_code": {"deep": ["\x00"]}},
        payment_status="paid\x00",
    )
    response = deliver(client, _event(data={"object": hostile}))
    assert response.status_code == 200
    assert Order.objects.get().status == Order.Status.PENDING
    assert not AuditEntry.objects.exists()  # it names no order Maticko can find


def test_other_event_types_are_acknowledged_and_ignored(client, stripe_api, pending_order):
    payload = {
        "id": "evt_o",
        "object": "event",
        "type": "charge.refunded",
        "data": {"object": {"id": "ch_1"}},
    }
    response = deliver(client, payload)
    assert response.status_code == 200
    assert response.content.startswith(b"Ignored")


# --- Refunds ------------------------------------------------------------------------


def test_refunds_name_the_stored_payment_intent_with_the_idempotency_key(client, stripe_api, pending_order):
    session = stripe_api.complete(session_of(stripe_api, pending_order)["id"])
    deliver(client, stripe_event("evt_p", "checkout.session.completed", session))
    order = Order.objects.get()
    calls = len(stripe_api.calls)
    reference = StripeProvider().refund(order, Decimal("12.50"), session["id"], idempotency_key="refund-1-a")
    refund_call = stripe_api.calls[calls:]
    assert [(c.method, c.path) for c in refund_call] == [("POST", "/v1/refunds")]  # no session lookup
    assert refund_call[0].form == {"payment_intent": session["payment_intent"], "amount": "1250"}
    assert refund_call[0].idempotency_key == "refund-1-a"
    assert reference == stripe_api.refunds[0]["id"]


def test_refunds_look_the_intent_up_when_none_was_stored(stripe_api, pending_order):
    session = stripe_api.complete(session_of(stripe_api, pending_order)["id"])
    StripeProvider().refund(pending_order, Decimal("25.00"), session["id"])
    assert stripe_api.refunds[0]["payment_intent"] == session["payment_intent"]
    assert stripe_api.refunds[0]["amount"] == 2500


def test_a_session_without_a_payment_is_not_refunded(stripe_api, pending_order):
    with pytest.raises(exceptions.OrderConflict):
        StripeProvider().refund(pending_order, Decimal("1.00"), session_of(stripe_api, pending_order)["id"])
    assert stripe_api.refunds == []


# --- Amounts -----------------------------------------------------------------------


def test_amounts_go_to_stripe_in_minor_units():
    assert to_minor_units(Decimal("12.50"), "EUR") == 1250
    assert to_minor_units(Decimal("0.10"), "usd") == 10
    assert to_minor_units(Decimal("1500"), "JPY") == 1500


def test_a_stripe_order_is_reserved_for_its_session_and_a_little_more(stripe_api, pending_order):
    left = pending_order.payment_deadline - timezone.now()
    assert (
        dt.timedelta(minutes=STRIPE_PAYMENT_MINUTES - 1)
        < left
        <= dt.timedelta(minutes=STRIPE_PAYMENT_MINUTES)
    )
