"""An order after it is placed: one state machine, one function per transition.

    pending ──mark_paid──> paid ──refund (part)──> partially_refunded ──refund (rest)──> refunded
       │                     │ └──────────────refund (all)──────────────────────────────> refunded
       │                     └──cancel──> cancelled   (partially_refunded too)
       ├──cancel──> cancelled
       └──expire_unpaid / stock.release_expired──> expired ──mark_paid (stock still there)──> paid
                                                       └──mark_paid (stock gone): stays expired, the
                                                          payment is recorded as needing a refund

Every change of status is a conditional UPDATE (``close_order``, ``mark_paid``,
``_complete_refund``), so each happens exactly once even when a cancellation, an
expiry, a payment and a refund race. An action the order's status does not allow
raises OrderConflict (409 in views and the API). Stock and voucher uses go back
through sales.stock; a late payment takes them again through the same claims as a
purchase. Each transition writes the order's audit log (sales.audit). DEVELOPMENT.md
("The order lifecycle") has the whole table.

Refunds are recorded before the provider is asked: ``refund`` validates, commits a
pending Refund, calls the provider outside any transaction, then marks the Refund
succeeded and applies it (or marks it failed, for ``retry_refund``). Call ``refund``
outside a transaction: inside one, a failure rolls the pending record back with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import User
from core import domain_events, metrics, statements
from core.input import InputError, clean_name
from core.money import money_str, quantize
from events.models import EventDate
from sales import order_listeners, stock, vouchers
from sales.audit import SWEEPER, Actor, provider_actor, record
from sales.emails import queue_order_cancelled, queue_order_confirmation, queue_refund
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import REFUND_REASON_MAX, Order, Payment, Refund, Ticket
from sales.payments import provider

logger = logging.getLogger(__name__)

# Statuses a refund may start from, and the ones it leads to.
REFUNDABLE = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED)
# Refunds still asked for: their amount and tickets are spoken for.
OPEN_REFUNDS = (Refund.Status.PENDING, Refund.Status.FAILED)
# A pending refund older than this was left by a process that stopped: the sweeper retries it.
STALE_REFUND_AGE = dt.timedelta(minutes=10)


class RefundFailed(OrderConflict):
    """The provider refused or failed the refund: it is recorded as failed; retry it."""

    def __init__(self, refund: Refund) -> None:
        self.refund = refund
        super().__init__(
            f"The payment provider did not refund {money_str(refund.amount)} {refund.order.currency}: "
            f"{refund.error} The refund is recorded as failed; retry it from the order."
        )


def _actor(actor: Actor | None, by: User | None = None) -> Actor:
    if actor is not None:
        return actor
    return Actor(user=by) if by is not None else Actor(system="Maticko")


def close_order(order_id: int, from_statuses: Iterable[str], to_status: str) -> bool:
    """Move an order from one of ``from_statuses`` to ``to_status`` and return its stock.

    Its non-void tickets go back on sale and its voucher use is given back. The status
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
        order = Order.objects.values(
            "date_id", "voucher_id", "code", "event_id", "event__organizer_id", "event__sends_webhooks"
        ).get(pk=order_id)
        stock.give_back(order["date_id"], stock.order_quantities([order_id]))
        stock.return_voucher_uses([order["voucher_id"]])
        if to_status in (Order.Status.CANCELLED, Order.Status.REFUNDED):
            order_listeners.closed(order_id, to_status)
        if to_status in CLOSED_EVENTS:
            domain_events.record(
                CLOSED_EVENTS[to_status],
                domain_events.EventRef(
                    order["event_id"], order["event__organizer_id"], order["event__sends_webhooks"]
                ),
                order_id=order_id,
                code=order["code"],
                status=to_status,
            )
    return True


# What closing an order tells the webhooks (core.domain_events).
CLOSED_EVENTS: dict[str, str] = {
    Order.Status.CANCELLED: domain_events.ORDER_CANCELLED,
    Order.Status.EXPIRED: domain_events.ORDER_EXPIRED,
    Order.Status.REFUNDED: domain_events.ORDER_REFUNDED,
}


# --- Payment ---------------------------------------------------------------------------------


