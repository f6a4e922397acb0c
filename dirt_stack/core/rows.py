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


def columns(model: type[models.Model], table_alias: str) -> list[str]:
    """``alias."column"`` for each concrete field of ``model``, in ``instance``'s order."""
    quote = connection.ops.quote_name
    return [f"{table_alias}.{quote(f.column)}" for f in model._meta.concrete_fields]


@functools.cache
def _converters(model: type[models.Model], vendor: str) -> list[tuple[list[Callable[..., Any]], Any]]:
    result = []
    for field in model._meta.concrete_fields:
        expression = field.get_col(model._meta.db_table)
        result.append(
            (connection.ops.get_db_converters(expression) + field.get_db_converters(connection), expression)
        )
    return result


def instance(model: type[ModelT], values: Sequence[Any]) -> ModelT:
    """The instance of ``model`` whose ``columns`` were selected as ``values``."""
    converted = []
    for value, (converters, expression) in zip(values, _converters(model, connection.vendor), strict=True):
        for convert in converters:
            value = convert(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in model._meta.concrete_fields], converted)
