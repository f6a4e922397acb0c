"""Changes to a date that its buyers must hear of: cancelling it, moving it.

``cancel_date`` stops sales on the date first (one UPDATE of its row: a purchase
racing it waits for that row and then finds the date off sale, sales.stock.take),
then releases its live holds, cancels its pending orders and refunds its paid
ones in full, each order in its own transaction with its audit entry and its
email (core.outbox), so a refund the payment provider refuses leaves the others
done and is tried again by cancelling again. Only that date's orders change.

``move_date`` changes a date's times and emails the buyers of its pending and
paid orders the new ones. ``save_event`` is the event editor's save: a single-date
event's times are its date's, so changing them moves the date the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower

from accounts.models import Organizer, User
from core.money import money_str
from events import dates
from events import services as event_services
from events.forms import EventForm
from events.models import Event, EventDate
from sales import lifecycle, stock
from sales.emails import queue_date_cancelled, queue_date_moved
from sales.exceptions import OrderConflict, OrderInvalid
from sales.lifecycle import RefundFailed
from sales.models import Order
from sales.order_actions import Actor, record
from sales.payments import provider

logger = logging.getLogger(__name__)


def _actor(by: User | Actor | None) -> Actor:
    return by if isinstance(by, Actor) else Actor(user=by)


def _starts(date: EventDate) -> str:
    return date.starts_at.isoformat()


@dataclass(frozen=True)
class Affected:
    """Who cancelling or moving a date concerns: its pending and paid orders, their buyers."""

    orders: int = 0
    buyers: int = 0


def affected_per_date(event: Event) -> dict[int, Affected]:
    """Per date id of ``event`` (those with any), the orders and buyers a change would email."""
    return {
        row["date_id"]: Affected(orders=row["orders"], buyers=row["buyers"])
        for row in Order.objects.filter(event=event, status__in=Order.HOLDING_STOCK)
        .values("date_id")
        .annotate(orders=Count("pk"), buyers=Count(Lower("buyer_email"), distinct=True))
        .order_by()
    }


@dataclass(frozen=True)
class DateCancellation:
    """What cancelling a date did (this time: cancelling it again does nothing more)."""

    newly_cancelled: bool
    tickets_released: int = 0  # from live holds
    orders_cancelled: int = 0  # pending, now cancelled
    orders_refunded: int = 0  # paid, now refunded
    emails_queued: int = 0
    # Paid orders whose refund failed (the provider refused): still paid, their refund
    # recorded as failed; retried from the order, or by cancelling the date again.
    refunds_failed: list[str] = field(default_factory=list)


def cancel_date(
    date: EventDate, *, by: User | Actor | None, base_url: str, reason: str = ""
) -> DateCancellation:
    """Cancel ``date``: stop its sales, release its holds, cancel its pending orders and
    refund its paid orders in full (through the provider where it refunds), emailing each
    affected buyer once. Idempotent; other dates are untouched."""
    actor = _actor(by)
    reason = reason.strip()
    newly = bool(
        EventDate.objects.filter(pk=date.pk)
        .exclude(status=EventDate.Status.CANCELLED)
        .update(status=EventDate.Status.CANCELLED)
    )
    date.status = EventDate.Status.CANCELLED
    released = stock.release_holds(date.pk)
    cancelled = refunded = 0
    failed = []
    # Pending orders first: one that gets paid meanwhile is paid by the time paid
    # orders are read below, and is refunded there.
    for order_id in Order.objects.filter(date=date, status=Order.Status.PENDING).values_list("pk", flat=True):
        with transaction.atomic():
            if not lifecycle.close_order(order_id, (Order.Status.PENDING,), Order.Status.CANCELLED):
                continue
            order = Order.objects.get(pk=order_id)
            record(order, "date_cancelled", actor, date=_starts(date), outcome="cancelled", reason=reason)
            queue_date_cancelled(order, base_url, refunded=None, refund_automatic=False, reason=reason)
        cancelled += 1
    for order in Order.objects.filter(date=date, status__in=Order.VALID_PAID).order_by("pk"):
        try:
            # Outside a transaction: the refund is recorded before the provider is asked.
            amount = _refund_in_full(order, actor, reason)
        except RefundFailed:
            # The provider refused or failed: the refund is recorded as failed (retry it
            # from the order), the order stays paid and the others go on.
            logger.warning("refund of a cancelled date's order failed", extra={"order": order.code})
            failed.append(order.code)
            continue
        except OrderConflict:
            continue  # no longer paid: refunded or cancelled by someone else meanwhile
        with transaction.atomic():
            record(
                order,
                "date_cancelled",
                actor,
                date=_starts(date),
                outcome="refunded",
                amount=money_str(amount),
                currency=order.currency,
                reason=reason,
            )
            queue_date_cancelled(
                order,
                base_url,
                refunded=money_str(amount),
                refund_automatic=provider(order.payment_method).supports_refunds,
                reason=reason,
            )
        refunded += 1
    return DateCancellation(
        newly_cancelled=newly,
        tickets_released=released,
        orders_cancelled=cancelled,
        orders_refunded=refunded,
        emails_queued=cancelled + refunded,
        refunds_failed=failed,
    )


def _refund_in_full(order: Order, actor: Actor, reason: str) -> Decimal:
    """Refund what is left of a paid order and void its tickets; returns the amount.
    OrderConflict when it is no longer paid (or part of it is being refunded already);
    RefundFailed when the provider failed. The buyer gets the date's notice instead of
    the refund's."""
    before = order.refunded_amount
    for failed_before in order.refunds.filter(status__in=lifecycle.OPEN_REFUNDS):
        lifecycle.retry_refund(failed_before, actor=actor, notify=False)  # an earlier cancellation's, failed
    order.refresh_from_db()
    if order.status == Order.Status.REFUNDED and order.refunded_amount > before:
        return order.refunded_amount - before
    if order.status not in Order.VALID_PAID:
        raise OrderConflict("Only paid orders can be refunded.")
    tickets = list(order.tickets.filter(voided_at__isnull=True).values_list("pk", flat=True))
    amount = order.total - order.refunded_amount
    note = f"Date cancelled: {reason}" if reason else "Date cancelled"
    try:
        lifecycle.refund(order, amount, tickets=tickets or None, actor=actor, reason=note[:300], notify=False)
    except OrderInvalid as exc:
        raise OrderConflict(str(exc)) from exc
    return amount + order.refunded_amount - before


