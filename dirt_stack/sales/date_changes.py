"""Changes to a date that its buyers must hear of: cancelling it, moving it.

``cancel_date`` stops sales on the date first (one UPDATE of its row: a purchase
racing it waits for that row and then finds the date off sale, sales.stock.take),
then releases its live holds, cancels its pending orders and refunds its paid
ones in full, each order in its own transaction with its audit entry and its
email (core.outbox), so a refund the payment provider refuses leaves the others
done and is tried again by cancelling again. Only that date's orders change.
``settle_order`` settles one such order; cancelling a whole event
(sales.event_cancellation) settles each of its orders with it too.

``move_date`` changes a date's times and emails the buyers of its pending and
paid orders the new ones. ``save_event`` is the event editor's save: a single-date
event's times are its date's, so changing them moves the date the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Lower

from accounts.models import Organizer, User
from core import statements
from core.datetimes import require_window, window_checked, within_window
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
    with transaction.atomic():
        statements.wait_longer_for_locks()  # the date's row may be busy with a rush of purchases
        newly = bool(
            EventDate.objects.filter(pk=date.pk)
            .exclude(status=EventDate.Status.CANCELLED)
            .update(status=EventDate.Status.CANCELLED, calendar_sequence=F("calendar_sequence") + 1)
        )
    date.status = EventDate.Status.CANCELLED
    dates.dates_cancelled([date.pk])  # before the holds go: a waiting list's offers are among them
    released = stock.release_holds(date.pk)
    outcomes: Counter[str] = Counter()
    failed = []
    holding = Order.objects.filter(date=date, status__in=Order.HOLDING_STOCK).order_by("pk")
    # Pending orders first: one that gets paid meanwhile is paid by the time the others
    # are read below, and is refunded there.
    pending = list(holding.filter(status=Order.Status.PENDING).values_list("pk", "code"))
    paid = list(holding.exclude(status=Order.Status.PENDING).values_list("pk", "code"))
    for order_id, code in pending + paid:
        try:
            settled = settle_order(order_id, actor=actor, base_url=base_url, reason=reason)
        except RefundFailed:
            # The provider refused or failed: the refund is recorded as failed (retried
            # from the order, or by cancelling again), the order stays paid, the others go on.
            logger.warning("refund of a cancelled date's order failed", extra={"order": code})
            failed.append(code)
            continue
        outcomes[settled.outcome] += 1
    return DateCancellation(
        newly_cancelled=newly,
        tickets_released=released,
        orders_cancelled=outcomes[Settlement.CANCELLED],
        orders_refunded=outcomes[Settlement.REFUNDED],
        emails_queued=outcomes[Settlement.CANCELLED] + outcomes[Settlement.REFUNDED],
        refunds_failed=failed,
    )


@dataclass(frozen=True)
class Settlement:
    """What settling one order of a cancelled date or event did."""

    CANCELLED: ClassVar[str] = "cancelled"  # it was pending: cancelled, nothing charged
    REFUNDED: ClassVar[str] = "refunded"  # it was paid: what was left is refunded, tickets void
    UNCHANGED: ClassVar[str] = ""  # it no longer held stock (settled before, or by someone else)

    outcome: str
    amount: Decimal = Decimal("0")
    # "automatic": paid back through the payment provider; "manual": the organizer pays it
    # back by hand (a bank transfer); "none": nothing to pay back.
    refund: str = "none"


def settle_order(
    order_id: int, *, actor: Actor, base_url: str, reason: str, whole_event: bool = False
) -> Settlement:
    """Settle one order whose date (or, ``whole_event``, whose event) is cancelled: cancel it
    if pending, else refund what is left of it in full and void its tickets; record it in
    its audit log and queue one email to its buyer. Settling it twice does nothing more.

    Call outside any transaction: a paid order's refund is recorded before the provider
    is asked (sales.lifecycle.refund). Raises RefundFailed when the provider failed (the
    refund stays recorded as failed; settling again retries it)."""
    action = "event_cancelled" if whole_event else "date_cancelled"
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("date").get(pk=order_id)
        starts = _starts(order.date)
        if order.status == Order.Status.PENDING:
            if not lifecycle.close_order(order.pk, (Order.Status.PENDING,), Order.Status.CANCELLED):
                return Settlement(Settlement.UNCHANGED)
            record(order, action, actor, date=starts, outcome="cancelled", reason=reason)
            queue_date_cancelled(
                order, base_url, refunded=None, refund_automatic=False, reason=reason, whole_event=whole_event
            )
            return Settlement(Settlement.CANCELLED)
        if order.status not in Order.HOLDING_STOCK:
            return Settlement(Settlement.UNCHANGED)
    note = f"{'Event' if whole_event else 'Date'} cancelled"
    note = f"{note}: {reason}" if reason else note
    try:
        amount = _refund_in_full(order, actor, note)
    except RefundFailed:
        raise
    except OrderConflict:
        return Settlement(Settlement.UNCHANGED)  # no longer paid: settled by someone else meanwhile
    automatic = provider(order.payment_method).supports_refunds
    refund = "none" if amount == 0 else "automatic" if automatic else "manual"
    with transaction.atomic():
        record(
            order,
            action,
            actor,
            date=starts,
            outcome="refunded",
            amount=money_str(amount),
            currency=order.currency,
            refund=refund,
            reason=reason,
        )
        queue_date_cancelled(
            order,
            base_url,
            refunded=money_str(amount),
            refund_automatic=automatic,
            reason=reason,
            whole_event=whole_event,
        )
    return Settlement(Settlement.REFUNDED, amount, refund)


def _refund_in_full(order: Order, actor: Actor, note: str) -> Decimal:
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
    require_window(starts_at=starts_at, ends_at=ends_at, admission_at=admission_at)
    if ends_at < starts_at:
        raise ValidationError({"ends_at": "A date cannot end before it starts."})
    if admission_at is not None and admission_at > starts_at:
        raise ValidationError({"admission_at": "Doors cannot open after the date starts."})
    locked = EventDate.objects.select_for_update(no_key=True).select_related("event").get(pk=date.pk)
    if locked.status == EventDate.Status.CANCELLED:
        raise ValidationError({"form": "This date is cancelled; it cannot be moved."})
    if (locked.starts_at, locked.ends_at, locked.admission_at) == (starts_at, ends_at, admission_at):
        return DateMove(changed=False)
    previous = locked.starts_at
    # Only a new start or end is news to a calendar (doors opening is not in the .ics).
    sequence = locked.calendar_sequence + int((locked.starts_at, locked.ends_at) != (starts_at, ends_at))
    with window_checked():
        EventDate.objects.filter(pk=locked.pk).update(
            starts_at=starts_at,
            ends_at=ends_at,
            admission_at=admission_at,
            calendar_sequence=sequence,
        )
    date.starts_at, date.ends_at, date.admission_at = starts_at, ends_at, admission_at
    date.calendar_sequence = sequence
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
                try:
                    within_window(admission_at, "Doors open (as long before the start as now)")
                except ValidationError as error:
                    # The editor has no doors-open field: the start it moves is refused.
                    raise ValidationError({"starts_at": error.messages}) from error
            move_date(
                date,
                starts_at=starts_at,
                ends_at=ends_at,
                admission_at=admission_at,
                by=by,
                base_url=base_url,
            )
    return event_services.save_event(form, organizer)
