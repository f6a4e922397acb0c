"""Model instances from rows of hand-written SQL, converted exactly as the ORM converts them.

For the few hot paths that read several models in one query (a join the ORM
would make two queries of, or compile too slowly for a request served
thousands of times a second). ``Model.from_db`` alone skips the per-field
conversions (JSON decoding, SQLite's dates and decimals); ``instance`` applies them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, models

ModelT = TypeVar("ModelT", bound=models.Model)


def column_name(field: models.Field[Any, Any] | models.ForeignObjectRel) -> str:
    """The database column of a field stored in one (Django leaves ``column`` None only
    on fields that have no column of their own, such as reverse relations)."""
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{field} has no database column")
    return field.column


def columns(model: type[models.Model], table_alias: str) -> list[str]:
    """``alias."column"`` for each concrete field of ``model``, in ``instance``'s order."""
    quote = connection.ops.quote_name
    return [f"{table_alias}.{quote(column_name(f))}" for f in model._meta.concrete_fields]


Converters = list[tuple[list[Callable[..., Any]], Any]]


@functools.cache
def _loader(model: type[models.Model], vendor: str) -> tuple[list[str], Converters]:
    """The field names ``from_db`` takes and, per column, the ORM's converters."""
    attnames, converters = [], []
    for field in model._meta.concrete_fields:
        expression = field.get_col(model._meta.db_table)
        attnames.append(field.attname)
        converters.append(
            (connection.ops.get_db_converters(expression) + field.get_db_converters(connection), expression)
        )
    return attnames, converters


def instance(model: type[ModelT], values: Sequence[Any]) -> ModelT:
    """The instance of ``model`` whose ``columns`` were selected as ``values``."""
    attnames, converters = _loader(model, connection.vendor)
    converted = []
    for value, (convert_all, expression) in zip(values, converters, strict=True):
        for convert in convert_all:
            value = convert(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, attnames, converted)