def _record_payment(order: Order, reference: str, *, needs_refund: bool = False) -> Payment | None:
    """Mark the order's started payment succeeded (or write one): None for a free order."""
    if order.total <= 0:
        return None
    payment = order.payments.filter(status=Payment.Status.CREATED).order_by("-created_at").first()
    if payment is None:
        payment = order.payments.filter(status=Payment.Status.SUCCEEDED).order_by("-created_at").first()
        if payment is not None and (not reference or payment.reference == reference):
            return payment  # already recorded (a replayed notification)
        payment = Payment(order=order, provider=order.payment_method, amount=order.total)
    payment.status = Payment.Status.SUCCEEDED
    payment.needs_refund = needs_refund
    if reference:
        payment.reference = reference
    payment.save()
    return payment


def _paid(order: Order, reference: str, base_url: str | None, actor: Actor, action: str) -> Order:
    """What every accepted payment does once the order is paid: payment, email, audit, metrics."""
    _record_payment(order, reference)
    order_listeners.paid(order.pk)
    order.refresh_from_db()
    if base_url:
        queue_order_confirmation(order, base_url)
    record(order, action, actor, reference=reference)
    domain_events.record(
        domain_events.ORDER_PAID, order.event, order_id=order.pk, code=order.code, status=str(order.status)
    )
    tickets = order.tickets.count()
    transaction.on_commit(lambda: metrics.emit("TicketsSold", tickets))
    return order


@transaction.atomic
def mark_paid(
    order: Order, reference: str = "", base_url: str | None = None, *, actor: Actor | None = None
) -> Order:
    """Record the payment of an order (a bank transfer arrived, the provider confirmed).

    Pending: it becomes paid. Expired (the money came after the deadline): it takes
    its stock and voucher use again, with the same claims as a purchase, and is paid
    exactly as an on-time payment; when they are gone (or the date stopped selling) it
    stays expired and the payment is recorded as needing a refund. Already paid: nothing
    changes (a replayed notification). Any other status: OrderConflict.

    With ``base_url`` the buyer is emailed the confirmation with the tickets.
    """
    actor = actor or provider_actor(order.payment_method)
    now = timezone.now()
    if Order.objects.filter(pk=order.pk, status=Order.Status.PENDING).update(
        status=Order.Status.PAID, paid_at=now
    ):
        return _paid(order, reference, base_url, actor, "marked_paid")
    order.refresh_from_db()
    if order.status == Order.Status.EXPIRED:
        return _revive_expired(order, reference, base_url, actor)
    if order.status not in (*REFUNDABLE, Order.Status.REFUNDED):
        raise OrderConflict(f"A {order.get_status_display().lower()} order cannot be marked paid.")
    return order


def _revive_expired(order: Order, reference: str, base_url: str | None, actor: Actor) -> Order:
    """The reverse of expiry: take the stock and voucher use again, then pay; or record
    the payment for a refund when they are gone."""
    Order.objects.select_for_update().filter(pk=order.pk).get()
    if order.payments.filter(status=Payment.Status.SUCCEEDED, needs_refund=True).exists():
        return order  # this late payment was recorded already (a replayed notification)
    quantities = stock.order_quantities([order.pk])
    try:
        # The date as it is now: whether it has a shared capacity decides what is claimed.
        date = EventDate.objects.get(pk=order.date_id)
        claims = stock.take(date, quantities) if quantities else []
        if order.voucher_id:
            claims.append(vouchers.use(order.voucher_id))
        statements.claim(claims)
    except OrderConflict as exc:
        _record_payment(order, reference, needs_refund=True)
        record(
            order,
            "paid_after_expiry",
            actor,
            reference=reference,
            amount=money_str(order.total),
            currency=order.currency,
            problem=str(exc),
        )
        logger.warning("payment after expiry, tickets gone: refund it", extra={"order": order.code})
        return order
    if not Order.objects.filter(pk=order.pk, status=Order.Status.EXPIRED).update(
        status=Order.Status.PAID, paid_at=timezone.now(), cancelled_at=None
    ):  # pragma: no cover - the row is locked above
        raise OrderConflict("The order changed meanwhile.")
    return _paid(order, reference, base_url, actor, "paid_late")


