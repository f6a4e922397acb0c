"""What other apps do when an order is paid, closed or refunded, in the transaction that
changed it (invoicing issues its invoices and credit notes there).

``sales`` imports none of the apps above it: they register an ``OrderListener`` in their
``AppConfig.ready``. Each hook runs once per change of the order, because each is called
from the one place the change lands: ``order_writer.write`` (paid at once) and
``lifecycle._paid`` (paid later, revived), ``lifecycle.close_order`` (cancelled, fully
refunded) and ``lifecycle._apply`` (a partial refund).

An order paid at once is written by one statement on PostgreSQL (order_writer, ADR 0012),
the rush's hot path. A listener does not run its own queries inside that write: before it,
``paid_at_once`` builds its rows in memory from the new order, and the write inserts them
with the order's, making the listener's claims after the order's (``PaidOrderRows``), so the
stock's row locks are held no longer than for an order without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.statements import Claim, Statement
    from sales.order_writer import NewOrder


class PaidOrderRows(Protocol):
    """Rows a listener writes in the same write as an order paid at once, built before it."""

    def claims(self) -> list[Claim]:
        """Claims made after the order's own (PostgreSQL's one statement only)."""

    def add_to(self, statement: Statement) -> None:
        """PostgreSQL: add the rows' inserts (CTEs over the order's, ``new_order`` and
        ``new_lines``, and over the claims) and what ``saved`` reads to ``statement``."""

    def saved(self, selected: list[Any]) -> None:
        """PostgreSQL: the statement ran; take this listener's selected values off the
        front of ``selected`` (in the order ``add_to`` added them)."""

    def save(self) -> None:
        """Elsewhere: write the rows with the ORM, in the order's transaction, after its
        rows were saved and its claims made."""


class OrderListener(Protocol):
    def paid_at_once(self, new: NewOrder) -> PaidOrderRows | None:
        """The rows to write with this new order, paid at once (nothing saved yet, its
        event and date loaded), or None. An organizer who has nothing to write asks
        nothing of the database here: the rush pays only for what it writes."""

    def paid(self, order_id: int) -> None:
        """An existing order was paid (a bank transfer marked paid, an order revived)."""

    def closed(self, order_id: int, status: str) -> None:
        """The order was cancelled or fully refunded (``status``, its new one)."""

    def refunded(self, order_id: int, amount: Decimal, ticket_ids: list[int]) -> None:
        """Part of a paid order was refunded; it stays paid (partly refunded)."""


_listeners: list[OrderListener] = []


def listen(listener: OrderListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def paid_at_once(new: NewOrder) -> Sequence[PaidOrderRows]:
    return [rows for listener in _listeners if (rows := listener.paid_at_once(new)) is not None]


def paid(order_id: int) -> None:
    for listener in _listeners:
        listener.paid(order_id)


def closed(order_id: int, status: str) -> None:
    for listener in _listeners:
        listener.closed(order_id, status)


def refunded(order_id: int, amount: Decimal, ticket_ids: list[int]) -> None:
    for listener in _listeners:
        listener.refunded(order_id, amount, ticket_ids)
