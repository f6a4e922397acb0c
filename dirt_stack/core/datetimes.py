"""The window every stored date-time lies in, and reading wall-clock times into it.

Organizers type date-times as wall-clock times in an event's zone. A time at the edge of
the calendar (31 December 9999, 23:00 in America/Adak, or 1 January 0001 in Asia/Tokyo) is
year 10000 or year 0 in UTC: Python cannot convert it (OverflowError), and PostgreSQL
stores what Python can then never load again, so every page listing it fails. So each
date-time is converted to UTC here and must lie in a window no real event leaves:
from 1 January 2000 to 31 December 2100 (UTC). The window is far from the calendar's
ends in every zone, leaves a sales window or a voucher room to start years before an
event, and stays within the years the time-zone database describes. CHECK constraints
on every date-time an organizer sets (``window_constraints``) keep the same window in
the database, whatever path writes the row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.forms.utils import pretty_name
from django.utils.translation import gettext, gettext_lazy

from core.statements import constraint_name

# The window, in UTC: from WINDOW_START included to WINDOW_END excluded.
FIRST_YEAR, LAST_YEAR = 2000, 2100
WINDOW_START = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
WINDOW_END = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)
# The last whole second inside the window.
LAST_SECOND = WINDOW_END - dt.timedelta(seconds=1)

OUT_OF_WINDOW = "out_of_window"

# Each window constraint's name -> the field it guards (filled by window_constraints).
_WINDOW_CONSTRAINTS: dict[str, str] = {}


# The names of the date-times the window guards, as errors name them (others: their
# field's name, "Starts at" for ``starts_at``).
FIELD_LABELS = {
    "starts_at": gettext_lazy("Starts at"),
    "ends_at": gettext_lazy("Ends at"),
    "admission_at": gettext_lazy("Admission at"),
    "sales_start": gettext_lazy("Sales start"),
    "sales_end": gettext_lazy("Sales end"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_until": gettext_lazy("Valid until"),
    "queue_opens_at": gettext_lazy("Queue opens at"),
    "sale_starts_at": gettext_lazy("Sale starts at"),
}


def field_label(name: str) -> str:
    """A date-time field's name for its errors, in the active language."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else pretty_name(name)


def window_message(label: str) -> str:
    """The error for a date-time outside the window; ``label`` names the field."""
    return gettext(
        "%(field)s: give a time from 1 January %(first_year)s to 31 December %(last_year)s (UTC)."
    ) % {"field": label, "first_year": FIRST_YEAR, "last_year": LAST_YEAR}


def within_window(value: dt.datetime, label: str) -> dt.datetime:
    """An aware ``value`` in UTC, or a ValidationError naming ``label`` when it lies
    outside the window (or beyond what a datetime can hold in UTC)."""
    try:
        utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationError(window_message(label), code=OUT_OF_WINDOW) from exc
    if not WINDOW_START <= utc < WINDOW_END:
        raise ValidationError(window_message(label), code=OUT_OF_WINDOW)
    return utc


def to_utc(value: dt.datetime, tz: dt.tzinfo, label: str) -> dt.datetime:
    """A wall-clock date-time read in ``tz`` (any tzinfo it has is ignored), as an aware
    UTC date-time inside the window; a ValidationError naming ``label`` otherwise."""
    try:
        local = value.replace(tzinfo=tz)
    except (OverflowError, ValueError) as exc:
        raise ValidationError(window_message(label), code=OUT_OF_WINDOW) from exc
    return within_window(local, label)


def require_window(**values: dt.datetime | None) -> None:
    """For services given aware date-times: a ValidationError keyed by each name whose
    value lies outside the window (None is no value)."""
    errors = {}
    for name, value in values.items():
        if value is not None:
            try:
                within_window(value, field_label(name))
            except ValidationError as error:
                errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def window_constraints(
    prefix: str, *fields: str, nullable: tuple[str, ...] = ()
) -> list[models.CheckConstraint]:
    """CHECK constraints keeping each of ``fields`` (and of ``nullable``, which may also be
    NULL) inside the window, named ``<prefix>_<field>_in_window``."""
    constraints = []
    for name in (*fields, *nullable):
        inside = models.Q(**{f"{name}__gte": WINDOW_START}) & models.Q(**{f"{name}__lt": WINDOW_END})
        condition = models.Q(**{f"{name}__isnull": True}) | inside if name in nullable else inside
        constraint_id = f"{prefix}_{name}_in_window"
        _WINDOW_CONSTRAINTS[constraint_id] = name
        constraints.append(models.CheckConstraint(condition=condition, name=constraint_id))
    return constraints


def window_refusal(exc: IntegrityError) -> ValidationError | None:
    """A window constraint's failure as a ValidationError on its field, or None for any
    other integrity error."""
    field = _WINDOW_CONSTRAINTS.get(constraint_name(exc) or "")
    if field is None:
        return None
    return ValidationError({field: window_message(field_label(field))}, code=OUT_OF_WINDOW)


@contextmanager
def window_checked() -> Iterator[None]:
    """Run writes in a savepoint; a window constraint's failure becomes a ValidationError
    on its field (other integrity errors propagate)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        refusal = window_refusal(exc)
        if refusal is None:
            raise
        raise refusal from exc


def move_into_window(
    model: type[models.Model],
    field: str,
    lowest: dt.datetime = WINDOW_START,
    highest: dt.datetime = LAST_SECOND,
) -> None:
    """For data migrations: set ``field`` of ``model``'s rows below ``lowest`` or above
    ``highest`` (both inside the window) to that bound, in SQL (PostgreSQL may hold
    year-10000 values Python cannot load)."""
    model._default_manager.filter(**{f"{field}__lt": lowest}).update(**{field: lowest})
    model._default_manager.filter(**{f"{field}__gt": highest}).update(**{field: highest})
