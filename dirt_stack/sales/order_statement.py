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
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction

from core import outbox
from sales import stock
from sales.models import IdempotencyRecord, Order, Voucher

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
def _columns(model: type[models.Model]) -> tuple[tuple[models.Field, str], ...]:
    """The columns an INSERT of ``model`` writes (every concrete field but the primary
    key), each with the SQL that casts its parameter to the column's type."""
    return tuple(
        (f, f"CAST(%s AS {f.db_type(connection)})") for f in model._meta.concrete_fields if not f.primary_key
    )


def _select_list(instance: models.Model, skip: str | None = None) -> tuple[str, list[Any]]:
    """``CAST(%s AS type), ...`` for the instance's column values (as the ORM would save them:
    defaults, auto_now_add, adapted values), leaving out the column ``skip``."""
    db = connections[DEFAULT_DB_ALIAS]
    parts, params = [], []
    for field, cast in _columns(type(instance)):
        if field.attname != skip:
            parts.append(cast)
            params.append(field.get_db_prep_save(field.pre_save(instance, True), db))
    return ", ".join(parts), params


def _column_list(model: type[models.Model], skip: str | None = None) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(f.column) for f, _ in _columns(model) if f.attname != skip)


def _insert_cte(
    name: str, instances: Sequence[models.Model], after: str, *, parent: str | None = None
) -> tuple[str, list[Any]]:
    """A CTE inserting ``instances`` (one model) once the CTE ``after`` has produced its row.

    With ``parent`` (a foreign key attname such as ``order_id``) that column takes
    the id ``after`` returned, for rows whose parent is inserted by the same statement.
    """
    model = type(instances[0])
    columns = _column_list(model, skip=parent)
    rows, params = [], []
    for instance in instances:
        select_list, values = _select_list(instance, skip=parent)
        rows.append(f"({select_list})")
        params += values
    width = len([f for f, _ in _columns(model) if f.attname != parent])
    aliases = ", ".join(f"c{i}" for i in range(width))
    quote = connection.ops.quote_name
    if parent:
        target = f"{quote(model._meta.get_field(parent.removesuffix('_id')).column)}, {columns}"
        source = f"SELECT {after}.id, v.* FROM {after}, (VALUES {', '.join(rows)}) AS v({aliases})"
    else:
        target = columns
        source = f"SELECT v.* FROM {after}, (VALUES {', '.join(rows)}) AS v({aliases})"
    sql = f"{name} AS (INSERT INTO {quote(model._meta.db_table)} ({target}) {source} RETURNING *)"
    return sql, params


def _ids_by(cte: str, column: str) -> str:
    """The ids of the rows ``cte`` inserted, as a JSON object keyed by ``column``."""
    return f"(SELECT json_object_agg({column}, id) FROM {cte})"


def insert(new: Any, *, idempotency: IdempotencyRecord | None, take_stock: Mapping[int, int]) -> None:
    """Write ``new`` (an ``orders.NewOrder``) and take ``take_stock`` in one statement.

    Raises stock.SoldOut, VoucherUsedUp, or IntegrityError (a taken order code or
    Idempotency-Key: the caller looks the key up or retries). Inside an open
    transaction (tests, callers' atomic blocks) the statement runs in a savepoint
    of it; otherwise it commits by itself.
    """
    order: Order = new.order
    parts: list[str] = []
    params: list[Any] = []

    def add(sql: str, values: Iterable[Any]) -> None:
        parts.append(sql)
        params.extend(values)

    stock_sql, stock_params = stock.take_stock_ctes(order.event_id, take_stock)
    add(stock_sql, stock_params)
    # The order exists only if every ticket type's counter was taken (all of
    # them belong to the event, which is on sale); everything else hangs off it.
    order_select, order_values = _select_list(order)
    add(
        f"new_order AS (INSERT INTO {Order._meta.db_table} ({_column_list(Order)}) "
        f"SELECT {order_select} WHERE (SELECT count(*) FROM stock_types) = %s RETURNING id)",
        [*order_values, len(take_stock)],
    )
    add(*_insert_cte("new_lines", new.lines, "new_order", parent="order_id"))
    add(*_insert_cte("new_tickets", new.tickets, "new_order", parent="order_id"))
    selected = [
        "(SELECT id FROM new_order)",
        _ids_by("new_lines", "ticket_type_id"),
        _ids_by("new_tickets", "secret"),
    ]
    if new.payment is not None:
        add(*_insert_cte("new_payment", [new.payment], "new_order", parent="order_id"))
        selected.append("(SELECT id FROM new_payment)")
    if new.voucher is not None:
        add(
            f"used_voucher AS (UPDATE {Voucher._meta.db_table} SET redeemed = redeemed + 1 "
            f"FROM new_order WHERE {Voucher._meta.db_table}.id = %s RETURNING {Voucher._meta.db_table}.id)",
            [new.voucher.pk],
        )
        selected.append("(SELECT id FROM used_voucher)")
    if idempotency is not None:
        add(*_insert_cte("new_key", [idempotency], "new_order"))
    add(*_insert_cte("new_message", [new.confirmation], "new_order"))
    selected.append("(SELECT id FROM new_message)")
    sql = f"WITH {', '.join(parts)} SELECT {', '.join(selected)}"

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
