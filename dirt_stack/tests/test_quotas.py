"""The one definition of each business number (sales.quotas, sales.models querysets)."""

from __future__ import annotations

import itertools

import pytest

from sales.models import Order, Ticket, admissible_orders
from tests.factories import make_event, make_ticket_type

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
    assert in_query == (status == "paid" or (status == "pending" and method == "offline" and admit_unpaid))