@dataclass(frozen=True)
class DateMove:
    changed: bool
    emails_queued: int = 0


@transaction.atomic
def move_date(
    date: EventDate,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    admission_at: dt.datetime | None,
    by: User | Actor | None,
    base_url: str,
) -> DateMove:
    """Give ``date`` new times and email the buyer of each pending or paid order on it
    (nothing when the times are the same). A cancelled date is not moved."""
    if ends_at < starts_at:
        raise ValidationError({"ends_at": "A date cannot end before it starts."})
    if admission_at is not None and admission_at > starts_at:
        raise ValidationError({"admission_at": "Doors cannot open after the date starts."})
    locked = EventDate.objects.select_for_update().select_related("event").get(pk=date.pk)
    if locked.status == EventDate.Status.CANCELLED:
        raise ValidationError({"form": "This date is cancelled; it cannot be moved."})
    if (locked.starts_at, locked.ends_at, locked.admission_at) == (starts_at, ends_at, admission_at):
        return DateMove(changed=False)
    previous = locked.starts_at
    EventDate.objects.filter(pk=locked.pk).update(
        starts_at=starts_at, ends_at=ends_at, admission_at=admission_at
    )
    date.starts_at, date.ends_at, date.admission_at = starts_at, ends_at, admission_at
    dates.refresh_span(locked.event)
    actor = _actor(by)
    orders = list(Order.objects.filter(date=locked, status__in=Order.HOLDING_STOCK).order_by("pk"))
    for order in orders:
        record(order, "date_moved", actor, before=previous.isoformat(), after=starts_at.isoformat())
        queue_date_moved(order, base_url, previous_starts_at=previous.isoformat())
    return DateMove(changed=True, emails_queued=len(orders))


@transaction.atomic
def save_event(form: EventForm, organizer: Organizer, *, by: User | Actor | None, base_url: str) -> Event:
    """events.services.save_event for the back office's event editor: when a single-date
    event's start or end changes, its date moves through ``move_date`` first, so its
    buyers are emailed the new time (the events layer cannot send them anything).
    The date's doors-open time keeps its distance to the start."""
    event = form.instance
    if event.pk is not None and not form.is_series:
        date = EventDate.objects.filter(event=event).first()
        if date is not None and date.status != EventDate.Status.CANCELLED:
            starts_at, ends_at = form.cleaned_data["starts_at"], form.cleaned_data["ends_at"]
            admission_at = None
            if date.admission_at is not None:
                admission_at = date.admission_at + (starts_at - date.starts_at)
            move_date(
                date,
                starts_at=starts_at,
                ends_at=ends_at,
                admission_at=admission_at,
                by=by,
                base_url=base_url,
            )
    return event_services.save_event(form, organizer)
