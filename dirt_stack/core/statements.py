"""Writes that claim counters and insert rows: one rule, two ways of running it.

A purchase or a hold *claims* counter rows (takes stock, uses a voucher) and
*inserts* its own rows (the order and its lines, tickets, payment...). Each
claim is written once, as a ``Claim``: an UPDATE that must change exactly
``rows`` rows, and what it means when it does not (or when the change would
break a CHECK constraint). The same ``Claim`` runs in one of two ways:

- ``claim(claims)``: one UPDATE after another inside the caller's transaction
  (SQLite, and any write that is part of a larger transaction);
- ``Statement``: on PostgreSQL, the claims and the inserts as one statement of
  data-modifying CTEs, run in autocommit mode (ADR 0012). Each claim's UPDATE
  waits for the previous one (so locks are always taken in the same order), and
  the statement's SELECT checks every claim's row count; a short one calls
  ``maticko_claim_failed``, which aborts the *whole* statement: nothing is
  written, no counter is left taken without its rows.

Either way a failure raises the claim's own exception (``Claim.refused``), so
callers handle one set of errors whatever the database. The SQL of a claim is
built from model metadata and the claim's own text; every value is a parameter.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from core.rows import column_name

# Created by core's migration 0002 on PostgreSQL: raises check_violation naming the claim.
CLAIM_FAILED_FUNCTION = "maticko_claim_failed"


def available() -> bool:
    """Whether the default database runs ``Statement`` (PostgreSQL does; SQLite has
    no data-modifying CTEs, and there ``claim`` and the ORM write the same rows)."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Claim:
    """``UPDATE table SET assignments WHERE condition``, which must change exactly ``rows`` rows.

    ``refused(name)`` is the exception to raise when it changes fewer (``name`` is
    the claim's own name) or when the change would violate one of ``constraints``
    (``name`` is the constraint's). Other failures propagate unchanged.

    ``text``, when given, replaces the UPDATE: another statement returning one row per
    row it changed (an upsert), with ``{gate}`` where a WHERE clause may add the
    condition that makes it run after the previous claim.
    """

    name: str
    model: type[models.Model]
    assignments: str
    condition: str
    params: tuple[Any, ...]
    refused: Callable[[str], Exception]
    rows: int = 1
    constraints: frozenset[str] = field(default_factory=frozenset)
    text: str | None = None

    def sql(self, after: str | None = None) -> str:
        """The UPDATE; with ``after`` (a CTE's name) it runs only once that CTE has run."""
        if self.text is not None:
            gate = f"AND EXISTS (SELECT 1 FROM {after})" if after else ""  # noqa: S608 - a CTE's name
            return self.text.replace("{gate}", gate)
        return _update_sql(self.model, self.assignments, self.condition, after)


# Text is built once per shape: a purchase is served thousands of times a second.
@functools.cache
def _update_sql(model: type[models.Model], assignments: str, condition: str, after: str | None) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    gate = f" AND EXISTS (SELECT 1 FROM {after})" if after else ""  # noqa: S608 - a CTE's name
    # The claim's SQL is code, never input; its values are parameters.
    return f"UPDATE {table} SET {assignments} WHERE ({condition}){gate} RETURNING id"  # noqa: S608


def _refusal(claims: Sequence[Claim], exc: IntegrityError) -> Exception | None:
    name = constraint_name(exc)
    for candidate in claims:
        if name == candidate.name or name in candidate.constraints:
            return candidate.refused(name)
    return None


