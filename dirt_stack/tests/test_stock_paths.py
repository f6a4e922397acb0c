"""The purchase path at an on-sale rush (ADR 0012): a date's row is written only under a
shared capacity, and "sold out" is answered from the counters a request already read."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.models import RateLimitCounter
from events import date_services, dates
from events.models import DateTicketType, EventDate
from sales import exceptions, lifecycle, purchase, soldout, stock
from sales.models import Hold, Order
from tests.factories import allocated, make_date, make_event, make_ticket_type, only_date, shared_allocated
from tests.support.dates import buy, hold
from tests.support.races import run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _demo_payments(settings):
    settings.DEMO_PAYMENTS = True


def row_version(date: EventDate) -> str:
    """PostgreSQL's xmin of the date's row: it changes when the row is written (not when
    it is locked FOR SHARE)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM events_eventdate WHERE id = %s", [date.pk])
        return str(cursor.fetchone()[0])


# --- The date's row ------------------------------------------------------------------------


def test_without_a_shared_capacity_only_the_ticket_types_rows_count():
    event = make_event()
    standard = make_ticket_type(event, capacity=5)
    vip = make_ticket_type(event, capacity=2)
    date = only_date(event)
    version = row_version(date) if connection.vendor == "postgresql" else None
    buy(date, {standard.pk: 2, vip.pk: 1})
    held = hold(date, {standard.pk: 1})
    assert shared_allocated(date) == 0
    assert allocated(date) == 4
    if version is not None:
        assert row_version(date) == version  # never written, only share-locked
    stock.release(held)
    assert (shared_allocated(date), allocated(date)) == (0, 3)


def test_a_shared_capacity_is_counted_on_the_date_and_never_oversold():
    event = make_event(capacity=3)
    standard = make_ticket_type(event, capacity=5)
    vip = make_ticket_type(event, capacity=5)
    date = only_date(event)
    buy(date, {standard.pk: 2})
    with pytest.raises(stock.SoldOut):
        buy(date, {vip.pk: 2})
    held = hold(date, {vip.pk: 1})
    assert (shared_allocated(date), allocated(date)) == (3, 3)
    stock.release(held)
    assert (shared_allocated(date), allocated(date)) == (2, 2)


def test_a_capacity_set_from_none_counts_the_tickets_already_taken():
    event = make_event()
    standard = make_ticket_type(event, capacity=10)
    date = only_date(event)
    buy(date, {standard.pk: 4})
    with pytest.raises(Exception, match="allocated_within_capacity"):
        dates.set_capacity([date.pk], 3)
    assert EventDate.objects.get(pk=date.pk).capacity is None
    dates.set_capacity([date.pk], 5)
    assert shared_allocated(date) == 4
    date.refresh_from_db()
    buy(date, {standard.pk: 1})
    with pytest.raises(stock.SoldOut):
        buy(date, {standard.pk: 1})
    dates.set_capacity([date.pk], None)
    assert shared_allocated(date) == 0
    date.refresh_from_db()
    buy(date, {standard.pk: 1})
    assert allocated(date) == 6


def test_an_event_capacity_below_what_sold_since_the_form_checked_is_a_field_error():
    event = make_event()
    standard = make_ticket_type(event, capacity=10)
    buy(only_date(event), {standard.pk: 4})
    event.capacity = 3
    with pytest.raises(ValidationError) as refused:
        dates.follow_event_capacity(event, None)
    assert "4 tickets are already sold" in refused.value.message_dict["capacity"][0]
    assert EventDate.objects.get(event=event).capacity is None


def test_a_purchase_that_read_the_capacity_before_it_changed_still_takes_the_right_rows():
    """The claims follow the capacity as read; when it came or went since, the write is
    refused (DateStockChanged) and tried again with the capacity in force."""
    event = make_event()
    standard = make_ticket_type(event, capacity=10)
    stale = only_date(event)
    dates.set_capacity([stale.pk], 8)
    stale.event = event
    buy(stale, {standard.pk: 2})  # read without a capacity, taken under it
    assert (shared_allocated(stale), allocated(stale)) == (2, 2)
    assert stale.capacity == 8
    dates.set_capacity([stale.pk], None)
    held = hold(stale, {standard.pk: 1})  # read with one, taken without
    assert (shared_allocated(stale), allocated(stale)) == (0, 3)
    assert held.pk is not None


