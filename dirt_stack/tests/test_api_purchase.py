"""POST /api/v1/events/{slug}/orders: the one-step purchase, and GET /api/v1/orders/{code}."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event, TicketType
from sales.models import Order, Ticket, Voucher
from tests.factories import allocated, make_event, make_ticket_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _demo_payments(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


@pytest.fixture
def event():
    event = make_event(slug="gig", currency="EUR")
    make_ticket_type(event, name="Standard", price=Decimal("25.00"), capacity=10)
    make_ticket_type(event, name="VIP", price=Decimal("80.00"), capacity=2)
    return event


def tt(event, name) -> TicketType:
    return event.ticket_types.get(name=name)


def buy(client, event, lines, *, method="demo", key=None, **extra):
    body = {
        "lines": [{"ticket_type_id": tt(event, name).pk, "quantity": n} for name, n in lines],
        "buyer": {"name": "Ana Buyer", "email": "ana@example.com"},
        "payment_method": method,
        **extra,
    }
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"/api/v1/events/{event.slug}/orders",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_purchase_creates_a_paid_order_with_tickets_and_emails_it(client, event):
    response = buy(client, event, [("Standard", 2), ("VIP", 1)])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "paid"
    assert body["total"] == "130.00"
    assert body["currency"] == "EUR"
    assert len(body["tickets"]) == 3
    assert len({t["secret"] for t in body["tickets"]}) == 3
    order = Order.objects.get(code=body["code"])
    assert body["order_url"] == f"http://testserver/orders/{order.code}/{order.secret}/"
    assert (allocated(tt(event, "Standard")), allocated(tt(event, "VIP"))) == (2, 1)
    assert allocated(event) == 3
    (email,) = mail.outbox
    assert email.to == ["ana@example.com"]
    assert order.secret in email.body
    assert isinstance(email, EmailMultiAlternatives)
    assert {m[1] for m in email.alternatives} == {"text/html"}


def test_event_detail_lists_the_accepted_payment_methods(client, event):
    methods = client.get("/api/v1/events/gig").json()["payment_methods"]
    assert [m["name"] for m in methods] == ["demo", "offline"]  # cards first; stripe is not configured here


def test_sold_out_is_a_409_and_changes_nothing(client, event):
    assert buy(client, event, [("VIP", 2)]).status_code == 201
    response = buy(client, event, [("Standard", 1), ("VIP", 1)])
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "VIP" in response.json()["detail"]
    assert Order.objects.count() == 1
    assert (allocated(tt(event, "Standard")), allocated(tt(event, "VIP"))) == (0, 2)


@pytest.mark.parametrize(
    ("mutate", "status", "text"),
    [
        (lambda b, e: b["lines"][0].update(quantity=0), 422, "greater than or equal to 1"),
        (lambda b, e: b["lines"][0].update(quantity=-2), 422, "greater than or equal to 1"),
        (lambda b, e: b["lines"][0].update(quantity=11), 422, "between 1 and 10"),
        (lambda b, e: b["lines"][0].update(ticket_type_id=999999), 422, "do not exist"),
        # Beyond a 64-bit id: no row can have it (and SQLite cannot even compare it).
        (lambda b, e: b["lines"][0].update(ticket_type_id=2**63), 422, "do not exist"),
        (lambda b, e: b["lines"][0].update(ticket_type_id=-1), 422, "do not exist"),
        (lambda b, e: b["buyer"].update(email="not-an-email"), 422, "valid email"),
        (lambda b, e: b.update(payment_method="bitcoin"), 422, "payment methods"),
        (lambda b, e: b.update(voucher="NOPE"), 422, "voucher code is not valid"),
        (lambda b, e: b.update(lines=[]), 422, "not valid"),
        (lambda b, e: b.pop("buyer"), 422, "not valid"),
    ],
)
def test_invalid_purchases_are_422_and_change_nothing(client, event, mutate, status, text):
    body = {
        "lines": [{"ticket_type_id": tt(event, "Standard").pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
    }
    mutate(body, event)
    response = client.post("/api/v1/events/gig/orders", json.dumps(body), content_type="application/json")
    assert response.status_code == status, response.content
    payload = response.json()
    assert text in payload["detail"] or text in json.dumps(payload.get("errors", []))
    assert Order.objects.count() == 0
    assert allocated(tt(event, "Standard")) == 0


def test_ticket_type_of_another_event_is_refused(client, event):
    other = make_ticket_type(make_event(slug="other"))
    body = {
        "lines": [{"ticket_type_id": other.pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
    }
    response = client.post("/api/v1/events/gig/orders", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert allocated(TicketType.objects.get(pk=other.pk)) == 0


def test_malformed_json_is_a_readable_400_or_422(client, event):
    response = client.post("/api/v1/events/gig/orders", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_hidden_type_needs_its_voucher(client, event):
    hidden = make_ticket_type(event, name="Crew", price=Decimal("5.00"), hidden=True)
    assert buy(client, event, [("Crew", 1)]).status_code == 422
    voucher = Voucher.objects.create(
        event=event, code="CREW26", kind="percent", value=Decimal("0"), max_usages=5
    )
    voucher.ticket_types.add(hidden)
    response = buy(client, event, [("Crew", 1)], voucher="crew26")
    assert response.status_code == 201
    assert response.json()["total"] == "5.00"


def test_voucher_discounts_only_its_ticket_types_and_is_counted(client, event):
    voucher = Voucher.objects.create(
        event=event, code="HALF", kind="percent", value=Decimal("50"), max_usages=1
    )
    voucher.ticket_types.add(tt(event, "Standard"))
    body = buy(client, event, [("Standard", 2), ("VIP", 1)], voucher="HALF").json()
    assert (body["subtotal"], body["discount"], body["total"]) == ("130.00", "25.00", "105.00")
    assert Voucher.objects.get(pk=voucher.pk).redeemed == 1
    response = buy(client, event, [("Standard", 1)], voucher="HALF")
    assert response.status_code == 409
    assert "used up" in response.json()["detail"]


def test_amount_voucher_never_makes_a_ticket_negative(client, event):
    Voucher.objects.create(event=event, code="TENOFF", kind="amount", value=Decimal("30.00"), max_usages=5)
    body = buy(client, event, [("Standard", 1)], voucher="TENOFF").json()
    assert body["total"] == "0.00"
    assert body["status"] == "paid"
    assert body["payment_method"] == "free"


@pytest.mark.parametrize(
    "change",
    [
        {"status": Event.Status.CANCELLED},
        {"status": Event.Status.DRAFT},
    ],
)
def test_no_sales_for_cancelled_or_unpublished_events(client, event, change):
    Event.objects.filter(pk=event.pk).update(**change)
    response = buy(client, event, [("Standard", 1)])
    assert response.status_code == 409
    assert Order.objects.count() == 0


def test_sales_window_is_enforced(client, event):
    TicketType.objects.filter(name="Standard").update(sales_start=timezone.now() + dt.timedelta(hours=1))
    assert "not on sale yet" in buy(client, event, [("Standard", 1)]).json()["detail"]
    TicketType.objects.filter(name="Standard").update(
        sales_start=None, sales_end=timezone.now() - dt.timedelta(minutes=1)
    )
    assert "have ended" in buy(client, event, [("Standard", 1)]).json()["detail"]


def test_offline_payment_leaves_the_order_pending_with_a_deadline(client, event):
    event.confirm_bank_transfers = False
    event.save()
    body = buy(client, event, [("Standard", 1)], method="offline").json()
    assert body["status"] == "pending"
    assert body["awaiting_confirmation"] is False
    deadline = dt.datetime.fromisoformat(body["payment_deadline"])
    assert dt.timedelta(days=2, hours=23) < deadline - timezone.now() < dt.timedelta(days=3, minutes=1)
    assert allocated(tt(event, "Standard")) == 1


def test_an_unconfirmed_offline_payment_holds_for_the_first_window(client, event):
    body = buy(client, event, [("Standard", 1)], method="offline").json()
    assert body["awaiting_confirmation"] is True
    deadline = dt.datetime.fromisoformat(body["payment_deadline"])
    assert dt.timedelta(minutes=59) < deadline - timezone.now() <= dt.timedelta(hours=1)


def test_declined_demo_card_is_a_409_without_an_order(client, event):
    response = buy(client, event, [("Standard", 1)], card_number="4000 0000 0000 0002")
    assert response.status_code == 409
    assert "declined" in response.json()["detail"]
    assert Order.objects.count() == 0
    assert allocated(tt(event, "Standard")) == 0


def test_attendee_names_go_on_the_tickets(client, event):
    attendees = [{"name": "Ana"}, {"name": "Bo"}]
    body = buy(client, event, [("Standard", 2)], attendees=attendees).json()
    assert [t["attendee_name"] for t in body["tickets"]] == ["Ana", "Bo"]
    assert buy(client, event, [("Standard", 2)], attendees=[{"name": "Ana"}]).status_code == 422


def test_an_invalid_buyer_is_one_422_listing_every_field_at_fault(client, event):
    response = client.post(
        "/api/v1/events/gig/orders",
        json.dumps(
            {
                "lines": [{"ticket_type_id": tt(event, "Standard").pk, "quantity": 2}],
                "buyer": {"name": "Ana", "email": "nope"},
                "attendees": [{"name": "Ana"}],
                "payment_method": "bitcoin",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    problem = response.json()
    # The first field stays in ``field`` and ``detail`` (as before); ``field_errors`` has them all.
    assert (problem["field"], problem["detail"]) == ("email", "Enter a valid email address.")
    assert [e["field"] for e in problem["field_errors"]] == ["email", "attendee_names", "payment_method"]
    assert problem["field_errors"][0]["detail"] == problem["detail"]
    assert Order.objects.count() == 0


def test_same_idempotency_key_returns_the_same_order(client, event):
    first = buy(client, event, [("Standard", 1)], key="retry-123")
    second = buy(client, event, [("Standard", 1)], key="retry-123")
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] == second.json()["code"]
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert allocated(tt(event, "Standard")) == 1
    different = buy(client, event, [("Standard", 2)], key="retry-123")
    assert different.status_code == 422
    assert "different purchase" in different.json()["detail"]


def test_purchases_are_rate_limited_per_client(client, event, settings):
    settings.PURCHASE_RATE_LIMIT = 2
    assert buy(client, event, [("Standard", 1)]).status_code == 201
    assert buy(client, event, [("Standard", 1)]).status_code == 201
    response = buy(client, event, [("Standard", 1)])
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many purchases" in response.json()["detail"]


def test_order_lookup_needs_the_secret(client, event):
    body = buy(client, event, [("Standard", 1)]).json()
    order = Order.objects.get(code=body["code"])
    ok = client.get(f"/api/v1/orders/{order.code}?secret={order.secret}")
    assert ok.status_code == 200
    assert ok.json()["tickets"][0]["secret"] == Ticket.objects.get(order=order).secret
    assert client.get(f"/api/v1/orders/{order.code}?secret=wrong").status_code == 404
    assert client.get(f"/api/v1/orders/{order.code}").status_code == 422


def test_a_wrong_secret_reads_what_an_unknown_code_reads(client, event):
    """Security review I-1: the order's lines and tickets are read only once the secret
    matched, so an existing code with a wrong secret takes the same queries (and about the
    same time) as a code that does not exist."""
    order = Order.objects.get(code=buy(client, event, [("Standard", 2)]).json()["code"])

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 404
        return len(captured.captured_queries)

    for known, unknown in [
        (f"/api/v1/orders/{order.code}?secret=wrong", "/api/v1/orders/ZZZZZZZZ?secret=wrong"),
        (f"/orders/{order.code}/wrong/", "/orders/ZZZZZZZZ/wrong/"),
        (f"/orders/{order.code}/wrong/tickets.pdf", "/orders/ZZZZZZZZ/wrong/tickets.pdf"),
    ]:
        assert queries(known) == queries(unknown) == 1


@pytest.mark.postgres
def test_a_purchase_waiting_too_long_for_the_events_lock_answers_503_and_writes_nothing(client, event):
    """Another transaction holds the event's counters (lock_timeout, settings): the
    buyer gets a readable 503 with Retry-After instead of waiting without bound."""
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    settings_dict = connection.get_connection_params()
    params = {k: v for k, v in settings_dict.items() if k in {"host", "port", "user", "dbname", "password"}}
    with psycopg.connect(**params) as other, other.cursor() as cursor:
        cursor.execute("SELECT id FROM events_event WHERE id = %s FOR UPDATE", [event.pk])
        response = buy(client, event, [("Standard", 1)])
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"]
    assert "busy" in response.json()["detail"]
    assert not Order.objects.exists()
    assert allocated(tt(event, "Standard")) == 0
