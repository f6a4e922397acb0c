"""The web checkout: reserve on the event page, details and payment, the order page."""

from __future__ import annotations

import datetime as dt
import json
import re
from contextlib import contextmanager, nullcontext
from decimal import Decimal

import pytest
from django.core import mail
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from core.models import OutboxMessage
from events.models import Event, TicketType
from sales import exceptions, lifecycle, pricing, purchase, stock
from sales.models import Hold, Order, Ticket, Voucher
from tests.factories import allocated, make_event, make_ticket_type, make_user, only_date

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


@pytest.fixture
def event():
    event = make_event(slug="gig", currency="EUR")
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=5)
    return event


def standard(event) -> TicketType:
    return event.ticket_types.get(name="Standard")


def post(client: Client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json", headers=INERTIA)


def reserve(client, event, n=2, **extra):
    return post(client, f"/events/{event.slug}/hold/", {"quantities": {str(standard(event).pk): n}, **extra})


def test_reserve_then_pay_with_the_demo_card(client, event):
    response = reserve(client, event, 2)
    assert response.status_code == 302
    checkout_url = response["Location"]
    assert re.fullmatch(r"/checkout/[0-9a-f-]{36}/", checkout_url)
    assert allocated(standard(event)) == 2

    page = client.get(checkout_url, headers=INERTIA).json()
    assert page["component"] == "Checkout/Show"
    assert page["props"]["total"] == "40.00"
    assert 590 <= page["props"]["seconds_left"] <= 600
    # Cards before the bank transfer (the checkout preselects the first).
    assert [m["name"] for m in page["props"]["payment_methods"]] == ["demo", "offline"]

    response = post(
        client,
        checkout_url,
        {"name": "Ana", "email": "ana@example.com", "payment_method": "demo", "card_number": "4242"},
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.code}/{order.secret}/"
    assert order.status == Order.Status.PAID
    assert order.total == Decimal("40.00")
    assert allocated(standard(event)) == 2  # the hold's stock became the order's
    assert Hold.objects.get().status == Hold.Status.CONVERTED
    assert mail.outbox[0].to == ["ana@example.com"]

    order_page = client.get(response["Location"], headers=INERTIA).json()
    assert order_page["props"]["order"]["status"] == "paid"
    assert len(order_page["props"]["order"]["tickets"]) == 2


def test_checkout_reports_every_field_at_fault_at_once(client, event):
    Event.objects.filter(pk=event.pk).update(collect_attendee_names=True)
    checkout_url = reserve(client, event, 2)["Location"]
    response = post(
        client,
        checkout_url,
        {"name": "", "email": "nope", "attendee_names": ["Ana", ""], "payment_method": "bitcoin"},
    )
    assert response.status_code == 422
    errors = response.json()["props"]["errors"]
    assert errors == {
        "name": "Enter your name.",
        "email": "Enter a valid email address.",
        "attendee_names": "Enter the name of every attendee.",
        "payment_method": "Choose one of the payment methods this event accepts.",
    }
    assert Hold.objects.get().status == Hold.Status.LIVE


def test_buyer_validation_names_the_first_field_and_lists_them_all(event):
    details = pricing.BuyerDetails(
        name="Ana", email="a@[127.0.0.1]", payment_method="x" * 21, card_number="\x00"
    )
    with pytest.raises(exceptions.OrderInvalid) as caught:
        pricing.validate_buyer(details, event, 1, Decimal("20.00"))
    assert (caught.value.field, str(caught.value)) == ("email", caught.value.errors["email"])
    assert list(caught.value.errors) == ["email", "card_number", "payment_method"]
    assert "not an IP address" in caught.value.errors["email"]


def test_checkout_validates_the_buyer_and_keeps_the_hold(client, event):
    checkout_url = reserve(client, event, 1)["Location"]
    response = post(client, checkout_url, {"name": "", "email": "nope", "payment_method": "demo"})
    assert response.status_code == 422
    assert "name" in response.json()["props"]["errors"]
    response = post(client, checkout_url, {"name": "Ana", "email": "nope", "payment_method": "demo"})
    assert "valid email" in response.json()["props"]["errors"]["email"]
    response = post(
        client,
        checkout_url,
        {"name": "Ana", "email": "a@b.co", "payment_method": "demo", "card_number": "4000000000000002"},
    )
    assert "declined" in response.json()["props"]["errors"]["card_number"]
    assert Order.objects.count() == 0
    assert Hold.objects.get().status == Hold.Status.LIVE  # the buyer can try again


def test_an_expired_hold_says_so_and_frees_the_stock(client, event):
    checkout_url = reserve(client, event, 5)["Location"]
    Hold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = client.get(checkout_url, headers=INERTIA)
    assert page.status_code == 410
    assert page.json()["component"] == "Checkout/Expired"
    response = post(client, checkout_url, {"name": "Ana", "email": "a@b.co", "payment_method": "demo"})
    assert response.status_code == 410
    assert Order.objects.count() == 0
    # Availability already counts the expired hold as free; the next buyer takes its stock.
    assert (
        client.get("/events/gig/", headers=INERTIA).json()["props"]["event"]["ticket_types"][0]["available"]
        == 5
    )
    assert reserve(Client(), event, 5).status_code == 302
    assert allocated(standard(event)) == 5


def test_sold_out_reservation_is_refused_on_the_event_page(client, event):
    assert reserve(client, event, 5).status_code == 302
    response = reserve(Client(), event, 1)
    assert response.status_code == 409
    page = response.json()
    assert page["component"] == "Events/Show"
    assert "sold out" in page["props"]["errors"]["form"]


@pytest.mark.parametrize(
    ("quantities", "status"),
    [({}, 422), ({"abc": 1}, 422), ({"1": -1}, 422), ({"999999": 1}, 422), ("nonsense", 422)],
)
def test_bad_quantities_are_refused(client, event, quantities, status):
    response = post(client, "/events/gig/hold/", {"quantities": quantities})
    assert response.status_code == status
    assert Hold.objects.count() == 0


def test_releasing_a_reservation_returns_its_stock(client, event):
    checkout_url = reserve(client, event, 3)["Location"]
    response = post(client, checkout_url + "release/", {})
    assert response["Location"] == f"/events/gig/?date={only_date(event).pk}"  # the same date's page
    assert allocated(standard(event)) == 0


def test_voucher_code_unlocks_hidden_tickets_on_the_event_page(client, event):
    crew = make_ticket_type(event, name="Crew", hidden=True, price=Decimal("0.00"))
    voucher = Voucher.objects.create(
        event=event, code="CREW", kind="percent", value=Decimal("100"), max_usages=3
    )
    voucher.ticket_types.add(crew)

    def names(q):
        return [
            t["name"]
            for t in client.get(f"/events/gig/{q}", headers=INERTIA).json()["props"]["event"]["ticket_types"]
        ]

    assert names("") == ["Standard"]
    assert names("?voucher=crew") == ["Standard", "Crew"]
    page = client.get("/events/gig/?voucher=WRONG", headers=INERTIA).json()["props"]
    assert page["voucher"]["valid"] is False
    # Reserving the hidden type needs the voucher with the reservation.
    assert post(client, "/events/gig/hold/", {"quantities": {str(crew.pk): 1}}).status_code == 422
    response = post(client, "/events/gig/hold/", {"quantities": {str(crew.pk): 1}, "voucher": "CREW"})
    assert response.status_code == 302
    checkout = client.get(response["Location"], headers=INERTIA).json()["props"]
    assert (checkout["total"], checkout["voucher"], checkout["payment_methods"]) == ("0.00", "CREW", [])
    assert post(client, response["Location"], {"name": "Cy", "email": "cy@example.com"}).status_code == 302
    assert Order.objects.get().payment_method == "free"


def test_the_order_page_needs_its_secret_and_my_orders_lists_mine(client, event):
    buyer = make_user()
    client.force_login(buyer)
    checkout_url = reserve(client, event, 1)["Location"]
    post(client, checkout_url, {"name": "Ana", "email": "ana@example.com", "payment_method": "offline"})
    order = Order.objects.get()
    assert order.user == buyer
    assert order.status == Order.Status.PENDING
    assert Client().get(f"/orders/{order.code}/not-the-secret/").status_code == 404
    mine = client.get("/orders/", headers=INERTIA).json()["props"]["orders"]
    assert [o["code"] for o in mine] == [order.code]
    other = Client()
    other.force_login(make_user())
    assert other.get("/orders/", headers=INERTIA).json()["props"]["orders"] == []


def test_cancel_and_refund_return_stock_and_record_money(event):
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    first = purchase.place_order(
        only_date(event), {standard(event).pk: 2}, details, base_url="http://x/"
    ).order
    second = purchase.place_order(
        only_date(event), {standard(event).pk: 2}, details, base_url="http://x/"
    ).order
    assert allocated(standard(event)) == 4

    lifecycle.cancel(first)
    assert Order.objects.get(pk=first.pk).status == Order.Status.CANCELLED
    assert allocated(standard(event)) == 2
    with pytest.raises(exceptions.OrderConflict):
        lifecycle.cancel(first)

    with pytest.raises(exceptions.OrderInvalid):
        lifecycle.refund(second, Decimal("40.01"))
    lifecycle.refund(second, Decimal("15.00"), reason="one ticket")
    second.refresh_from_db()
    assert (second.status, second.refunded_amount) == (Order.Status.PARTIALLY_REFUNDED, Decimal("15.00"))
    assert allocated(standard(event)) == 2
    lifecycle.refund(second, Decimal("25.00"))
    second.refresh_from_db()
    assert (second.status, second.refunded_amount) == (Order.Status.REFUNDED, Decimal("40.00"))
    assert allocated(standard(event)) == 0
    assert [r.amount for r in second.refunds.order_by("id")] == [Decimal("15.00"), Decimal("25.00")]


def test_bank_transfer_order_expires_after_its_deadline_and_frees_stock(event):
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="offline")
    pending = purchase.place_order(
        only_date(event), {standard(event).pk: 5}, details, base_url="http://x/"
    ).order
    assert pending.status == Order.Status.PENDING
    with pytest.raises(exceptions.OrderConflict):
        purchase.place_order(only_date(event), {standard(event).pk: 1}, details, base_url="http://x/")
    Order.objects.filter(pk=pending.pk).update(payment_deadline=timezone.now() - dt.timedelta(minutes=1))
    # The next purchase finds the overdue order and takes its stock; no worker ran.
    purchase.place_order(only_date(event), {standard(event).pk: 1}, details, base_url="http://x/")
    assert Order.objects.get(pk=pending.pk).status == Order.Status.EXPIRED
    assert allocated(standard(event)) == 1


