"""Property test of the stock service: any sequence of holds, expiries, purchases,
cancellations and refunds keeps every counter exact and never oversells."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from events.models import Event, TicketType
from sales import exceptions, lifecycle, pricing, purchase, stock
from sales.models import Hold, HoldLine, Order, OrderLine
from tests.factories import allocated, make_event, make_ticket_type, only_date

BASE_URL = "http://testserver/"


class StockMachine(RuleBasedStateMachine):
    holds = Bundle("holds")
    paid_orders = Bundle("paid_orders")

    def __init__(self) -> None:
        super().__init__()
        self.event = make_event(capacity=12)
        self.types = [
            make_ticket_type(self.event, name="A", capacity=8, price=Decimal("10.00"), max_per_order=5),
            make_ticket_type(self.event, name="B", capacity=6, price=Decimal("0.00"), max_per_order=5),
        ]

    def _fresh_event(self) -> Event:
        return Event.objects.get(pk=self.event.pk)

    @rule(target=holds, type_index=st.integers(0, 1), quantity=st.integers(1, 5))
    def hold(self, type_index: int, quantity: int):
        try:
            return stock.hold(only_date(self._fresh_event()), {self.types[type_index].pk: quantity})
        except stock.SoldOut:
            return None

    @rule(held=holds)
    def expire(self, held):
        if held is not None:
            Hold.objects.filter(pk=held.pk).update(expires_at=timezone.now())

    @rule()
    def release_expired(self):
        stock.release_expired(only_date(self.event).pk)

    @rule(target=paid_orders, held=consumes(holds))
    def checkout(self, held):
        if held is None:
            return None
        details = pricing.BuyerDetails(name="Buyer", email="b@example.com", payment_method="demo")
        try:
            return purchase.complete_checkout(held, details, user=None, base_url=BASE_URL).order
        except stock.HoldExpired:
            return None

    @rule(held=consumes(holds))
    def give_up(self, held):
        if held is not None:
            stock.release(held)

    @rule(target=paid_orders, type_index=st.integers(0, 1), quantity=st.integers(1, 5))
    def buy_directly(self, type_index: int, quantity: int):
        details = pricing.BuyerDetails(name="Buyer", email="b@example.com", payment_method="demo")
        try:
            placed = purchase.place_order(
                only_date(self._fresh_event()),
                {self.types[type_index].pk: quantity},
                details,
                base_url=BASE_URL,
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

    @invariant()
    def counters_match_what_is_held_and_sold(self):
        now = timezone.now()
        event = self._fresh_event()
        total_allocated = 0
        for ticket_type in TicketType.objects.filter(event=event):
            in_holds = (
                HoldLine.objects.filter(ticket_type=ticket_type, hold__status=Hold.Status.LIVE).aggregate(
                    n=Sum("quantity")
                )["n"]
                or 0
            )
            in_orders = (
                OrderLine.objects.filter(
                    ticket_type=ticket_type, order__status__in=Order.HOLDING_STOCK
                ).aggregate(n=Sum("quantity"))["n"]
                or 0
            )
            assert allocated(ticket_type) == in_holds + in_orders
            assert allocated(ticket_type) <= ticket_type.capacity
            live_holds = (
                HoldLine.objects.filter(
                    ticket_type=ticket_type, hold__status=Hold.Status.LIVE, hold__expires_at__gt=now
                ).aggregate(n=Sum("quantity"))["n"]
                or 0
            )
            assert in_orders + live_holds <= ticket_type.capacity  # sold + live holds never exceed capacity
            total_allocated += allocated(ticket_type)
        assert allocated(event) == total_allocated
        assert event.capacity is not None
        assert allocated(event) <= event.capacity


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
