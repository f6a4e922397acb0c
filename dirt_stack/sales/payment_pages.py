"""A card order's payment page, opened after the order is committed.

sales.purchase writes an order paid on a provider's page (Stripe Checkout) as
pending, with its stock taken and a Payment in status "created", and commits;
only then does ``open_page`` ask the provider for the page, outside any
transaction, and store its id on the Payment in one short UPDATE. So a slow or
failing provider holds no lock and rolls nothing back, and a buyer who loses
the race for the last tickets costs no provider call.

When the provider cannot be reached the order stays pending, its tickets
reserved until its payment deadline, and the buyer retries with "Pay now" on
the order's page: the same call, which reuses the page while it is open.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from sales.exceptions import OrderConflict, PaymentUnavailable
from sales.models import Order, Payment, order_url
from sales.payments import STRIPE_SESSION_MINUTES, PaymentStart, ProviderUnreachable, provider

logger = logging.getLogger(__name__)

# A new page lives at least this long (Stripe refuses a Checkout Session that expires
# sooner than 30 minutes after it is created); the order's deadline moves up to it.
PAGE_MINUTES = STRIPE_SESSION_MINUTES + 1


def has_page(order: Order) -> bool:
    """Whether ``order`` is paid on its provider's page."""
    return provider(order.payment_method).has_payment_page


def open_page(order: Order, base_url: str) -> PaymentStart:
    """Open (or reuse, while it is open) the payment page of a pending order and store its
    reference on the order's Payment.

    Never inside a transaction: the order must be committed when the provider is called.
    Raises OrderConflict when the order cannot be paid (any more), PaymentUnavailable
    (with the message for the buyer) when the provider could not be reached.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("A payment page is opened once the order is committed, not in a transaction.")
    payment_provider = provider(order.payment_method)
    if not payment_provider.has_payment_page:
        raise OrderConflict("This order is not paid on a payment page.")
    now = timezone.now()
    order = Order.objects.select_related("event").get(pk=order.pk)
    if order.status == Order.Status.PAID:
        raise OrderConflict("This order is paid already.")
    deadline = order.payment_deadline
    if order.status != Order.Status.PENDING or deadline is None or deadline <= now:
        raise OrderConflict("This order can no longer be paid: its reservation has ended.")
    payment = (
        Payment.objects.filter(order=order, provider=order.payment_method, status=Payment.Status.CREATED)
        .order_by("-id")
        .first()
    )
    if payment is None:
        raise OrderConflict("This order has no payment waiting.")

    expires_at = max(deadline, now + dt.timedelta(minutes=PAGE_MINUTES))
    if expires_at > deadline:
        # Too little time left for a new page (the first attempt failed): the reservation
        # lasts as long as the page, unless the order stopped being pending meanwhile.
        pending = Order.objects.filter(pk=order.pk, status=Order.Status.PENDING, payment_deadline__gt=now)
        moved = pending.update(payment_deadline=Greatest("payment_deadline", expires_at))
        if not moved:
            raise OrderConflict("This order can no longer be paid: its reservation has ended.")
        order.payment_deadline = expires_at

    try:
        page = payment_provider.open_page(
            order, payment, return_url=order_url(order, base_url), expires_at=expires_at
        )
    except ProviderUnreachable as exc:
        logger.warning("payment page not opened", extra={"order": order.code, "reason": str(exc)})
        raise PaymentUnavailable(unreachable_message(order), order) from exc
    if page.completed:
        raise OrderConflict("Your card payment went through and is being confirmed; reload in a moment.")
    if page.reference != payment.reference:
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(reference=page.reference)
    return PaymentStart(
        paid=False, reference=page.reference, redirect_url=page.url, payment_deadline=order.payment_deadline
    )


def unreachable_message(order: Order) -> str:
    """What the buyer reads when the payment page could not be opened."""
    until = order.payment_deadline.astimezone(order.event.tz) if order.payment_deadline else None
    reserved = f"your tickets are reserved until {until:%H:%M}" if until else "your order is saved"
    return f"We could not reach the card payment service; {reserved} — try again with “Pay now”."