def needs_refund(order: Order) -> Decimal:
    """How much of a payment that came after the order expired is still to be refunded."""
    late = order.payments.filter(status=Payment.Status.SUCCEEDED, needs_refund=True).aggregate(
        total=Sum("amount")
    )["total"]
    return max(Decimal("0"), (late or Decimal("0")) - order.refunded_amount)


def refundable(order: Order) -> Decimal:
    """How much of the order can be refunded now: of a paid order, what is not refunded
    or asked for already; of an expired one, its late payment's rest; else nothing."""
    asked = order.refunds.filter(status__in=OPEN_REFUNDS).aggregate(total=Sum("amount"))["total"]
    if order.status == Order.Status.EXPIRED:
        left = needs_refund(order)
    elif order.status in REFUNDABLE:
        left = order.total - order.refunded_amount
    else:
        return Decimal("0")
    return max(Decimal("0"), left - (asked or Decimal("0")))


# --- Cancelling and expiring -----------------------------------------------------------------


def cancel(order: Order, *, actor: Actor | None = None, base_url: str | None = None) -> Order:
    """Cancel a pending, paid or partly refunded order: its tickets become void, the stock
    returns and the buyer is told (the event's cancellation text). No money moves: refund it
    first to pay the buyer back."""
    with transaction.atomic():
        if not close_order(order.pk, Order.HOLDING_STOCK, Order.Status.CANCELLED):
            order.refresh_from_db()
            raise OrderConflict(f"A {order.get_status_display().lower()} order cannot be cancelled.")
        record(order, "cancelled", _actor(actor))
        queue_order_cancelled(order.code, base_url)
    order.refresh_from_db()
    return order


def expire_unpaid(order: Order, *, actor: Actor | None = None) -> bool:
    """A pending order whose payment will not come (e.g. Stripe's page expired): free its stock now."""
    with transaction.atomic():
        if not close_order(order.pk, (Order.Status.PENDING,), Order.Status.EXPIRED):
            return False
        record(order, "expired", actor or provider_actor(order.payment_method))
    return True


# --- Refunds -----------------------------------------------------------------------------------


def clean_reason(reason: object) -> str:
    """A refund's reason (or a payment's reference) as stored, on one line (``clean_name``):
    OrderInvalid for NUL and other control characters, or beyond REFUND_REASON_MAX characters."""
    try:
        text = clean_name(str(reason or ""))
    except InputError as exc:
        raise OrderInvalid(str(exc), "reason") from exc
    if len(text) > REFUND_REASON_MAX:
        raise OrderInvalid(f"The reason can be at most {REFUND_REASON_MAX} characters.", "reason")
    return text


def _clean_amount(amount: object) -> Decimal:
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError) as exc:
        raise OrderInvalid("Enter the amount as a number, e.g. 12.50.", "amount") from exc
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise OrderInvalid("Enter the amount as a number, e.g. 12.50.", "amount")
    return quantize(value)


