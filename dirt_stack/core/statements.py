"""One-statement writes on PostgreSQL: new rows and counter updates as data-modifying CTEs.

The hot writes of an on-sale rush (a purchase, a hold) each take stock and
insert a few rows. As one autocommitted statement they are atomic, cost one
round trip, and hold the event's row lock only inside PostgreSQL (ADR 0012).
This module has the generic parts; sales.order_statement and sales.stock
compose the statements.

- ``insert_row_cte`` writes the statement's main row if a condition holds,
  ``insert_cte`` rows of a model after such a row was written;
  ``values`` gives their parameters exactly as the ORM would save them;
- ``run`` executes a statement, prepared once per connection;
- ``saved`` marks instances as saved with the ids the statement returned;
- ``constraint_name`` tells which constraint failed a statement.

SQL here is assembled from model metadata (table and column names); every value
is a parameter.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction


def available() -> bool:
    """Whether the default database runs these statements (PostgreSQL does; SQLite has
    no data-modifying CTEs, and there the ORM writes the same rows)."""
    return connection.vendor == "postgresql"


@functools.cache
def columns(model: type[models.Model], skip: str | None = None) -> tuple[models.Field, ...]:
    """The columns an INSERT of ``model`` writes: every concrete field but the
    primary key and ``skip`` (a foreign key the statement fills in itself)."""
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and f.attname != skip)


def values(instance: models.Model, skip: str | None = None) -> list[Any]:
    """The instance's column values as the ORM would save them (defaults,
    auto_now_add, adapted for the database), in ``columns`` order."""
    db = connections[DEFAULT_DB_ALIAS]
    return [f.get_db_prep_save(f.pre_save(instance, True), db) for f in columns(type(instance), skip)]


def casts(fields: Sequence[models.Field]) -> str:
    """``CAST(%s AS type), ...``: the parameters of ``fields`` typed as their columns."""
    return ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)


def column_names(fields: Sequence[models.Field]) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


def insert_cte(
    name: str, model: type[models.Model], rows: int, *, after: str, parent: str | None = None
) -> str:
    """A CTE inserting ``rows`` rows of ``model`` (their ``values`` are the parameters)
    once the CTE ``after`` has produced its row; with ``parent`` (a foreign key
    attname) that column takes the id ``after`` returned. Returns every column."""
    fields = columns(model, parent)
    row = f"({casts(fields)})"
    aliases = ", ".join(f"c{i}" for i in range(len(fields)))
    targets, selected = column_names(fields), "v.*"
    if parent:
        targets = f"{connection.ops.quote_name(model._meta.get_field(parent).column)}, {targets}"
        selected = f"{after}.id, v.*"
    return (
        f"{name} AS (INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({targets}) "
        f"SELECT {selected} FROM {after}, (VALUES {', '.join([row] * rows)}) AS v({aliases}) RETURNING *)"
    )


def insert_row_cte(name: str, model: type[models.Model], *, where: str) -> str:
    """A CTE inserting one row of ``model`` (its ``values`` are the parameters) if
    the SQL condition ``where`` holds. Returns the new id."""
    fields = columns(model)
    return (
        f"{name} AS (INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({column_names(fields)}) "
        f"SELECT {casts(fields)} WHERE {where} RETURNING id)"
    )


# Statements that take stock all lock their event's row first. More than one per
# process at a time would only queue inside PostgreSQL on that lock, which costs
# the database CPU while the process has threads with other work; measured on the
# flash-sale benchmark this gives slightly more orders/s and a lower p99.
_one_at_a_time = threading.Lock()


def run(sql: str, params: Sequence[Any]) -> tuple[Any, ...]:
    """Execute ``sql`` and return its one row.

    Outside a transaction the connection autocommits, so the statement commits by
    itself; inside one (tests, a caller's atomic block) it runs in a savepoint.
    Parameters are bound server-side and the statement is prepared once per
    connection (settings: ``prepare_threshold``), because planning a statement of
    this size costs PostgreSQL more than running it.
    """
    # Only outside a transaction: inside one, the caller may already hold a row
    # lock another thread's statement waits for, while that thread holds this lock.
    one_at_a_time = nullcontext() if connection.in_atomic_block else _one_at_a_time
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        connection.ensure_connection()
        with (
            one_at_a_time,
            connection.wrap_database_errors,
            psycopg.Cursor(connection.connection) as cursor,
        ):
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchone()


def saved(instance: models.Model, pk: int, **foreign_keys: int) -> None:
    """Mark ``instance`` as saved under ``pk`` (with foreign keys set by the statement)."""
    instance.pk = pk
    for attname, value in foreign_keys.items():
        setattr(instance, attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint that failed the statement, when PostgreSQL reports one."""
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
