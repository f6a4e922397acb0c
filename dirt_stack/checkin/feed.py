"""Writes the devices' change feed (``DoorChange``, read by checkin/sync.py) in the
transaction of each change after a sale: orders paid later, closed or refunded (an
``order_listeners`` listener) and tickets renamed or reissued (``sales.signals``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from checkin.door_keys import door_key
from checkin.models import DoorChange, DoorKey
from sales.models import Ticket

if TYPE_CHECKING:
    from sales.order_writer import NewOrder


def _changed(tickets: Iterable[Ticket], revoked: dict[int, str] | None = None) -> None:
    DoorChange.objects.bulk_create(
        [
            DoorChange(
                event_id=ticket.order.event_id,
                ticket_id=ticket.pk,
                revoked_key=(revoked or {}).get(ticket.pk, ""),
            )
            for ticket in tickets
        ]
    )


def _order_tickets(order_id: int, ticket_ids: list[int] | None = None) -> list[Ticket]:
    tickets = Ticket.objects.filter(order_id=order_id).select_related("order")
    if ticket_ids is not None:
        tickets = tickets.filter(pk__in=ticket_ids)
    return list(tickets)


class DoorFeedListener:
    """sales.order_listeners: an order's tickets changed for the door."""

    def paid_at_once(self, new: NewOrder) -> None:
        # A new order's tickets reach the devices as new tickets; only an order paid
        # later changes tickets they already hold.
        return None

    def paid(self, order_id: int) -> None:
        _changed(_order_tickets(order_id))

    def closed(self, order_id: int, status: str) -> None:
        _changed(_order_tickets(order_id))

    def refunded(self, order_id: int, amount: Decimal, ticket_ids: list[int]) -> None:
        _changed(_order_tickets(order_id, ticket_ids))


def tickets_changed(sender: Any, tickets: list[Ticket], previous_secrets: list[str], **kwargs: Any) -> None:
    """``sales.signals.tickets_changed``: a renamed ticket is sent again; a reissued one's
    old key is revoked on the devices and its stored key follows the new secret."""
    revoked = {}
    for ticket, previous in zip(tickets, previous_secrets, strict=False):
        if previous and previous != ticket.secret:
            revoked[ticket.pk] = door_key(previous)
            DoorKey.objects.filter(ticket_id=ticket.pk).update(key=door_key(ticket.secret))
    _changed([Ticket.objects.select_related("order").get(pk=t.pk) for t in tickets], revoked)