def refund(
    order: Order,
    amount: Decimal | None = None,
    *,
    tickets: list[int] | None = None,
    by: User | None = None,
    reason: str = "",
    actor: Actor | None = None,
    base_url: str | None = None,
    notify: bool = True,
) -> Refund | None:
    """Refund part or all of a paid order (or the payment of an expired one that came too
    late), through its provider where it supports refunds.

    With ``tickets`` (ids of the order's tickets) those tickets become void and
    their stock returns; the amount defaults to their price. A refund that
    reaches the order's total ends the order: every ticket is void and all its
    stock returns. Returns the succeeded Refund (None when only free tickets were
    voided); raises OrderInvalid/OrderConflict before anything is recorded, and
    RefundFailed when the provider failed (the Refund stays, failed, for
    ``retry_refund``). ``notify``: email the buyer (a caller sending its own notice
    passes False).
    """
    reason = clean_reason(reason)
    if amount is not None:
        amount = _clean_amount(amount)
    actor = _actor(actor, by)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        late_payment = order.status == Order.Status.EXPIRED and needs_refund(order) > 0
        if order.status not in REFUNDABLE and not late_payment:
            raise OrderConflict(f"A {order.get_status_display().lower()} order cannot be refunded.")
        open_refunds = order.refunds.filter(status__in=OPEN_REFUNDS)
        spoken_for = {t for r in open_refunds for t in r.ticket_ids}
        voiding: list[Ticket] = []
        if tickets:
            if late_payment:
                raise OrderInvalid("This order has no valid tickets to refund; give the amount.", "tickets")
            wanted = set(tickets)
            voiding = list(Ticket.objects.filter(order=order, pk__in=wanted, voided_at__isnull=True))
            if len(voiding) != len(wanted) or wanted & spoken_for:
                raise OrderInvalid(
                    "Some of these tickets are not in this order or were refunded already.", "tickets"
                )
            if amount is None:
                amount = sum((t.price for t in voiding), Decimal("0"))
        if amount is None:
            raise OrderInvalid("Give the amount to refund, or the tickets to refund.", "amount")
        asked = open_refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        limit = needs_refund(order) if late_payment else order.total
        refundable = limit - (0 if late_payment else order.refunded_amount) - asked
        if amount < 0 or (amount == 0 and not voiding) or amount > refundable:
            raise OrderInvalid(
                f"The refund must be more than 0 and at most {money_str(max(refundable, Decimal('0')))} "
                f"{order.currency}.",
                "amount",
            )
        if amount == 0:  # voiding free tickets moves no money: no provider, no record
            _apply(order, Decimal("0"), [t.pk for t in voiding], reason, actor, None)
            return None
        pending = Refund.objects.create(
            order=order,
            amount=amount,
            provider=order.payment_method,
            reason=reason,
            ticket_ids=sorted(t.pk for t in voiding),
            created_by=actor.user,
        )
    return _execute(pending, actor, base_url if notify else None, notify=notify)


def retry_refund(
    refund_record: Refund, *, actor: Actor | None = None, base_url: str | None = None, notify: bool = True
) -> Refund:
    """Ask the provider again for a failed refund (or one left pending by a process that
    stopped). The provider gets the same idempotency key, so money goes back once."""
    refund_record = Refund.objects.select_related("order").get(pk=refund_record.pk)
    if refund_record.status not in OPEN_REFUNDS:
        raise OrderConflict("This refund is done already.")
    return _execute(refund_record, _actor(actor), base_url, notify=notify)


def _left_pending(now: dt.datetime | None = None) -> Q:
    """Pending refunds a stopped process left behind: untouched for STALE_REFUND_AGE."""
    return Q(status=Refund.Status.PENDING, updated_at__lte=(now or timezone.now()) - STALE_REFUND_AGE)


def retryable_refunds(now: dt.datetime | None = None) -> Q:
    """Refunds an organizer may retry: failed ones, and pending ones left behind."""
    return Q(status=Refund.Status.FAILED) | _left_pending(now)


def retry_stale_refunds(now: dt.datetime | None = None) -> int:
    """Retry pending refunds a stopped process left behind (the sweeper); returns how many completed."""
    done = 0
    for stale in Refund.objects.filter(_left_pending(now)).select_related("order"):
        try:
            retry_refund(stale, actor=SWEEPER)
            done += 1
        except OrderConflict:
            continue
    return done


def _execute(refund_record: Refund, actor: Actor, base_url: str | None, *, notify: bool) -> Refund:
    """Call the provider (outside any transaction of ours), then complete or fail the refund."""
    order = refund_record.order
    Refund.objects.filter(pk=refund_record.pk).update(
        attempts=refund_record.attempts + 1, updated_at=timezone.now()
    )
    reference = ""
    try:
        # The order's provider (a refund is paid back the way the order was paid).
        payment_provider = provider(order.payment_method)
        if payment_provider.supports_refunds:
            payment = order.payments.filter(status=Payment.Status.SUCCEEDED).order_by("-created_at").first()
            reference = payment_provider.refund(
                order,
                refund_record.amount,
                payment.reference if payment else "",
                idempotency_key=refund_record.idempotency_key,
            )
    except Exception as exc:
        logger.exception("refund failed at the provider", extra={"order": order.code})
        error = f"{type(exc).__name__}: {exc}"[:2000]
        with transaction.atomic():
            Refund.objects.filter(pk=refund_record.pk, status__in=OPEN_REFUNDS).update(
                status=Refund.Status.FAILED, error=error, updated_at=timezone.now()
            )
            record(
                order,
                "refund_failed",
                actor,
                refund=refund_record.pk,
                amount=money_str(refund_record.amount),
                currency=order.currency,
                error=error,
            )
        refund_record.refresh_from_db()
        raise RefundFailed(refund_record) from exc
    return _complete_refund(
        refund_record.pk,
        provider_name=payment_provider.name,
        reference=str(reference or "")[:200],
        paid_back_by_organizer=not payment_provider.supports_refunds,
        actor=actor,
        base_url=base_url,
        notify=notify,
    )


