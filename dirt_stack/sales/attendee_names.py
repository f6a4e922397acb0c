"""Attendee names changed by the buyer on the order page, until the event's deadline
(``Event.name_change_deadline_hours`` before the date's start; None: buyers cannot).
Organizers change them at any time from the back office (sales.order_actions). Either way
the change is sales.order_actions.change_attendee's: the name cleaned, an audit entry with
the name before and after. The PDF, the emails and the door read the ticket's name when
they show it, so they show the new one."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.input import parse_id
from events.models import Event, EventDate
from sales import audit, order_actions
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import Order, Ticket

BUYER = audit.Actor(system="The buyer (order link)")


def deadline(order: Order) -> dt.datetime | None:
    """Until when the buyer may change the order's attendee names (None: not at all)."""
    hours = order.event.name_change_deadline_hours
    if hours is None:
        return None
    return order.date.starts_at - dt.timedelta(hours=hours)


def buyer_may_rename(order: Order, now: dt.datetime | None = None) -> bool:
    """Whether the buyer may change names now: before the deadline, and the order's tickets
    still count (not cancelled, refunded or expired; its date and event not cancelled)."""
    until = deadline(order)
    return (
        until is not None
        and (now or timezone.now()) < until
        and order.status in Order.HOLDING_STOCK
        and order.event.status != Event.Status.CANCELLED
        and order.date.status != EventDate.Status.CANCELLED
    )


def rename_by_buyer(order: Order, ticket_id: object, name: object) -> Ticket:
    """The buyer (holder of the order's link) names ticket ``ticket_id`` of ``order``.

    Raises OrderInvalid (not one of the order's live tickets, or a bad name: ``field``
    ``attendee_name``) or OrderConflict (past the deadline, or the order no longer counts)."""
    if not buyer_may_rename(order):
        if deadline(order) is None:
            raise OrderConflict("The organizer does not let buyers change attendee names for this event.")
        raise OrderConflict("Attendee names can no longer be changed here; please ask the organizer.")
    pk = None if isinstance(ticket_id, bool) else parse_id(ticket_id)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update().filter(order=order, pk=pk, voided_at__isnull=True).first()
            if pk is not None
            else None
        )
        if ticket is None:
            raise OrderInvalid("Choose one of this order's tickets.", "ticket")
        ticket.order = order
        return order_actions.change_attendee(ticket, str(name) if isinstance(name, str) else "", BUYER)
