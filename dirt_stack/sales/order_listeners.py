"""What other apps do when an order is paid, closed or refunded, in the transaction that
changed it (invoicing issues its invoices and credit notes there).

``sales`` imports none of the apps above it: they register an ``OrderListener`` in their
``AppConfig.ready``. Each hook runs once per change of the order, because each is called
from the one place the change lands: ``order_writer.write`` (paid at once) and
``lifecycle._paid`` (paid later, revived), ``lifecycle.close_order`` (cancelled, fully
refunded) and ``lifecycle._apply`` (a partial refund).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sales.models import Order


class OrderListener(Protocol):
    def wants_paid(self, order: Order) -> bool:
        """Whether ``paid`` does anything for this new order (not saved yet, its event
        loaded): the purchase path asks before it opens a transaction around its
        one-statement write."""

    def paid(self, order_id: int) -> None: ...

    def closed(self, order_id: int, status: str) -> None:
        """The order was cancelled or fully refunded (``status``, its new one)."""

    def refunded(self, order_id: int, amount: Decimal, ticket_ids: list[int]) -> None:
        """Part of a paid order was refunded; it stays paid (partly refunded)."""


_listeners: list[OrderListener] = []


def listen(listener: OrderListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def wants_paid(order: Order) -> bool:
    return any(listener.wants_paid(order) for listener in _listeners)


def paid(order_id: int) -> None:
    for listener in _listeners:
        listener.paid(order_id)


def closed(order_id: int, status: str) -> None:
    for listener in _listeners:
        listener.closed(order_id, status)


def refunded(order_id: int, amount: Decimal, ticket_ids: list[int]) -> None:
    for listener in _listeners:
        listener.refunded(order_id, amount, ticket_ids)