@transaction.atomic
def _complete_refund(
    refund_id: int,
    *,
    provider_name: str,
    reference: str,
    paid_back_by_organizer: bool,
    actor: Actor,
    base_url: str | None,
    notify: bool,
) -> Refund:
    """Mark the refund succeeded and apply it, once (a conditional UPDATE)."""
    refund_record = Refund.objects.select_related("order").get(pk=refund_id)
    order = Order.objects.select_for_update().get(pk=refund_record.order_id)
    if not Refund.objects.filter(pk=refund_id, status__in=OPEN_REFUNDS).update(
        status=Refund.Status.SUCCEEDED,
        provider=provider_name,
        reference=reference,
        paid_back_by_organizer=paid_back_by_organizer,
        error="",
        completed_at=timezone.now(),
    ):
        refund_record.refresh_from_db()
        return refund_record  # a concurrent retry completed it
    refund_record.refresh_from_db()
    _apply(order, refund_record.amount, refund_record.ticket_ids, refund_record.reason, actor, refund_record)
    if notify:
        queue_refund(refund_record, base_url)
    return refund_record


def _apply(
    order: Order,
    amount: Decimal,
    ticket_ids: list[int],
    reason: str,
    actor: Actor,
    refund_record: Refund | None,
) -> None:
    """A refund's effects (the order row locked): void tickets and give back their stock,
    add the amount, move the status on, record it."""
    closed = False
    if ticket_ids:
        voiding = list(Ticket.objects.filter(order=order, pk__in=ticket_ids, voided_at__isnull=True))
        quantities: Counter[int] = Counter(t.ticket_type_id for t in voiding)
        Ticket.objects.filter(pk__in=[t.pk for t in voiding]).update(voided_at=timezone.now())
        if order.status in Order.HOLDING_STOCK:
            stock.give_back(order.date_id, quantities)
    Order.objects.filter(pk=order.pk).update(refunded_amount=order.refunded_amount + amount)
    order.refunded_amount += amount
    if order.status == Order.Status.EXPIRED:
        if needs_refund(order) == 0:
            order.payments.filter(needs_refund=True).update(needs_refund=False)
    else:
        everything_void = not Ticket.objects.filter(order=order, voided_at__isnull=True).exists()
        if order.refunded_amount == order.total or everything_void:
            closed = close_order(order.pk, REFUNDABLE, Order.Status.REFUNDED)  # tells the webhooks
        elif order.status == Order.Status.PAID:
            Order.objects.filter(pk=order.pk, status=Order.Status.PAID).update(
                status=Order.Status.PARTIALLY_REFUNDED
            )
    if not closed and order.status != Order.Status.EXPIRED and amount > 0:
        order_listeners.refunded(order.pk, amount, sorted(ticket_ids))
    if not closed:
        domain_events.record(
            domain_events.ORDER_REFUNDED,
            order.event,
            order_id=order.pk,
            code=order.code,
            status=Order.objects.values_list("status", flat=True).get(pk=order.pk),
            amount=money_str(amount),
        )
    record(
        order,
        "refunded",
        actor,
        refund=refund_record.pk if refund_record else None,
        amount=money_str(amount),
        currency=order.currency,
        tickets=sorted(ticket_ids),
        reason=reason,
        paid_back_by_organizer=bool(refund_record and refund_record.paid_back_by_organizer),
    )
