"""What organizers do to orders, each action recorded in the order's audit log.

The back office and the organizer API call these; they call sales.lifecycle
for the rules and add who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from core.money import money_str
from sales import lifecycle
from sales.emails import queue_order_confirmation
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import AuditEntry, Order, Ticket


@dataclass(frozen=True)
class Actor:
    """A person in the back office, or a program with an API token."""

    user: User | None = None
    token_name: str = ""

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        return f"API token “{self.token_name}”"


def record(order: Order, action: str, actor: Actor, **detail: Any) -> AuditEntry:
    return AuditEntry.objects.create(
        order=order, action=action, actor=actor.user, actor_label=actor.label, detail=detail
    )


@transaction.atomic
def cancel(order: Order, actor: Actor) -> Order:
    order = lifecycle.cancel(order)
    record(order, "cancelled", actor)
    return order


@transaction.atomic
def refund(
    order: Order,
    actor: Actor,
    *,
    amount: Decimal | None = None,
    tickets: list[int] | None = None,
    reason: str = "",
) -> Order:
    refund_record = lifecycle.refund(order, amount, tickets=tickets, by=actor.user, reason=reason)
    order.refresh_from_db()
    record(
        order,
        "refunded",
        actor,
        amount=money_str(refund_record.amount) if refund_record else "0.00",
        currency=order.currency,
        tickets=sorted(tickets or []),
        reason=reason,
    )
    return order


@transaction.atomic
def mark_paid(order: Order, actor: Actor, *, base_url: str, reference: str = "") -> Order:
    if order.payment_method != "offline":
        raise OrderConflict("Only bank-transfer orders are marked paid by hand.")
    order = lifecycle.mark_paid(order, reference=reference, base_url=base_url)
    record(order, "marked_paid", actor, reference=reference)
    return order


@transaction.atomic
def resend_confirmation(order: Order, actor: Actor, *, base_url: str) -> None:
    queue_order_confirmation(order, base_url)
    record(order, "confirmation_resent", actor, to=order.buyer_email)


@transaction.atomic
def change_attendee(ticket: Ticket, name: str, actor: Actor) -> Ticket:
    name = name.strip()
    if not name or len(name) > 200:
        raise OrderInvalid("Give the attendee's name (at most 200 characters).", "attendee_name")
    previous = ticket.attendee_name
    ticket.attendee_name = name
    ticket.save(update_fields=["attendee_name"])
    record(ticket.order, "attendee_changed", actor, ticket=ticket.pk, before=previous, after=name)
    return ticket