def test_the_event_form_capacity_counts_tickets_of_dates_without_one():
    from events.forms import EventForm

    event = make_event()
    standard = make_ticket_type(event, capacity=10)
    buy(only_date(event), {standard.pk: 4})
    data = {
        "title": event.title,
        "slug": event.slug,
        "timezone": event.timezone,
        "capacity": "3",
    }
    form = EventForm(data, instance=event)
    form.is_valid()
    assert "already sold" in str(form.errors.get("capacity"))


def test_a_date_with_held_tickets_and_no_capacity_is_not_deleted():
    event = make_event()
    standard = make_ticket_type(event, capacity=10)
    make_date(event)
    date = EventDate.objects.select_related("event").filter(event=event).order_by("pk")[0]
    hold(date, {standard.pk: 4})
    assert date_services.allocated_on(date.pk) == 4
    assert "Tickets for this date were ordered" in (date_services.deletion_refusal(date) or "")


@pytest.mark.postgres
def test_purchases_of_a_date_without_capacity_and_its_cancellation_never_leave_an_order_behind():
    """Purchases share-lock the date's row; cancelling it waits for them and they for it,
    so every order written is one the cancellation settles."""
    from sales import date_changes

    event = make_event()
    types = [make_ticket_type(event, capacity=100) for _ in range(3)]
    date = only_date(event)
    outcomes: list[str] = []

    def buyer(i: int) -> None:
        own = EventDate.objects.select_related("event").get(pk=date.pk)
        for _ in range(4):
            try:
                buy(own, {types[i % 3].pk: 1}, email=f"b{i}@example.com")
                outcomes.append("bought")
            except exceptions.OrderConflict:
                outcomes.append("refused")

    def cancel() -> None:
        own = EventDate.objects.select_related("event").get(pk=date.pk)
        date_changes.cancel_date(own, by=None, base_url="http://testserver/")

    run_together(*(lambda i=i: buyer(i) for i in range(6)), cancel)
    assert len(outcomes) == 24
    assert not Order.objects.filter(date=date, status__in=["paid", "pending"]).exists()
    assert allocated(date) == 0


# --- "Sold out" at the cost of a read ------------------------------------------------------


