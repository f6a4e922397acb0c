"""A cheaper end for the transactional tests (``django_db(transaction=True)``).

Django empties the database after each of them with its ``flush`` command: a TRUNCATE of
every table, then the ``post_migrate`` signal, which writes the content types and the
permissions again. On PostgreSQL that cost 0.7 s a test, a third of the whole suite: a
TRUNCATE gives each of the seventy tables and their indexes new files, empty or not, and the
signal writes some five hundred rows again. Here the flush

- leaves the content types and the permissions alone (reference data written by
  ``migrate``, which no test changes) and so needs no ``post_migrate``;
- on PostgreSQL, empties only the tables that hold a row (one query asks them all), with
  DELETE (a few rows cost less to delete than a table to truncate; the foreign keys are
  checked at the commit, when every table is empty). A table whose own triggers refuse a
  DELETE (an issued invoice is immutable) is truncated first, with CASCADE.

Only the test processes are changed; ``manage.py flush`` is Django's own.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db.backends.base.base import BaseDatabaseWrapper

# Written once by migrate; emptied, they would need post_migrate to write them again.
REFERENCE_TABLES = frozenset({"django_content_type", "auth_permission"})


def _tables_with_rows(connection: BaseDatabaseWrapper, tables: list[str]) -> list[str]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        checks = ", ".join(f"EXISTS (SELECT 1 FROM {quote(table)})" for table in tables)  # noqa: S608 - names from metadata
        cursor.execute(f"SELECT {checks}")
        found = cursor.fetchone()
    return [table for table, has_rows in zip(tables, found, strict=True) if has_rows]


def _tables_with_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}


def _postgresql_flush(connection: BaseDatabaseWrapper, tables: list[str]) -> list[str]:
    quote = connection.ops.quote_name
    with_rows = _tables_with_rows(connection, tables)
    guarded = _tables_with_triggers(connection)
    truncated = [table for table in with_rows if table in guarded]
    statements = [f"TRUNCATE {', '.join(quote(table) for table in truncated)} CASCADE;"] if truncated else []
    deletes = [f"DELETE FROM {quote(table)};" for table in with_rows if table not in guarded]  # noqa: S608 - names from metadata
    return statements + deletes


def sql_flush(
    style: Any, connection: BaseDatabaseWrapper, reset_sequences: bool = True, allow_cascade: bool = False
) -> list[str]:
    tables = [
        table
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False)
        if table not in REFERENCE_TABLES
    ]
    if connection.vendor == "postgresql" and tables and not reset_sequences:
        return _postgresql_flush(connection, tables)
    return connection.ops.sql_flush(
        style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
    )


def install() -> None:
    """Use this flush in the test process (tests/conftest.py)."""
    flush.sql_flush = sql_flush  # type: ignore[attr-defined]
    flush.emit_post_migrate_signal = _no_post_migrate  # type: ignore[attr-defined]


def _no_post_migrate(*args: Any, **kwargs: Any) -> None:
    """The reference tables were kept, so there is nothing for ``post_migrate`` to write."""
