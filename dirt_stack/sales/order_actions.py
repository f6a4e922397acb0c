"""What organizers do to orders, each action recorded in the order's audit log.

The back office and the organizer API call these; they call sales.lifecycle
for the rules (which records its transitions with the actor given here) and
record the other actions themselves.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import domain_events
from core.input import InputError, clean_name, column_length
from events.models import Event
from sales import lifecycle
from sales.audit import Actor, record
from sales.emails import queue_order_confirmation
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import Order, Refund, Ticket
from sales.signals import tickets_changed

__all__ = [
    "Actor",
    "cancel",
    "cancel_unpaid_transfers",
    "change_answers",
    "change_attendee",
    "mark_paid",
    "record",
    "refund",
    "resend_confirmation",
    "retry_refund",
]


def cancel(order: Order, actor: Actor, *, base_url: str | None = None) -> Order:
    return lifecycle.cancel(order, actor=actor, base_url=base_url)


BULK_CANCEL_MAX = 200


def cancel_unpaid_transfers(
    event: Event, codes: list[str], actor: Actor, *, base_url: str | None = None
) -> int:
    """Cancel the event's pending bank-transfer orders among ``codes`` (a hoarder's, or
    buyers who will not pay), each as ``cancel`` does it (stock back, audited, the buyer
    told); returns how many were cancelled. An order paid, expired or cancelled
    meanwhile, another event's or another method's, is left as it is."""
    if len(codes) > BULK_CANCEL_MAX:
        raise OrderInvalid(f"Choose at most {BULK_CANCEL_MAX} orders at a time.", "codes")
    cancelled = 0
    for order in Order.objects.filter(
        event=event, code__in=codes, status=Order.Status.PENDING, payment_method="offline"
    ).order_by("id"):
        try:
            lifecycle.cancel(order, actor=actor, base_url=base_url)
        except OrderConflict:
            continue  # paid or expired since the list was shown
        cancelled += 1
    return cancelled


def refund(
    order: Order,
    actor: Actor,
    *,
    amount: Decimal | None = None,
    tickets: list[int] | None = None,
    reason: str = "",
    base_url: str | None = None,
) -> Order:
    """Refund (recorded before the provider is asked: not inside a transaction); the buyer
    is emailed what was refunded. RefundFailed (a 409) when the provider failed."""
    lifecycle.refund(
        order, amount, tickets=tickets, by=actor.user, reason=reason, actor=actor, base_url=base_url
    )
    order.refresh_from_db()
    return order


def retry_refund(order: Order, refund_id: int | None, actor: Actor, *, base_url: str | None = None) -> Order:
    """Ask the provider again for one of the order's failed (or stuck pending) refunds."""
    refund_record = order.refunds.filter(pk=refund_id).first() if refund_id else None
    if refund_record is None:
        raise OrderInvalid("Choose a refund of this order.", "refund")
    if refund_record.status == Refund.Status.SUCCEEDED:
        raise OrderConflict("This refund is done already.")
    lifecycle.retry_refund(refund_record, actor=actor, base_url=base_url)
    order.refresh_from_db()
    return order


def mark_paid(order: Order, actor: Actor, *, base_url: str, reference: str = "") -> Order:
    """A bank transfer arrived: pending or expired orders only (an expired one is revived
    when its tickets are still there, else its payment is recorded for a refund)."""
    if order.payment_method != "offline":
        raise OrderConflict("Only bank-transfer orders are marked paid by hand.")
    if order.status not in (Order.Status.PENDING, Order.Status.EXPIRED):
        raise OrderConflict(f"A {order.get_status_display().lower()} order cannot be marked paid.")
    reference = lifecycle.clean_reason(reference)[:200]
    return lifecycle.mark_paid(order, reference=reference, base_url=base_url, actor=actor)


@transaction.atomic
def resend_confirmation(order: Order, actor: Actor, *, base_url: str) -> None:
    """Email the order as it is now: current totals, refunds and void tickets."""
    queue_order_confirmation(order, base_url)
    record(order, "confirmation_resent", actor, to=order.buyer_email)


@transaction.atomic
def change_attendee(ticket: Ticket, name: str, actor: Actor) -> Ticket:
    try:
        name = clean_name(name)
    except InputError as exc:
        raise OrderInvalid(str(exc), "attendee_name") from exc
    longest = column_length(Ticket, "attendee_name")
    if not name or len(name) > longest:
        raise OrderInvalid(f"Give the attendee's name (at most {longest} characters).", "attendee_name")
    previous = ticket.attendee_name
    ticket.attendee_name = name
    ticket.save(update_fields=["attendee_name"])
    tickets_changed.send(Ticket, tickets=[ticket], previous_secrets=[])
    record(ticket.order, "attendee_changed", actor, ticket=ticket.pk, before=previous, after=name)
    domain_events.record(
        domain_events.ATTENDEE_CHANGED,
        ticket.order.event,
        ticket_id=ticket.pk,
        order_id=ticket.order_id,
        code=ticket.order.code,
        attendee_name=name,
        previous_name=previous,
    )
    return ticket


def _answer_map(answers: Any) -> dict[tuple[int | None, int], tuple[str, Any]]:
    """(ticket position or None, question id) -> (label, value) of stored answers."""
    found: dict[tuple[int | None, int], tuple[str, Any]] = {}
    if not isinstance(answers, dict):
        return found
    groups: list[tuple[int | None, Any]] = [(None, answers.get("order") or [])]
    groups += list(enumerate(answers.get("tickets") or []))
    for position, entries in groups:
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and "question" in entry:
                found[(position, entry["question"])] = (str(entry.get("label", "")), entry.get("value"))
    return found


def _changed(before: Any, after: Any) -> list[str]:
    """The questions whose answer a change made different, as the audit log names them."""
    old, new = _answer_map(before), _answer_map(after)
    changed = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (-1 if k[0] is None else k[0], k[1])):
        if old.get(key, ("", None))[1] != new.get(key, ("", None))[1]:
            label = (new.get(key) or old[key])[0]
            changed.append(label if key[0] is None else f"{label} (ticket {key[0] + 1})")
    return changed


@transaction.atomic
def change_answers(
    order: Order, answers: dict[str, Any], actor: Actor, *, closes_at: dt.datetime | None = None
) -> Order:
    """Replace the order's answers to the checkout questions with ``answers`` (checked by
    questions.services.changed_answers), recording which changed. ``closes_at``: a buyer's
    change, refused (OrderConflict) from that moment on and on an order that no longer
    holds its tickets; an organizer's (None) is always allowed."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if closes_at is not None:
        if timezone.now() >= closes_at:
            raise OrderConflict("Answers can no longer be changed here: ask the organizer.")
        if locked.status not in Order.HOLDING_STOCK:
            raise OrderConflict("This order is no longer valid: its answers cannot be changed.")
    changed = _changed(locked.answers, answers)
    if changed:
        locked.answers = answers
        locked.save(update_fields=["answers"])
        record(locked, "answers_changed", actor, questions=changed)
    order.answers = locked.answers
    return order