def api_buy(client, event, ticket_type, n=1, **headers):
    body = {
        "lines": [{"ticket_type_id": ticket_type.pk, "quantity": n}],
        "buyer": {"name": "Ana Buyer", "email": "ana@example.com"},
        "payment_method": "demo",
    }
    return client.post(
        f"/api/v1/events/{event.slug}/orders",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def a_second_later() -> None:
    """Stock freed by another process (or by the clock) is sold in this one once its
    sold-out snapshots are REFRESH_SECONDS old (sales.soldout): as if they were."""
    soldout.forget()


@pytest.fixture
def sold_out(settings):
    settings.PURCHASE_RATE_LIMIT = 100
    event = make_event(slug="rush")
    standard = make_ticket_type(event, name="Standard", price=Decimal("10.00"), capacity=2)
    date = only_date(event)
    return {"event": event, "standard": standard, "date": date}


def test_a_sold_out_purchase_is_refused_with_one_query_before_the_rate_limiter(
    client, sold_out, django_assert_num_queries
):
    event, standard = sold_out["event"], sold_out["standard"]
    assert api_buy(client, event, standard, 2).status_code == 201
    counters = RateLimitCounter.objects.count()
    # One query: the event, date and rows, whether anything could come back, and whether
    # an order has the Idempotency-Key.
    with django_assert_num_queries(1):
        refused = api_buy(client, event, standard, 1, **{"Idempotency-Key": "k-1"})
    assert refused.status_code == 409
    assert "sold out" in refused.json()["detail"]
    assert RateLimitCounter.objects.count() == counters  # the limiter never ran


def test_an_invalid_request_for_a_sold_out_type_keeps_its_own_answer(client, sold_out):
    event, standard = sold_out["event"], sold_out["standard"]
    assert api_buy(client, event, standard, 2).status_code == 201
    assert api_buy(client, event, standard, 11).status_code == 422


def test_a_replayed_purchase_after_the_sell_out_returns_its_order(client, sold_out):
    event, standard = sold_out["event"], sold_out["standard"]
    first = api_buy(client, event, standard, 2, **{"Idempotency-Key": "mine"})
    assert first.status_code == 201
    again = api_buy(client, event, standard, 2, **{"Idempotency-Key": "mine"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"


def test_stock_sells_again_after_a_hold_expires(client, sold_out):
    event, standard, date = sold_out["event"], sold_out["standard"], sold_out["date"]
    held = hold(date, {standard.pk: 2})
    assert api_buy(client, event, standard).status_code == 409
    Hold.objects.filter(pk=held.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    a_second_later()
    assert api_buy(client, event, standard).status_code == 201


def test_stock_sells_again_after_an_overdue_order(client, sold_out):
    event, standard, date = sold_out["event"], sold_out["standard"], sold_out["date"]
    order = buy(date, {standard.pk: 2}, method="offline")
    assert api_buy(client, event, standard).status_code == 409
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - dt.timedelta(seconds=1))
    a_second_later()
    assert api_buy(client, event, standard).status_code == 201


def test_stock_sells_again_after_a_cancellation(client, sold_out):
    event, standard, date = sold_out["event"], sold_out["standard"], sold_out["date"]
    order = buy(date, {standard.pk: 2})
    assert api_buy(client, event, standard).status_code == 409
    lifecycle.cancel(order, actor=None)
    assert api_buy(client, event, standard).status_code == 201


def test_stock_sells_again_after_the_capacity_is_raised(client, sold_out):
    event, standard, date = sold_out["event"], sold_out["standard"], sold_out["date"]
    buy(date, {standard.pk: 2})
    assert api_buy(client, event, standard).status_code == 409
    DateTicketType.objects.filter(date=date, ticket_type=standard).update(capacity=3)
    a_second_later()
    assert api_buy(client, event, standard).status_code == 201


def test_a_shared_capacity_sold_out_is_refused_cheaply_too(client, django_assert_num_queries):
    event = make_event(slug="shared", capacity=2)
    standard = make_ticket_type(event, capacity=5)
    vip = make_ticket_type(event, capacity=5)
    buy(only_date(event), {standard.pk: 2})
    with django_assert_num_queries(1):
        refused = api_buy(client, event, vip)
    assert refused.status_code == 409
    assert "this event" in refused.json()["detail"]


def test_the_web_hold_is_refused_before_the_rate_limiter(client, sold_out):
    event, standard, date = sold_out["event"], sold_out["standard"], sold_out["date"]
    buy(date, {standard.pk: 2})
    counters = RateLimitCounter.objects.count()
    response = client.post(
        f"/events/{event.slug}/hold/",
        json.dumps({"date": date.pk, "quantities": {str(standard.pk): 1}}),
        content_type="application/json",
        headers={"X-Inertia": "true"},
    )
    assert response.status_code == 409
    assert "sold out" in response.json()["props"]["errors"]["form"]
    assert RateLimitCounter.objects.count() == counters
    assert not Hold.objects.filter(date=date, status="live").exists()


def test_known_sold_out_reads_the_counters_as_given():
    event = make_event()
    standard = make_ticket_type(event, capacity=1)
    date = only_date(event)
    offers = {standard.pk: DateTicketType.objects.select_related("ticket_type").get(date=date)}
    assert stock.known_sold_out(date, offers, {standard.pk: 1}) is None
    buy(date, {standard.pk: 1})
    assert stock.known_sold_out(date, offers, {standard.pk: 1}) is None  # as read: one left
    offers = {standard.pk: DateTicketType.objects.select_related("ticket_type").get(date=date)}
    assert isinstance(stock.known_sold_out(date, offers, {standard.pk: 1}), stock.SoldOut)
    target = purchase.PurchaseTarget(event, date, {standard.pk: standard}, offers)
    assert purchase.known_sold_out(target, {standard.pk: 1}, voucher_code="CODE") is None
