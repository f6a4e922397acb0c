"""Must-show: 1,000 orders paid at once on PostgreSQL, from real threads, get invoices
numbered 1 to 1,000 with no gap and no duplicate (the series' row is incremented in each
order's transaction)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from django.db import connection

from invoicing.models import Invoice, InvoiceSeries
from sales.models import Order
from tests.factories import make_event, make_ticket_type
from tests.support.invoices import buy, invoicing_event
from tests.support.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# More threads than the connection pool holds (DATABASE_POOL_MAX_SIZE): each gives its
# connection back after every order, so the threads' purchases interleave on all of them.
ORDERS, THREADS = 1000, 20
# The organizer's events the orders are spread over: one series numbers them all, while no
# event's stock row has more than a couple of threads queueing on it (a single row's queue of
# twenty would measure the stock lock's wait against DATABASE_LOCK_TIMEOUT, not the series).
EVENTS = 10


def test_a_thousand_concurrent_paid_orders_get_invoices_one_to_a_thousand(settings):
    settings.DEMO_PAYMENTS = True
    first = invoicing_event(payment_methods=["demo"])
    events = [first] + [
        make_event(organizer=first.organizer, currency="EUR", country="DE", payment_methods=["demo"])
        for _ in range(EVENTS - 1)
    ]
    entries = [make_ticket_type(event, price=Decimal("12.00"), capacity=ORDERS) for event in events]

    def buyer(thread: int) -> None:
        event, entry = events[thread % EVENTS], entries[thread % EVENTS]
        for n in range(ORDERS // THREADS):
            buy(event, {entry: 1}, method="demo", email=f"buyer-{thread}-{n}@example.com")
            connection.close()

    run_together(*(partial(buyer, thread) for thread in range(THREADS)))

    assert Order.objects.filter(status=Order.Status.PAID).count() == ORDERS
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, ORDERS + 1))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"ACME-{n:05d}" for n in range(1, ORDERS + 1)
    ]
    assert Invoice.objects.values("order").distinct().count() == ORDERS
    assert InvoiceSeries.objects.get(organizer=first.organizer, prefix="ACME-").last_number == ORDERS