def claim(claims: Sequence[Claim]) -> None:
    """Make ``claims`` one after another, in a savepoint of the caller's transaction.

    Raises the first failing claim's ``refused`` exception; nothing is changed then.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for each in claims:
                cursor.execute(each.sql(), each.params)
                if len(cursor.fetchall()) != each.rows:
                    raise each.refused(each.name)
    except IntegrityError as exc:
        refusal = _refusal(claims, exc)
        if refusal is None:
            raise
        raise refusal from exc


# --- PostgreSQL: one statement ---------------------------------------------------------


# An attname, or a tuple of them.
Skipped = str | tuple[str, ...] | None


@functools.cache
def columns(model: type[models.Model], skip: Skipped = None) -> tuple[models.Field, ...]:
    """The columns an INSERT of ``model`` writes: every concrete field but the
    primary key and ``skip`` (attnames of the columns the statement fills in itself)."""
    skipped = (skip,) if isinstance(skip, str) else skip or ()
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skipped)


# Fields whose value the ORM saves unchanged when it is of one of these exact types (a
# subclass, such as a choices enum, takes the ORM's way): ``values`` copies those values
# instead of running each field's conversions, a third of an order's write in Python.
# Not integer fields: on PostgreSQL the ORM sends them typed (psycopg's Int2, Int4...);
# a key to an automatic id it sends as it is.
_SAVED_AS_IS: dict[type[models.Field[Any, Any]], tuple[type, ...]] = {
    models.CharField: (str, type(None)),
    models.EmailField: (str, type(None)),
    models.TextField: (str, type(None)),
    models.BooleanField: (bool, type(None)),
    models.ForeignKey: (int, type(None)),
    models.OneToOneField: (int, type(None)),
}
_KEYS = (models.AutoField, models.BigAutoField)


@functools.cache
def _savers(
    model: type[models.Model], skip: Skipped
) -> tuple[tuple[str, models.Field[Any, Any], tuple[type, ...]], ...]:
    """Per column of ``columns``: its attname, its field, the types saved as they are."""
    savers = []
    for f in columns(model, skip):
        as_is = _SAVED_AS_IS.get(type(f), ())
        if type(f).pre_save is not models.Field.pre_save or (
            isinstance(f, models.ForeignKey) and type(f.target_field) not in _KEYS
        ):
            as_is = ()
        savers.append((f.attname, f, as_is))
    return tuple(savers)


_UNSET = object()


def values(instance: models.Model, skip: Skipped = None, db: BaseDatabaseWrapper | None = None) -> list[Any]:
    """The instance's column values as the ORM would save them (defaults,
    auto_now_add, adapted for the database), in ``columns`` order."""
    db = db or connections[DEFAULT_DB_ALIAS]
    loaded = instance.__dict__
    row = []
    for attname, f, as_is in _savers(type(instance), skip):
        value = loaded.get(attname, _UNSET)
        row.append(value if type(value) in as_is else f.get_db_prep_save(f.pre_save(instance, True), db))
    return row


@functools.cache
def typed_row(fields: tuple[models.Field, ...]) -> str:
    """``(CAST(%s AS type), ...)``: one row of parameters typed as the columns of ``fields``."""
    return "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields) + ")"


@functools.cache
def _insert_sql(name: str, model: type[models.Model], rows: int, parent: tuple[str, str] | None) -> str:
    quote = connection.ops.quote_name
    fields = columns(model, parent[0] if parent else None)
    targets = ", ".join(quote(column_name(f)) for f in fields)
    values_sql = ", ".join([typed_row(fields)] * rows)
    if parent:
        targets = f"{quote(column_name(model._meta.get_field(parent[0])))}, {targets}"
        aliases = ", ".join(f"c{i}" for i in range(len(fields)))
        source = f"SELECT {parent[1]}.id, v.* FROM {parent[1]}, (VALUES {values_sql}) AS v({aliases})"  # noqa: S608
    else:
        source = f"VALUES {values_sql}"
    return f"{name} AS (INSERT INTO {quote(model._meta.db_table)} ({targets}) {source} RETURNING *)"


class Statement:
    """One PostgreSQL statement: the claims in order, then inserts, then a SELECT.

    The text and its parameters are built together, fragment by fragment, so they
    cannot drift apart. ``run`` returns the selected values as a tuple.
    """

    def __init__(self, claims: Sequence[Claim]) -> None:
        self._claims = list(claims)
        self._ctes: list[str] = []
        self._params: list[Any] = []
        self._selected: list[str] = []
        previous = None
        for each in self._claims:
            self._ctes.append(f"{each.name} AS ({each.sql(after=previous)})")
            self._params += each.params
            previous = each.name

    def insert(
        self,
        name: str,
        instances: Sequence[models.Model],
        *,
        parent: tuple[str, str] | None = None,
    ) -> None:
        """A CTE inserting ``instances`` (all of one model), returning every column.
        ``parent`` is (foreign key attname, CTE name): that column takes the id the
        CTE returned (its one row, inserted by this statement)."""
        model = type(instances[0])
        skip = parent[0] if parent else None
        self._ctes.append(_insert_sql(name, model, len(instances), parent))
        db = connections[DEFAULT_DB_ALIAS]
        for instance in instances:
            self._params += values(instance, skip, db)

    def add(self, name: str, sql: str, params: Sequence[Any]) -> None:
        """A CTE the caller wrote, ``name AS (sql)``, after the claims and the CTEs added
        before it (which it may read); its values are ``params``, in order."""
        self._ctes.append(f"{name} AS ({sql})")
        self._params += params

    def select(self, expression: str) -> None:
        """Add ``expression`` (SQL over the CTEs, no parameters) to what ``run`` returns."""
        self._selected.append(expression)

    def sql(self) -> tuple[str, list[Any]]:
        guards: list[str] = []
        params = list(self._params)
        for each in self._claims:
            guards.append(
                f"WHEN (SELECT count(*) FROM {each.name}) <> %s THEN {CLAIM_FAILED_FUNCTION}(%s)"  # noqa: S608
            )
            params += [each.rows, each.name]
        checked = f"CASE {' '.join(guards)} END" if guards else "NULL"
        text = f"WITH {', '.join(self._ctes)} SELECT {', '.join([checked, *self._selected])}"
        return text, params

    def run(self, *, serialize: object = None) -> tuple[Any, ...]:
        """Execute the statement; return the selected values (without the guard's).

        ``serialize`` (the hot rows' key, sales.stock.queue_key) runs at most one statement with the same
        key at a time in this process, only outside transactions (see ``_one_per_key``).
        Raises the first failing claim's ``refused`` exception; nothing is written then.
        """
        text, params = self.sql()
        try:
            row = _run(text, params, serialize)
        except IntegrityError as exc:
            refusal = _refusal(self._claims, exc)
            if refusal is None:
                raise
            raise refusal from exc
        return tuple(row[1:])


# Statements that claim the same counters queue on their row locks inside
# PostgreSQL anyway; letting more than one of them per process wait there costs
# the database CPU while the process has other work for its threads (measured on
# the flash-sale benchmark: slightly more orders/s, a lower p99). The lock is per
# key (the hot rows), so a rush on one event never queues another event's purchases.
_locks: dict[object, threading.Lock] = {}


@contextmanager
def _one_per_key(key: object) -> Iterator[None]:
    lock = _locks.get(key) or _locks.setdefault(key, threading.Lock())
    with lock:
        yield


def _run(sql: str, params: Sequence[Any], serialize: object) -> tuple[Any, ...]:
    """Execute ``sql`` and return its one row.

    Outside a transaction the connection autocommits, so the statement commits by
    itself; inside one (tests, a caller's atomic block) it runs in a savepoint.
    Parameters are bound server-side and the statement is prepared once per
    connection (settings: ``prepare_threshold``), because planning a statement of
    this size costs PostgreSQL more than running it.
    """
    inside = connection.in_atomic_block
    # Only outside a transaction: inside one, the caller may already hold a row
    # lock another thread's statement waits for, while that thread holds this lock.
    queue = _one_per_key(serialize) if serialize is not None and not inside else nullcontext()
    with transaction.atomic() if inside else nullcontext():
        connection.ensure_connection()
        with queue, connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
            cursor.execute(numbered(sql), params, prepare=True)
            row = cursor.fetchone()
    if row is None:  # a statement built by ``Statement`` always returns one row
        raise RuntimeError("The statement returned no row.")
    return tuple(row)


_PLACEHOLDERS = re.compile(r"%.?", re.DOTALL)


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> bytes:
    """``sql`` (Django's placeholders: ``%s``, ``%%`` for a percent sign) as PostgreSQL
    takes it, ``$1, $2...``, encoded: what psycopg's raw cursor sends as it is. psycopg
    converts the text of a query on every execution and caches the result only for short
    texts; a purchase's statement is longer, and the same few shapes run all day."""
    position = itertools.count(1)

    def replace(placeholder: re.Match[str]) -> str:
        if placeholder[0] == "%s":
            return f"${next(position)}"
        if placeholder[0] == "%%":
            return "%"
        raise ValueError(f"Only %s and %% may follow a percent sign: {placeholder[0]!r}.")

    return _PLACEHOLDERS.sub(replace, sql).encode()


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a read the purchase path makes on every request: on PostgreSQL bound
    server-side and prepared once per connection, as ``Statement`` is (planning such a
    query costs PostgreSQL more than running it); elsewhere through Django's cursor.
    Logged in ``connection.queries`` like any query when queries are being captured."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(numbered(sql), params, prepare=True)
        rows = list(cursor.fetchall())
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": "0.000"})
    return rows


# How long a rare organizer action (cancelling an event or a date) waits for the row
# locks purchases take in a rush, instead of DATABASE_LOCK_TIMEOUT's few seconds.
ORGANIZER_LOCK_WAIT_MS = 60_000


def wait_longer_for_locks(milliseconds: int = ORGANIZER_LOCK_WAIT_MS) -> None:
    """Inside a transaction: let its statements wait up to ``milliseconds`` for row locks
    (PostgreSQL's ``lock_timeout``, for this transaction only). Purchases hold a date's
    lock for a statement each, so an action queued behind a rush gets its turn."""
    if not connection.in_atomic_block:
        raise RuntimeError("wait_longer_for_locks needs a transaction.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(milliseconds)}ms"])


def saved(instance: models.Model, pk: int, alias: str = DEFAULT_DB_ALIAS, **foreign_keys: int) -> None:
    """Mark ``instance`` as saved under ``pk`` in the database ``alias`` (with foreign
    keys set by the statement)."""
    instance.pk = pk
    for attname, value in foreign_keys.items():
        setattr(instance, attname, value)
    instance._state.adding = False
    instance._state.db = alias


_SQLITE_CONSTRAINT = re.compile(r"CHECK constraint failed: (\w+)")


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint (or claim) that failed, on PostgreSQL and SQLite."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if name:
        return str(name)
    found = _SQLITE_CONSTRAINT.search(str(exc))
    return found.group(1) if found else None