def test_marking_a_bank_transfer_paid(event):
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="offline")
    order = purchase.place_order(
        only_date(event), {standard(event).pk: 1}, details, base_url="http://x/"
    ).order
    lifecycle.mark_paid(order, reference="bank 2026-11-25")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.payments.get().status == "succeeded"


@contextmanager
def ticket_inserts_fail_in_the_database():
    """A fault inside PostgreSQL halfway through writing an order: inserting a ticket
    raises, after the stock and the order row were written by the same statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION fail_ticket() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER fail_ticket BEFORE INSERT ON sales_ticket "
            "FOR EACH ROW EXECUTE FUNCTION fail_ticket()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER fail_ticket ON sales_ticket")
            cursor.execute("DROP FUNCTION fail_ticket()")


def test_a_database_error_mid_purchase_leaves_no_partial_order(event, monkeypatch):
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    # The ORM writes the rows on SQLite (bulk_create fails); on PostgreSQL the
    # statement does (a trigger fails it inside the database).
    monkeypatch.setattr(Ticket.objects, "bulk_create", broken)
    with (
        ticket_inserts_fail_in_the_database() if connection.vendor == "postgresql" else nullcontext(),
        pytest.raises(DatabaseError),
    ):
        purchase.place_order(only_date(event), {standard(event).pk: 2}, details, base_url="http://x/")
    assert Order.objects.count() == 0
    assert allocated(standard(event)) == 0
    assert allocated(event) == 0
    assert not OutboxMessage.objects.exists()

    # Through the web checkout: the hold survives the failure, whole, for another try.
    hold = stock.hold(only_date(event), {standard(event).pk: 2})
    with (
        ticket_inserts_fail_in_the_database() if connection.vendor == "postgresql" else nullcontext(),
        pytest.raises(DatabaseError),
    ):
        purchase.complete_checkout(hold, details, user=None, base_url="http://x/")
    assert Order.objects.count() == 0
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.LIVE
    assert allocated(standard(event)) == 2


def test_release_expired_frees_every_expired_hold_and_overdue_order_at_once():
    event = make_event(capacity=20, payment_methods=["offline"])
    ticket_type = make_ticket_type(event, name="Standard", price=Decimal("10.00"), capacity=20)
    voucher = Voucher.objects.create(event=event, code="TEN", value=Decimal("10"), max_usages=5)
    past = timezone.now() - dt.timedelta(minutes=1)
    expired_holds = [stock.hold(only_date(event), {ticket_type.pk: n}) for n in (1, 2, 3)]
    live_hold = stock.hold(only_date(event), {ticket_type.pk: 1})
    Hold.objects.filter(pk__in=[h.pk for h in expired_holds]).update(expires_at=past)

    def offline_order(code: str | None) -> Order:
        details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="offline")
        fresh = only_date(Event.objects.get(pk=event.pk))
        return purchase.place_order(
            fresh, {ticket_type.pk: 2}, details, voucher_code=code, base_url="http://x/"
        ).order

    overdue = [offline_order("TEN"), offline_order("TEN")]
    waiting = offline_order(None)
    Order.objects.filter(pk__in=[o.pk for o in overdue]).update(payment_deadline=past)
    assert Voucher.objects.get(pk=voucher.pk).redeemed == 2

    assert stock.release_expired(only_date(event).pk) == 1 + 2 + 3 + 2 + 2
    assert stock.release_expired(only_date(event).pk) == 0  # each returns its stock once

    assert set(
        Hold.objects.filter(pk__in=[h.pk for h in expired_holds]).values_list("status", flat=True)
    ) == {Hold.Status.RELEASED}
    assert Hold.objects.get(pk=live_hold.pk).status == Hold.Status.LIVE
    assert set(Order.objects.filter(pk__in=[o.pk for o in overdue]).values_list("status", flat=True)) == {
        Order.Status.EXPIRED
    }
    assert Order.objects.get(pk=waiting.pk).status == Order.Status.PENDING
    assert Voucher.objects.get(pk=voucher.pk).redeemed == 0
    ticket_type.refresh_from_db()
    event.refresh_from_db()
    assert allocated(ticket_type) == allocated(event) == 1 + 2  # the live hold and the waiting order
