"""Property test of the stock service on a series of dates: any sequence of holds,
expiries, purchases, cancellations, refunds and status changes on any of the
dates keeps every date's counters exact and never oversells one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from events.models import DateTicketType, EventDate
from sales import exceptions, lifecycle, pricing, purchase, stock
from sales.models import Hold, HoldLine, Ticket
from tests.factories import make_date, make_event, make_ticket_type

BASE_URL = "http://testserver/"
DATES = 3
dates = st.integers(0, DATES - 1)
type_indexes = st.integers(0, 1)
quantities = st.integers(1, 5)


class StockMachine(RuleBasedStateMachine):
    holds = Bundle("holds")
    paid_orders = Bundle("paid_orders")

    def __init__(self) -> None:
        super().__init__()
        event = make_event(capacity=12)
        self.types = [
            make_ticket_type(event, name="A", capacity=8, price=Decimal("10.00"), max_per_order=5),
            make_ticket_type(event, name="B", capacity=6, price=Decimal("0.00"), max_per_order=5),
        ]
        # Three dates: the event's defaults; a smaller room; fewer of A.
        self.date_ids = [event.dates.get().pk, make_date(event, capacity=7).pk, make_date(event).pk]
        DateTicketType.objects.filter(date_id=self.date_ids[2], ticket_type=self.types[0]).update(capacity=3)

    def _date(self, index: int) -> EventDate:
        """The date fresh from the database, with its event (what purchases take)."""
        return EventDate.objects.select_related("event").get(pk=self.date_ids[index])

    @rule(target=holds, date=dates, type_index=type_indexes, quantity=quantities)
    def hold(self, date: int, type_index: int, quantity: int):
        try:
            return stock.hold(self._date(date), {self.types[type_index].pk: quantity})
        except exceptions.OrderConflict:  # sold out, or the date is not on sale
            return None

    @rule(held=holds)
    def expire(self, held):
        if held is not None:
            Hold.objects.filter(pk=held.pk).update(expires_at=timezone.now())

    @rule(date=dates)
    def release_expired(self, date: int):
        stock.release_expired(self.date_ids[date])

    @rule(target=paid_orders, held=consumes(holds))
    def checkout(self, held):
        if held is None:
            return None
        details = pricing.BuyerDetails(name="Buyer", email="b@example.com", payment_method="demo")
        try:
            return purchase.complete_checkout(held, details, user=None, base_url=BASE_URL).order
        except exceptions.OrderConflict:  # the hold expired, or its date stopped selling
            return None

    @rule(held=consumes(holds))
    def give_up(self, held):
        if held is not None:
            stock.release(held)

    @rule(target=paid_orders, date=dates, type_index=type_indexes, quantity=quantities)
    def buy_directly(self, date: int, type_index: int, quantity: int):
        details = pricing.BuyerDetails(name="Buyer", email="b@example.com", payment_method="demo")
        try:
            placed = purchase.place_order(
                self._date(date), {self.types[type_index].pk: quantity}, details, base_url=BASE_URL
            )
        except exceptions.OrderConflict:
            return None
        return placed.order

    @rule(order=consumes(paid_orders))
    def cancel(self, order):
        if order is not None:
            lifecycle.cancel(order)

    @rule(order=consumes(paid_orders))
    def refund_fully(self, order):
        if order is not None and order.total > 0:
            lifecycle.refund(order, order.total)

    @rule(date=dates, status=st.sampled_from([EventDate.Status.SOLD_OUT, EventDate.Status.ON_SALE]))
    def set_status(self, date: int, status: str):
        """The organizer stops or resumes a date's sales (its counters stay)."""
        EventDate.objects.filter(pk=self.date_ids[date]).update(status=status)

    @invariant()
    def every_date_counts_what_is_held_and_sold_on_it(self):
        now = timezone.now()
        for date in EventDate.objects.filter(pk__in=self.date_ids):
            total = 0
            for row in DateTicketType.objects.filter(date=date):
                lines = HoldLine.objects.filter(
                    ticket_type_id=row.ticket_type_id, hold__date=date, hold__status=Hold.Status.LIVE
                )
                in_holds = lines.aggregate(n=Sum("quantity"))["n"] or 0
                in_live_holds = lines.filter(hold__expires_at__gt=now).aggregate(n=Sum("quantity"))["n"] or 0
                sold = Ticket.objects.holding_stock().filter(
                    ticket_type_id=row.ticket_type_id, order__date=date
                )
                assert row.allocated == in_holds + sold.count()
                assert row.allocated <= row.capacity
                assert sold.count() + in_live_holds <= row.capacity  # never oversold
                total += row.allocated
            assert date.allocated == total
            assert date.capacity is not None
            assert date.allocated <= date.capacity


@pytest.mark.django_db
def test_stock_state_machine(settings):
    settings.DEMO_PAYMENTS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    StockMachine.TestCase.settings = hypothesis_settings(
        max_examples=30,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    StockMachine.TestCase().runTest()
