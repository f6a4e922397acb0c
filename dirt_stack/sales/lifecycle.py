"""An order after it is placed: paid, cancelled, expired, refunded.

Every change of an order's status is a conditional UPDATE (``close_order``,
``mark_paid``), so each step happens exactly once even when a cancellation, an
expiry and a payment race. Stock and voucher uses go back through sales.stock;
a late payment takes them again through the same claims as a purchase.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import metrics, statements
from core.money import quantize
from sales import stock, vouchers
from sales.emails import queue_order_confirmation
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import Order, Payment, Refund, Ticket
from sales.payments import provider


def close_order(order_id: int, from_statuses: Iterable[str], to_status: str) -> bool:
    """Move an order from one of ``from_statuses`` to ``to_status`` and return its stock.

    Its tickets go back on sale and its voucher use is given back. The status
    change is a conditional UPDATE, so an order's stock returns exactly once
    even when a cancellation and an expiry race. False if the order was not in
    one of ``from_statuses``.
    """
    with transaction.atomic():
        claimed = Order.objects.filter(pk=order_id, status__in=list(from_statuses)).update(
            status=to_status, cancelled_at=timezone.now()
        )
        if not claimed:
            return False
        order = Order.objects.values("date_id", "voucher_id").get(pk=order_id)
        stock.give_back(order["date_id"], stock.order_quantities([order_id]))
        stock.return_voucher_uses([order["voucher_id"]])
    return True


@transaction.atomic
def mark_paid(order: Order, reference: str = "", base_url: str | None = None) -> Order:
    """Record the payment of a pending order (a bank transfer arrived, Stripe confirmed).

    With ``base_url`` the buyer is emailed the confirmation with the tickets.
    """
    now = timezone.now()
    if Order.objects.filter(pk=order.pk, status=Order.Status.PENDING).update(
        status=Order.Status.PAID, paid_at=now
    ):
        if base_url:
            queue_order_confirmation(order, base_url)
        Payment.objects.filter(order=order, status=Payment.Status.CREATED).update(
            status=Payment.Status.SUCCEEDED, **({"reference": reference} if reference else {})
        )
        if (
            not Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).exists()
            and order.total > 0
        ):
            Payment.objects.create(
                order=order,
                provider=order.payment_method,
                amount=order.total,
                status=Payment.Status.SUCCEEDED,
                reference=reference,
            )
        order.refresh_from_db()
        tickets = order.tickets.count()
        transaction.on_commit(lambda: metrics.emit("TicketsSold", tickets))
        return order
    order.refresh_from_db()
    if order.status == Order.Status.EXPIRED:
        # The money came after the deadline and the stock went back: take it again,
        # with the same claims as a purchase, if it is still there.
        claims = stock.take(order.date_id, stock.order_quantities([order.pk]))
        if order.voucher_id:
            claims.append(vouchers.use(order.voucher_id))
        try:
            statements.claim(claims)
        except stock.SoldOut as exc:
            raise OrderConflict("The order expired and its tickets have been sold meanwhile.") from exc
        Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=now, cancelled_at=None)
        order.refresh_from_db()
        return order
    if order.status != Order.Status.PAID:
        raise OrderConflict(f"A {order.get_status_display().lower()} order cannot be marked paid.")
    return order


def cancel(order: Order) -> Order:
    """Cancel a pending or paid order: its tickets become void and the stock returns."""
    if not close_order(order.pk, Order.HOLDING_STOCK, Order.Status.CANCELLED):
        order.refresh_from_db()
        raise OrderConflict(f"A {order.get_status_display().lower()} order cannot be cancelled.")
    order.refresh_from_db()
    return order


def expire_unpaid(order: Order) -> bool:
    """A pending order whose payment will not come (e.g. Stripe's page expired): free its stock now."""
    return close_order(order.pk, (Order.Status.PENDING,), Order.Status.EXPIRED)


@transaction.atomic
def refund(
    order: Order,
    amount: Decimal | None = None,
    *,
    tickets: list[int] | None = None,
    by: User | None = None,
    reason: str = "",
) -> Refund | None:
    """Refund part or all of a paid order, through its provider where it supports refunds.

    With ``tickets`` (ids of the order's tickets) those tickets become void and
    their stock returns; the amount defaults to their price. A refund that
    reaches the order's total ends the order: every ticket is void and all its
    stock returns.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PAID:
        raise OrderConflict("Only paid orders can be refunded.")
    voiding: list[Ticket] = []
    if tickets:
        voiding = list(Ticket.objects.filter(order=order, pk__in=tickets, voided_at__isnull=True))
        if len(voiding) != len(set(tickets)):
            raise OrderInvalid(
                "Some of these tickets are not in this order or were refunded already.", "tickets"
            )
        if amount is None:
            amount = sum((t.price for t in voiding), Decimal("0"))
    if amount is None:
        raise OrderInvalid("Give the amount to refund, or the tickets to refund.", "amount")
    amount = quantize(Decimal(amount))
    refundable = order.total - order.refunded_amount
    if amount < 0 or (amount == 0 and not voiding) or amount > refundable:
        raise OrderInvalid(
            f"The refund must be more than 0 and at most {refundable} {order.currency}.", "amount"
        )
    payment_provider = provider(order.payment_method)
    reference = ""
    if payment_provider.supports_refunds and amount > 0:
        payment = order.payments.filter(status=Payment.Status.SUCCEEDED).order_by("-created_at").first()
        reference = payment_provider.refund(order, amount, payment.reference if payment else "")
    refund_record = None
    if amount > 0:  # voiding free tickets moves no money
        refund_record = Refund.objects.create(
            order=order,
            amount=amount,
            provider=order.payment_method,
            reference=reference,
            reason=reason,
            created_by=by,
        )
    if voiding:
        quantities: Counter[int] = Counter(t.ticket_type_id for t in voiding)
        Ticket.objects.filter(pk__in=[t.pk for t in voiding]).update(voided_at=timezone.now())
        stock.give_back(order.date_id, quantities)
    order.refunded_amount += amount
    order.save(update_fields=["refunded_amount"])
    everything_void = not Ticket.objects.filter(order=order, voided_at__isnull=True).exists()
    if order.refunded_amount == order.total or everything_void:
        close_order(order.pk, (Order.Status.PAID,), Order.Status.REFUNDED)
    return refund_record
