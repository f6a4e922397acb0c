"""Accent- and case-insensitive text search ("Zurich" finds "Zürich", "prazsky" finds
"Pražský") on PostgreSQL and SQLite, without an extension or a stored search column.

Both sides are folded by the same table: a letter with diacritics becomes its base
letter (one character for one, so PostgreSQL's ``translate()`` can apply it), then
everything is lower-cased. PostgreSQL runs ``lower(translate(column, from, to))``;
SQLite runs ``maticko_fold(column)``, a Python function registered on every connection
(``register_sqlite_fold``). ``unaccent`` was not used: creating the extension needs a
privilege the application's database user may lack in production, and a migration of
the searched tables' app would be needed to index a stored column anyway. The search
scans the listed events, as the ``icontains`` search before it did.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Func
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

# Letters that do not decompose but read as a base letter.
_EXTRA = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ħ": "h", "Ħ": "H", "ı": "i"}


def _fold_table() -> dict[str, str]:
    table = dict(_EXTRA)
    # Latin-1 Supplement, Latin Extended-A and -B, Latin Extended Additional (Vietnamese).
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        parts = unicodedata.normalize("NFD", char)
        base, marks = parts[0], parts[1:]
        if base.isascii() and base.isalpha() and marks and all(unicodedata.combining(m) for m in marks):
            table[char] = base
    return table


_TABLE = _fold_table()
_FROM = "".join(_TABLE)
_TO = "".join(_TABLE.values())
_TRANSLATION = str.maketrans(_TABLE)


def fold(text: str) -> str:
    """``text`` without diacritics on letters, lower-cased (what ``Folded`` does in SQL)."""
    return text.translate(_TRANSLATION).lower()


def _sqlite_fold(value: Any) -> str | None:
    return None if value is None else fold(str(value))


class Folded(Func):
    """A text column folded like ``fold``: filter with ``__contains=fold(query)``."""

    output_field = CharField()

    def __init__(self, expression: Expression | str) -> None:
        super().__init__(expression)

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"lower(translate({sql}, %s, %s))", [*params, _FROM, _TO]

    def as_sqlite(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"maticko_fold({sql})", list(params)


def register_sqlite_fold(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """``connection_created`` receiver: give SQLite connections ``maticko_fold``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("maticko_fold", 1, _sqlite_fold, deterministic=True)
