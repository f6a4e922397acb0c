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
exceptions the ORM path raises.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction

from core import outbox
from core.models import OutboxMessage
from sales import stock
from sales.models import IdempotencyRecord, Order, OrderLine, Payment, Ticket, Voucher

_one_at_a_time = threading.Lock()


def available() -> bool:
    """Whether the default database can run the statement (PostgreSQL can; SQLite has no
    data-modifying CTEs)."""
    return connection.vendor == "postgresql"


class VoucherUsedUp(Exception):
    """The voucher reached its usage limit (its CHECK constraint refused one more use)."""


class EventNotOnSale(Exception):
    """Nothing was written: the event stopped being on sale (unpublished, cancelled)."""


@functools.cache
def _columns(model: type[models.Model], skip: str | None = None) -> tuple[models.Field, ...]:
    """The columns an INSERT of ``model`` writes: every concrete field but the
    primary key and ``skip`` (a foreign key the statement fills in itself)."""
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and f.attname != skip)


def _values(instance: models.Model, skip: str | None = None) -> list[Any]:
    """The instance's column values as the ORM would save them (defaults,
    auto_now_add, adapted for the database), in ``_columns`` order."""
    db = connections[DEFAULT_DB_ALIAS]
    return [f.get_db_prep_save(f.pre_save(instance, True), db) for f in _columns(type(instance), skip)]


def _insert_cte(name: str, model: type[models.Model], rows: int, *, parent: str | None = None) -> str:
    """A CTE inserting ``rows`` rows of ``model`` (their ``_values`` are the parameters)
    once ``new_order`` has produced its row; with ``parent`` (``order_id``) that
    column takes the new order's id."""
    quote = connection.ops.quote_name
    fields = _columns(model, parent)
    casts = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    values = ", ".join([f"({casts})"] * rows)
    aliases = ", ".join(f"c{i}" for i in range(len(fields)))
    targets = [quote(f.column) for f in fields]
    selected = "v.*"
    if parent:
        targets.insert(0, quote(model._meta.get_field(parent).column))
        selected = "new_order.id, v.*"
    return (
        f"{name} AS (INSERT INTO {quote(model._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {selected} FROM new_order, (VALUES {values}) AS v({aliases}) RETURNING *)"
    )


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
    quote = connection.ops.quote_name
    order_fields = _columns(Order)
    parts = [
        stock.take_stock_sql(shape.ticket_types),
        # The order exists only if every ticket type's counter was taken (all of
        # them belong to the event, which is on sale); everything else hangs off it.
        f"new_order AS (INSERT INTO {quote(Order._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in order_fields)}) "
        f"SELECT {', '.join(f'CAST(%s AS {f.db_type(connection)})' for f in order_fields)} "
        "WHERE (SELECT count(*) FROM stock_types) = %s RETURNING id)",
        _insert_cte("new_lines", OrderLine, shape.lines, parent="order_id"),
        _insert_cte("new_tickets", Ticket, shape.tickets, parent="order_id"),
    ]
    selected = [
        "(SELECT id FROM new_order)",
        # Ids keyed by what identifies each row: its ticket type, its secret.
        "(SELECT json_object_agg(ticket_type_id, id) FROM new_lines)",
        "(SELECT json_object_agg(secret, id) FROM new_tickets)",
    ]
    if shape.payment:
        parts.append(_insert_cte("new_payment", Payment, 1, parent="order_id"))
        selected.append("(SELECT id FROM new_payment)")
    if shape.voucher:
        table = quote(Voucher._meta.db_table)
        parts.append(
            f"used_voucher AS (UPDATE {table} SET redeemed = redeemed + 1 "
            f"FROM new_order WHERE {table}.id = %s RETURNING {table}.id)"
        )
        selected.append("(SELECT id FROM used_voucher)")
    if shape.idempotency:
        parts.append(_insert_cte("new_key", IdempotencyRecord, 1))
    parts.append(_insert_cte("new_message", OutboxMessage, 1))
    selected.append("(SELECT id FROM new_message)")
    return f"WITH {', '.join(parts)} SELECT {', '.join(selected)}"


def insert(new: Any, *, idempotency: IdempotencyRecord | None, take_stock: Mapping[int, int]) -> None:
    """Write ``new`` (an ``orders.NewOrder``) and take ``take_stock`` in one statement.

    Raises stock.SoldOut, VoucherUsedUp, EventNotOnSale, or IntegrityError (a
    taken order code or Idempotency-Key: the caller looks the key up or retries).
    Inside an open transaction (tests, callers' atomic blocks) the statement runs
    in a savepoint of it; otherwise it commits by itself.
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
    params = [*stock.take_stock_params(order.event_id, take_stock), *_values(order), len(take_stock)]
    for line in new.lines:
        params += _values(line, "order_id")
    for ticket in new.tickets:
        params += _values(ticket, "order_id")
    if new.payment is not None:
        params += _values(new.payment, "order_id")
    if new.voucher is not None:
        params.append(new.voucher.pk)
    if idempotency is not None:
        params += _values(idempotency)
    params += _values(new.confirmation)
    sql = _statement(shape)

    try:
        # Outside a transaction the connection autocommits: the statement commits by itself.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            connection.ensure_connection()
            with (
                _one_at_a_time,
                connection.wrap_database_errors,
                psycopg.Cursor(connection.connection) as cursor,
            ):
                cursor.execute(sql, params, prepare=True)
                row = cursor.fetchone()
    except IntegrityError as exc:
        constraint = _constraint_name(exc)
        if constraint in stock.CAPACITY_CONSTRAINTS:
            raise stock.sold_out(order.event_id, take_stock) from exc
        if constraint == "voucher_redeemed_within_limit":
            raise VoucherUsedUp() from exc
        raise
    order_id = row[0]
    if order_id is None:
        raise EventNotOnSale()
    _saved(order, order_id)
    line_ids, ticket_ids = row[1], row[2]
    for line in new.lines:
        _saved(line, line_ids[str(line.ticket_type_id)], order_id=order_id)
    for ticket in new.tickets:
        _saved(ticket, ticket_ids[ticket.secret], order_id=order_id)
    rest = list(row[3:])
    if new.payment is not None:
        _saved(new.payment, rest.pop(0), order_id=order_id)
    if new.voucher is not None:
        rest.pop(0)
        new.voucher.redeemed += 1
    _saved(new.confirmation, rest.pop(0))
    outbox.dispatch_on_commit(new.confirmation)


def _saved(instance: models.Model, pk: int, **foreign_keys: int) -> None:
    instance.pk = pk
    for attname, value in foreign_keys.items():
        setattr(instance, attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
