"""The one definition of each business number (sales.quotas, sales.models querysets)."""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from accounts import tokens
from accounts.models import Membership
from sales import lifecycle, pricing, purchase, stock
from sales.models import Order, Ticket, admissible_orders
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "method", "admit_unpaid"),
    list(itertools.product(Order.Status.values, ["offline", "demo", "stripe"], [True, False])),
)
def test_an_order_in_hand_and_the_query_agree_on_who_gets_in(status, method, admit_unpaid):
    event = make_event()
    event.organizer.admit_unpaid_bank_transfers = admit_unpaid
    event.organizer.save()
    ticket_type = make_ticket_type(event)
    order = Order.objects.create(
        event=event,
        date=only_date(event),
        buyer_name="Ana",
        buyer_email="ana@example.com",
        payment_method=method,
        status=status,
        subtotal=0,
        discount=0,
        total=0,
    )
    Ticket.objects.create(order=order, ticket_type=ticket_type, price=0)
    in_query = Order.objects.filter(admissible_orders(), pk=order.pk).exists()
    assert Order.objects.get(pk=order.pk).admits_holders == in_query
    assert Ticket.objects.admissible().filter(order=order).exists() == in_query
    assert in_query == (
        status in ("paid", "partially_refunded")
        or (status == "pending" and method == "offline" and admit_unpaid)
    )


def test_after_a_partial_refund_every_screen_and_export_shows_the_same_sold_count(settings):
    """Sold = tickets in pending or paid orders, less refunded (voided) ones, in the
    event editor, the dashboard, orders.csv, attendees.csv and the organizer API."""
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", payment_methods=["demo", "offline"])
    floor = make_ticket_type(event, name="Floor", price=Decimal("20.00"), capacity=50)

    def buy(n: int, method: str = "demo") -> Order:
        details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method=method)
        return purchase.place_order(
            only_date(event), {floor.pk: n}, details, base_url="http://testserver/"
        ).order

    refunded_in_part = buy(3)
    buy(2, "offline")  # pending: counts as sold until it expires or is cancelled
    lifecycle.cancel(buy(4))  # cancelled: counts nowhere
    stock.hold(only_date(event), {floor.pk: 5})  # in a cart: reserved, not sold
    first_ticket = refunded_in_part.tickets.first()
    assert first_ticket is not None
    lifecycle.refund(refunded_in_part, tickets=[first_ticket.pk])
    expected = 3 - 1 + 2

    client = Client()
    client.force_login(make_member(organizer, role=Membership.Role.MANAGER))
    inertia = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
    editor = client.get("/manage/acme/events/gig/", headers=inertia).json()["props"]
    dashboard = client.get("/manage/acme/events/gig/dashboard/", headers=inertia).json()["props"]

    def rows(kind: str) -> list[dict[str, str]]:
        response = client.get(f"/manage/acme/events/gig/export/{kind}.csv")
        assert isinstance(response, StreamingHttpResponse)
        return list(csv.DictReader(io.StringIO(response.getvalue().decode())))

    orders_csv = sum(int(r["tickets"]) for r in rows("orders") if r["status"] in Order.HOLDING_STOCK)
    attendees_csv = sum(1 for r in rows("attendees") if r["ticket_type"] == "Floor" and not r["void"])
    token = tokens.create_token(organizer=organizer, name="crm", role="manager", created_by=None)[1]
    api = Client().get("/api/v1/manage/events/gig/ticket-types", headers={"Authorization": f"Bearer {token}"})

    assert [t["sold"] for t in editor["ticket_types"]] == [expected]
    assert [t["sold"] for t in dashboard["figures"]["ticket_types"]] == [expected]
    assert orders_csv == expected
    assert attendees_csv == expected
    assert [t["sold"] for t in api.json()] == [expected]
    assert api.json()[0]["available"] == 50 - expected - 5
