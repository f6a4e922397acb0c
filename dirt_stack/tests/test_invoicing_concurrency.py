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
from tests.factories import make_ticket_type
from tests.support.invoices import buy, invoicing_event
from tests.support.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# More threads than the connection pool holds (DATABASE_POOL_MAX_SIZE): each gives its
# connection back after every order, so the threads' purchases interleave on all of them.
ORDERS, THREADS = 1000, 20


def test_a_thousand_concurrent_paid_orders_get_invoices_one_to_a_thousand(settings):
    settings.DEMO_PAYMENTS = True
    event = invoicing_event(payment_methods=["demo"])
    entry = make_ticket_type(event, price=Decimal("12.00"), capacity=ORDERS)

    def buyer(thread: int) -> None:
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
    assert InvoiceSeries.objects.get(organizer=event.organizer, prefix="ACME-").last_number == ORDERS
