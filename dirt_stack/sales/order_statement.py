"""Writing a one-step purchase in a single PostgreSQL statement (ADR 0012).

``sales.orders`` builds every row of a new order in memory (``NewOrder``); on
SQLite ``orders._save_order`` writes them with the ORM in one transaction. On
PostgreSQL this module writes the same rows, takes the stock and redeems the
voucher in *one* statement of data-modifying CTEs, run in autocommit mode:

    WITH stock_event AS (UPDATE events_event ...),      -- sales.stock
         stock_types AS (UPDATE events_tickettype ...), -- sales.stock
         new_order   AS (INSERT INTO sales_order ... WHERE every counter was taken),
         new_lines, new_tickets, new_payment, used_voucher, new_key, new_message
    SELECT ...ids...

Why: the counter rows of an event are the one thing every buyer of that event
must take in turn. In a multi-statement transaction their row locks are held
from the stock UPDATE until the COMMIT arrives, and between the two the Python
thread that holds them must get the GIL back in a busy process: at a rush that
is milliseconds per buyer, and the whole event's sales queue behind it. As one
autocommitted statement the locks live only inside PostgreSQL, from the UPDATE
to the end of the statement's own commit, with no round trip in between; it is
also one round trip instead of about ten, with no ORM query compilation.

What cannot happen: an oversell (the CHECK constraints ``allocated <=
capacity`` fail the whole statement; sales.stock explains the counters), a half
order (one statement is atomic), a voucher used beyond its limit (its CHECK
constraint), a duplicate purchase for one Idempotency-Key (its unique
constraint). Each of these surfaces as an IntegrityError that names the
constraint; ``insert`` turns the stock and voucher ones into the same
exceptions the ORM path raises. The generic parts (CTEs inserting model rows,
running a prepared statement) are in core.statements.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection

from core import outbox, statements
from core.models import OutboxMessage
from sales import stock
from sales.models import IdempotencyRecord, Order, OrderLine, Payment, Ticket, Voucher


class VoucherUsedUp(Exception):
    """The voucher reached its usage limit (its CHECK constraint refused one more use)."""


@dataclass(frozen=True)
class _Shape:
    """What decides the statement's text; each shape is prepared once per connection."""

    ticket_types: int
    lines: int
    tickets: int
    payment: bool
    voucher: bool
    idempotency: bool


@functools.lru_cache(maxsize=256)
def _statement(shape: _Shape) -> str:
    parts = [
        stock.take_stock_sql(shape.ticket_types),
        # The order exists only if every ticket type's counter was taken (all of
        # them belong to the event, which is on sale); everything else hangs off it.
        statements.insert_row_cte("new_order", Order, where=stock.ALL_TAKEN),
        statements.insert_cte("new_lines", OrderLine, shape.lines, after="new_order", parent="order_id"),
        statements.insert_cte("new_tickets", Ticket, shape.tickets, after="new_order", parent="order_id"),
    ]
    selected = [
        "(SELECT id FROM new_order)",
        # Ids keyed by what identifies each row: its ticket type, its secret.
        "(SELECT json_object_agg(ticket_type_id, id) FROM new_lines)",
        "(SELECT json_object_agg(secret, id) FROM new_tickets)",
    ]
    if shape.payment:
        parts.append(statements.insert_cte("new_payment", Payment, 1, after="new_order", parent="order_id"))
        selected.append("(SELECT id FROM new_payment)")
    if shape.voucher:
        table = connection.ops.quote_name(Voucher._meta.db_table)
        parts.append(
            f"used_voucher AS (UPDATE {table} SET redeemed = redeemed + 1 "
            f"FROM new_order WHERE {table}.id = %s RETURNING {table}.id)"
        )
        selected.append("(SELECT id FROM used_voucher)")
    if shape.idempotency:
        parts.append(statements.insert_cte("new_key", IdempotencyRecord, 1, after="new_order"))
    parts.append(statements.insert_cte("new_message", OutboxMessage, 1, after="new_order"))
    selected.append("(SELECT id FROM new_message)")
    return f"WITH {', '.join(parts)} SELECT {', '.join(selected)}"


def insert(new: Any, *, idempotency: IdempotencyRecord | None, take_stock: Mapping[int, int]) -> None:
    """Write ``new`` (an ``orders.NewOrder``) and take ``take_stock`` in one statement.

    Raises stock.SoldOut, stock.NotOnSale, VoucherUsedUp, or IntegrityError (a
    taken order code or Idempotency-Key: the caller looks the key up or retries).
    """
    order: Order = new.order
    shape = _Shape(
        ticket_types=len(take_stock),
        lines=len(new.lines),
        tickets=len(new.tickets),
        payment=new.payment is not None,
        voucher=new.voucher is not None,
        idempotency=idempotency is not None,
    )
    # In the order of the statement's placeholders.
    params = [
        *stock.take_stock_params(order.event_id, take_stock),
        *statements.values(order),
        len(take_stock),
    ]
    for line in new.lines:
        params += statements.values(line, "order_id")
    for ticket in new.tickets:
        params += statements.values(ticket, "order_id")
    if new.payment is not None:
        params += statements.values(new.payment, "order_id")
    if new.voucher is not None:
        params.append(new.voucher.pk)
    if idempotency is not None:
        params += statements.values(idempotency)
    params += statements.values(new.confirmation)

    try:
        row = statements.run(_statement(shape), params)
    except IntegrityError as exc:
        constraint = statements.constraint_name(exc)
        if constraint in stock.CAPACITY_CONSTRAINTS:
            raise stock.sold_out(take_stock) from exc
        if constraint == "voucher_redeemed_within_limit":
            raise VoucherUsedUp() from exc
        raise
    order_id = row[0]
    if order_id is None:
        raise stock.NotOnSale()
    statements.saved(order, order_id)
    line_ids, ticket_ids = row[1], row[2]
    for line in new.lines:
        statements.saved(line, line_ids[str(line.ticket_type_id)], order_id=order_id)
    for ticket in new.tickets:
        statements.saved(ticket, ticket_ids[ticket.secret], order_id=order_id)
    rest = list(row[3:])
    if new.payment is not None:
        statements.saved(new.payment, rest.pop(0), order_id=order_id)
    if new.voucher is not None:
        rest.pop(0)
        new.voucher.redeemed += 1
    statements.saved(new.confirmation, rest.pop(0))
    outbox.dispatch_on_commit(new.confirmation)
