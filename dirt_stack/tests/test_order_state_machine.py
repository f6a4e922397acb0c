"""Property test of the order state machine: any sequence of purchases, payments (on time
and late), expiries, cancellations, refunds (by amount, by ticket, failing and retried)
keeps stock, vouchers, tickets, payments and refunds in agreement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from events.models import DateTicketType, EventDate
from sales import exceptions, lifecycle, pricing, purchase, stock
from sales.models import Order, Payment, Refund, Ticket, Voucher
from sales.payments import PROVIDERS, DemoProvider
from tests.factories import make_event, make_ticket_type

BASE_URL = "http://testserver/"


class FlakyDemo(DemoProvider):
    """The demo card provider, refusing refunds while ``down``."""

    down = False

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        if self.down:
            raise RuntimeError("provider down")
        return super().refund(order, amount, reference, idempotency_key=idempotency_key)


class OrderMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    # Each example makes its own event in the same test transaction: the invariants look at
    # this example's rows only, or every step would read all the examples before it.
    def __init__(self) -> None:
        super().__init__()
        self.provider = FlakyDemo()
        PROVIDERS["demo"] = self.provider
        event = make_event(capacity=6, payment_methods=["demo", "offline"])
        self.types = [
            make_ticket_type(event, name="A", capacity=4, price=Decimal("10.00"), max_per_order=3),
            make_ticket_type(event, name="B", capacity=4, price=Decimal("0.00"), max_per_order=3),
        ]
        self.event_id = event.pk
        self.date_id = event.dates.get().pk
        self.voucher = Voucher.objects.create(event=event, code="V", value=Decimal("10"), max_usages=1000)

    def teardown(self) -> None:
        PROVIDERS["demo"] = DemoProvider()

    def _date(self) -> EventDate:
        return EventDate.objects.select_related("event").get(pk=self.date_id)

    @rule(
        target=orders,
        type_index=st.integers(0, 1),
        quantity=st.integers(1, 3),
        method=st.sampled_from(["demo", "offline"]),
        voucher=st.booleans(),
    )
    def buy(self, type_index: int, quantity: int, method: str, voucher: bool):
        details = pricing.BuyerDetails(name="B", email="b@example.com", payment_method=method)
        try:
            return purchase.place_order(
                self._date(),
                {self.types[type_index].pk: quantity},
                details,
                voucher_code="V" if voucher else None,
                base_url=BASE_URL,
            ).order
        except exceptions.OrderConflict:
            return None

    @rule(order=orders)
    def mark_paid(self, order):
        if order is not None:
            try:
                lifecycle.mark_paid(order, reference=f"ref-{order.pk}", base_url=BASE_URL)
            except exceptions.OrderConflict:
                assert Order.objects.get(pk=order.pk).status in (Order.Status.CANCELLED,)

    @rule(order=orders)
    def pass_deadline(self, order):
        if order is not None:
            passed = timezone.now() - dt.timedelta(seconds=1)
            Order.objects.filter(pk=order.pk).update(payment_deadline=passed)
            stock.release_expired(self.date_id)

    @rule(order=orders)
    def pay_late(self, order):
        """The deadline passes (the order expires unless paid), then the payment arrives."""
        self.pass_deadline(order)
        self.mark_paid(order)

    @rule(order=orders)
    def cancel(self, order):
        if order is not None:
            try:
                lifecycle.cancel(order)
            except exceptions.OrderConflict:
                assert Order.objects.get(pk=order.pk).status not in Order.HOLDING_STOCK

    @rule(order=orders, down=st.booleans())
    def refund_a_ticket(self, order, down: bool):
        if order is None:
            return
        ticket = Ticket.objects.filter(order=order, voided_at__isnull=True).first()
        if ticket is None:
            return
        self.provider.down = down
        try:
            lifecycle.refund(order, tickets=[ticket.pk], reason="one")
        except (exceptions.OrderConflict, exceptions.OrderInvalid):
            pass
        finally:
            self.provider.down = False

    @rule(order=orders, cents=st.integers(1, 4000), down=st.booleans())
    def refund_an_amount(self, order, cents: int, down: bool):
        if order is None:
            return
        self.provider.down = down
        try:
            lifecycle.refund(order, Decimal(cents) / 100)
        except (exceptions.OrderConflict, exceptions.OrderInvalid):
            pass
        finally:
            self.provider.down = False

    @rule()
    def retry_failed_refunds(self):
        for failed in Refund.objects.filter(status=Refund.Status.FAILED, order__event_id=self.event_id):
            lifecycle.retry_refund(failed)

    @invariant()
    def counters_are_the_non_void_tickets_of_holding_orders(self):
        date = EventDate.objects.get(pk=self.date_id)
        total = 0
        for row in DateTicketType.objects.filter(date=date):
            sold = Ticket.objects.holding_stock().filter(ticket_type_id=row.ticket_type_id, order__date=date)
            assert row.allocated == sold.count()
            assert row.allocated <= row.capacity
            total += row.allocated
        assert date.allocated == total
        self.voucher.refresh_from_db()
        assert (
            self.voucher.redeemed
            == Order.objects.filter(voucher=self.voucher, status__in=Order.HOLDING_STOCK).count()
        )

    @invariant()
    def a_void_ticket_is_never_admissible(self):
        admissible = Ticket.objects.admissible().filter(order__event_id=self.event_id)
        assert not admissible.filter(voided_at__isnull=False).exists()
        assert not admissible.exclude(order__status__in=(*Order.VALID_PAID, Order.Status.PENDING)).exists()

    @invariant()
    def status_refunds_and_payments_agree(self):
        for order in Order.objects.filter(event_id=self.event_id):
            succeeded = order.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(s=Sum("amount"))["s"]
            assert order.refunded_amount == (succeeded or Decimal("0"))
            assert Decimal("0") <= order.refunded_amount <= order.total
            paid = order.payments.filter(status=Payment.Status.SUCCEEDED)
            tickets = Ticket.objects.filter(order=order)
            void = tickets.filter(voided_at__isnull=False).count()
            if order.status in (*Order.VALID_PAID, Order.Status.REFUNDED) and order.total > 0:
                assert paid.exists(), order.status
            if order.status == Order.Status.PAID:
                assert order.refunded_amount == 0
                assert void == 0
            if order.status == Order.Status.PARTIALLY_REFUNDED:
                assert order.refunded_amount > 0 or void > 0
                assert order.refunded_amount < order.total or order.total == 0
                assert void < tickets.count()
            if order.status == Order.Status.REFUNDED:
                assert order.refunded_amount == order.total or void == tickets.count()
            if order.status == Order.Status.PENDING:
                assert not paid.exists()
                assert void == 0
            if order.status == Order.Status.EXPIRED:
                # Money on an expired order is a late payment to refund, or refunded.
                late = paid.aggregate(s=Sum("amount"))["s"] or Decimal("0")
                assert order.refunded_amount <= late
                assert lifecycle.needs_refund(order) == late - order.refunded_amount
            if order.status != Order.Status.EXPIRED:
                assert not order.payments.filter(needs_refund=True).exists()
            asked = order.refunds.filter(status__in=lifecycle.OPEN_REFUNDS).aggregate(s=Sum("amount"))["s"]
            assert order.refunded_amount + (asked or 0) <= order.total


@pytest.mark.django_db
def test_order_state_machine(settings):
    settings.DEMO_PAYMENTS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    OrderMachine.TestCase.settings = hypothesis_settings(
        max_examples=80,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    OrderMachine.TestCase().runTest()
