"""Cancelling a whole event: one explicit organizer action, settled in the background.

``cancel_event`` first, in one transaction, sets the event and every date of it
cancelled (an UPDATE of the date rows: a purchase racing it waits for those rows and
then finds its date off sale, sales.stock.take) and records the cancellation
(``EventCancellation``: who, when, why, how far it has come). Then it releases the
dates' live holds, and the orders are settled in batches through the outbox
(core.outbox): each batch settles the next ``BATCH_SIZE`` orders still holding stock,
each order exactly as cancelling its date settles it (``date_changes.settle_order``:
pending ones cancelled, paid and partly refunded ones refunded in what is left,
tickets void, an audit entry, one email), and queues the next batch until none is
left.

Safe to run again: each order is settled on its locked row and only while it still
holds stock, so a batch run twice, or ``cancel_event`` called again (to retry refunds
the provider refused, or to resume after a crash), never refunds an order twice. Each
such run is a new *pass*; batches of an older pass stop.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from core import domain_events, outbox, statements
from events import dates
from events.models import Event, EventDate
from sales import quotas, stock
from sales.date_changes import Settlement, settle_order
from sales.models import AuditEntry, EventCancellation, Order, Ticket
from sales.order_actions import Actor, record
from sales.payments import PROVIDERS

logger = logging.getLogger(__name__)

SETTLE_BATCH = "event_cancellation_batch"
BATCH_SIZE = 50
# A running cancellation with no progress for this long was left by a process that
# stopped; the back office offers to resume it.
STALLED_AFTER = dt.timedelta(minutes=5)
REFUND_FAILED = "event_refund_failed"


def _actor(by: User | Actor | None) -> Actor:
    return by if isinstance(by, Actor) else Actor(user=by)


def _supports_refunds(payment_method: str) -> bool:
    method = PROVIDERS.get(payment_method)
    return bool(method and method.supports_refunds)


@dataclass(frozen=True)
class Impact:
    """What cancelling an event will do, for the organizer to confirm."""

    dates: int  # not yet cancelled: their sales stop
    orders: int  # pending and paid orders, all settled
    buyers: int  # each emailed (once per order)
    pending: int  # cancelled: nothing was charged
    refunds_automatic: int  # paid orders refunded through the payment provider (card)
    refunds_manual: int  # paid orders the organizer pays back by hand (bank transfer)
    free: int  # paid orders with nothing left to refund
    amount_automatic: Decimal
    amount_manual: Decimal
    tickets: int  # valid tickets that become void
    held: int  # tickets in live holds (carts), released


def impact(event: Event) -> Impact:
    """What ``cancel_event`` would do to ``event`` now."""
    holding = Order.objects.filter(event=event, status__in=Order.HOLDING_STOCK)
    totals = holding.aggregate(orders=Count("pk"), buyers=Count(Lower("buyer_email"), distinct=True))
    pending = holding.filter(status=Order.Status.PENDING).count()
    counts: Counter[str] = Counter()
    amounts = {"automatic": Decimal("0"), "manual": Decimal("0")}
    rows = (
        holding.exclude(status=Order.Status.PENDING)
        .values("payment_method")
        .annotate(
            owing=Count("pk", filter=Q(total__gt=F("refunded_amount"))),
            free=Count("pk", filter=Q(total__lte=F("refunded_amount"))),
            left=Sum(F("total") - F("refunded_amount")),
        )
        .order_by()
    )
    for row in rows:
        how = "automatic" if _supports_refunds(row["payment_method"]) else "manual"
        counts[how] += row["owing"]
        counts["free"] += row["free"]
        amounts[how] += row["left"] or Decimal("0")
    return Impact(
        dates=event.dates.exclude(status=EventDate.Status.CANCELLED).count(),
        orders=totals["orders"],
        buyers=totals["buyers"],
        pending=pending,
        refunds_automatic=counts["automatic"],
        refunds_manual=counts["manual"],
        free=counts["free"],
        amount_automatic=amounts["automatic"],
        amount_manual=amounts["manual"],
        tickets=Ticket.objects.holding_stock().filter(order__event=event).count(),
        held=sum(quotas.held_counts(event).values()),
    )


def cancel_event(
    event: Event, *, by: User | Actor | None, base_url: str, reason: str = ""
) -> EventCancellation:
    """Cancel ``event`` and settle its orders in the background (see the module's docstring).

    On an event already cancelled this starts a new pass over the orders still holding
    stock (refunds that failed, or a run a stopped process left), keeping the first
    reason: the buyers told so far were told that one. An event without orders is
    done at once."""
    actor = _actor(by)
    reason = reason.strip()
    now = timezone.now()
    with transaction.atomic():
        statements.wait_longer_for_locks()  # the dates' rows may be busy with a rush of purchases
        # FOR NO KEY UPDATE: a racing purchase's foreign keys take FOR KEY SHARE (DEVELOPMENT.md).
        locked = Event.objects.select_for_update(no_key=True).get(pk=event.pk)
        # The date rows first: a purchase holding one of them commits before this goes on,
        # and its order is counted below; every later purchase finds its date off sale.
        EventDate.objects.filter(event=locked).exclude(status=EventDate.Status.CANCELLED).update(
            status=EventDate.Status.CANCELLED, calendar_sequence=F("calendar_sequence") + 1
        )
        if locked.status != Event.Status.CANCELLED:
            Event.objects.filter(pk=locked.pk).update(status=Event.Status.CANCELLED, updated_at=now)
            domain_events.record(
                domain_events.EVENT_UPDATED, locked, event_id=locked.pk, status=Event.Status.CANCELLED
            )
        to_settle = Order.objects.filter(event=locked, status__in=Order.HOLDING_STOCK).count()
        cancellation = EventCancellation.objects.select_for_update().filter(event=locked).first()
        finished = {"status": EventCancellation.Status.DONE, "finished_at": now}
        running = {"status": EventCancellation.Status.RUNNING, "finished_at": None}
        if cancellation is None:
            cancellation = EventCancellation.objects.create(
                event=locked,
                reason=reason,
                created_by=actor.user,
                token_name=actor.token_name,
                orders_total=to_settle,
                **(running if to_settle else finished),
            )
        else:
            EventCancellation.objects.filter(pk=cancellation.pk).update(
                settling_pass=F("settling_pass") + 1,
                refunds_failed=0,
                updated_at=now,
                # Orders that still hold stock but were not counted (a pass found them
                # after an earlier cancellation without a record) join the total.
                orders_total=F("orders_settled") + to_settle,
                **(running if to_settle else finished),
            )
            cancellation.refresh_from_db()
        if to_settle:
            _queue_batch(cancellation, after=0, base_url=base_url)
    date_ids = list(EventDate.objects.filter(event=event).values_list("pk", flat=True))
    dates.dates_cancelled(date_ids)  # before the holds go: a waiting list's offers are among them
    for date_id in date_ids:
        stock.release_holds(date_id)
    event.status = Event.Status.CANCELLED
    cancellation.refresh_from_db()
    return cancellation


def _queue_batch(cancellation: EventCancellation, *, after: int, base_url: str) -> None:
    outbox.enqueue(
        SETTLE_BATCH,
        {
            "cancellation": cancellation.pk,
            "pass": cancellation.settling_pass,
            "after": after,
            "base_url": base_url,
        },
    )


@outbox.handler(SETTLE_BATCH, own_transactions=True)
def _settle_batch_message(payload: dict[str, Any]) -> None:
    settle_batch(
        payload["cancellation"], payload["pass"], after=payload["after"], base_url=payload["base_url"]
    )


def settle_batch(cancellation_id: int, settling_pass: int, *, after: int, base_url: str) -> int:
    """Settle the next ``BATCH_SIZE`` orders (by id, after ``after``) of a cancelled event
    that still hold stock, each in its own transaction, then queue the next batch, or
    mark the cancellation done when none is left. Returns how many orders it tried."""
    cancellation = EventCancellation.objects.select_related("created_by").get(pk=cancellation_id)
    this_pass = EventCancellation.objects.filter(pk=cancellation_id, settling_pass=settling_pass)
    if not this_pass.update(updated_at=timezone.now()):
        return 0  # a newer pass took over
    actor = Actor(user=cancellation.created_by, token_name=cancellation.token_name)
    batch = list(
        Order.objects.filter(event_id=cancellation.event_id, status__in=Order.HOLDING_STOCK, pk__gt=after)
        .order_by("pk")
        .values_list("pk", "code")[:BATCH_SIZE]
    )
    if not batch:
        this_pass.update(status=EventCancellation.Status.DONE, finished_at=timezone.now())
        return 0
    for order_id, code in batch:
        try:
            # Outside a transaction: a refund is recorded before the provider is asked.
            settled = settle_order(
                order_id, actor=actor, base_url=base_url, reason=cancellation.reason, whole_event=True
            )
            if settled.outcome != Settlement.UNCHANGED:
                # Counted once per order, whichever pass: only the pass that changed it counts it.
                EventCancellation.objects.filter(pk=cancellation_id).update(
                    orders_settled=F("orders_settled") + 1,
                    manual_refunds=F("manual_refunds") + int(settled.refund == "manual"),
                    updated_at=timezone.now(),
                )
        except Exception as exc:
            # The provider refused or failed: the order stays as it was, listed with its
            # error, and the others go on; a retry (a new pass) tries it again.
            logger.exception("refund of a cancelled event's order failed", extra={"order": code})
            order = Order.objects.get(pk=order_id)
            record(order, REFUND_FAILED, actor, error=f"{type(exc).__name__}: {exc}"[:300])
            this_pass.update(refunds_failed=F("refunds_failed") + 1)
    _queue_batch(cancellation, after=batch[-1][0], base_url=base_url)
    return len(batch)


# --- Progress -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedRefund:
    """A paid order whose refund the provider refused: still paid, retried by a new pass."""

    code: str
    buyer_email: str
    amount: Decimal  # what is left to refund
    error: str


@dataclass(frozen=True)
class ManualRefund:
    """A paid order refunded in the books whose money the organizer pays back by hand."""

    code: str
    buyer_name: str
    buyer_email: str
    amount: Decimal
    payment_method: str


@dataclass(frozen=True)
class Progress:
    cancellation: EventCancellation
    failed: list[FailedRefund]
    manual: list[ManualRefund]
    # Running with no progress for STALLED_AFTER: a process stopped; resume it.
    stalled: bool


def progress(event: Event) -> Progress | None:
    """How far the cancellation of ``event`` has come (None: it was never cancelled so)."""
    cancellation = EventCancellation.objects.select_related("created_by").filter(event=event).first()
    if cancellation is None:
        return None
    still_paid = {
        order.pk: order
        for order in Order.objects.filter(event=event, status__in=Order.HOLDING_STOCK).exclude(
            status=Order.Status.PENDING
        )
    }
    errors: dict[int, str] = {}
    failures = AuditEntry.objects.filter(order_id__in=list(still_paid), action=REFUND_FAILED)
    for entry in failures.order_by("created_at", "id"):
        errors[entry.order_id] = str(entry.detail.get("error", ""))
    failed = [
        FailedRefund(
            code=still_paid[order_id].code,
            buyer_email=still_paid[order_id].buyer_email,
            amount=still_paid[order_id].total - still_paid[order_id].refunded_amount,
            error=error,
        )
        for order_id, error in sorted(errors.items())
    ]
    manual = [
        ManualRefund(
            code=entry.order.code,
            buyer_name=entry.order.buyer_name,
            buyer_email=entry.order.buyer_email,
            amount=Decimal(str(entry.detail.get("amount", "0"))),
            payment_method=entry.order.payment_method,
        )
        for entry in AuditEntry.objects.filter(
            order__event=event, action="event_cancelled", detail__refund="manual"
        )
        .select_related("order")
        .order_by("order__code")
    ]
    stalled = (
        cancellation.status == EventCancellation.Status.RUNNING
        and cancellation.updated_at < timezone.now() - STALLED_AFTER
    )
    return Progress(cancellation=cancellation, failed=failed, manual=manual, stalled=stalled)
