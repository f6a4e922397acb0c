"""Copying an event's own rows into a new draft: the event, its ticket types, its dates and
their stock rows, every date-time moved by one offset. The apps above events copy their
configuration from the ``EventCopy`` this returns (backoffice.duplication runs them all in
one transaction).

Times move as wall-clock times in the event's zone: a date at 20:00 copied across a change
of daylight saving time is again at 20:00, like the dates of a recurrence rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from core.datetimes import FIRST_YEAR, LAST_YEAR, OUT_OF_WINDOW, to_utc
from events import dates as date_rules
from events.models import DateTicketType, Event, EventDate, TicketType

COPY_SUFFIX = " (copy)"
TITLE_MAX = Event._meta.get_field("title").max_length or 200
SLUG_BASE_MAX = 100


@dataclass
class EventCopy:
    """A copy in progress: its source, the new event, and which new row stands for which old."""

    source: Event
    event: Event
    # The wall-clock offset (in the event's zone) every date-time moves by.
    offset: dt.timedelta
    ticket_types: dict[int, TicketType] = field(default_factory=dict)
    dates: dict[int, EventDate] = field(default_factory=dict)

    def shift(self, value: dt.datetime, label: str) -> dt.datetime:
        return shift(value, self.offset, self.source, label)

    def shift_optional(self, value: dt.datetime | None, label: str) -> dt.datetime | None:
        return None if value is None else self.shift(value, label)

    def new_ticket_types(self, old: list[TicketType]) -> list[TicketType]:
        return [self.ticket_types[t.pk] for t in old if t.pk in self.ticket_types]

    def new_dates(self, old: list[EventDate]) -> list[EventDate]:
        return [self.dates[d.pk] for d in old if d.pk in self.dates]


def shift(value: dt.datetime, offset: dt.timedelta, event: Event, label: str) -> dt.datetime:
    """``value`` moved by ``offset`` as a wall-clock time in the event's zone, in UTC inside
    core.datetimes' window; otherwise a ValidationError on ``starts_at`` (the new start
    moved it there) naming ``label``."""
    tz = event.tz
    try:
        local = value.astimezone(tz).replace(tzinfo=None) + offset
        return to_utc(local, tz, label)
    except (OverflowError, ValidationError) as exc:
        message = gettext(
            "%(field)s: with this start, the copy's time would fall outside 1 January %(first_year)s "
            "to 31 December %(last_year)s (UTC)."
        ) % {"field": label, "first_year": FIRST_YEAR, "last_year": LAST_YEAR}
        raise ValidationError({"starts_at": message}, code=OUT_OF_WINDOW) from exc


def copied_dates(source: Event) -> list[EventDate]:
    """The dates a copy takes: those not cancelled (all of them when every one is)."""
    all_dates = list(source.dates.order_by("starts_at", "id"))
    kept = [d for d in all_dates if d.status != EventDate.Status.CANCELLED]
    return kept or all_dates


def wall_clock_offset(source: Event, first: EventDate, new_start: dt.datetime) -> dt.timedelta:
    """How far the first copied date moves, in wall-clock time of the event's zone."""
    tz = source.tz
    return new_start.astimezone(tz).replace(tzinfo=None) - first.starts_at.astimezone(tz).replace(tzinfo=None)


def copy_translations(row: Any) -> dict[str, Any]:
    """A row's translated texts (core.translated) for its copy: a copy of its own, not shared."""
    stored = row.translations if isinstance(row.translations, dict) else {}
    return {
        code: {name: list(text) if isinstance(text, list) else text for name, text in fields.items()}
        for code, fields in stored.items()
    }


def copy_title(source: Event, title: str) -> str:
    """The organizer's title, or the source's with "(copy)" (cut to fit the column)."""
    if title:
        return title
    return source.title[: TITLE_MAX - len(COPY_SUFFIX)] + COPY_SUFFIX


def unique_slug(title: str) -> str:
    """A slug from ``title`` that no event uses (``-2``, ``-3``... when taken)."""
    base = slugify(title)[:SLUG_BASE_MAX].strip("-") or "event"
    taken = set(Event.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _save_with_free_slug(event: Event, attempts: int = 3) -> None:
    """Insert ``event``; when another copy took its slug in the meantime, the next free one."""
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                event.save()
            return
        except IntegrityError:
            if attempt == attempts - 1 or not Event.objects.filter(slug=event.slug).exists():
                raise
            event.pk = None
            event.slug = unique_slug(event.title)


# Event columns a copy does not take from its source: its identity, its state, and what
# the rows below it recompute (the span from the dates, asks_questions from the questions).
_EVENT_NOT_COPIED = frozenset(
    {"id", "slug", "title", "status", "starts_at", "ends_at", "asks_questions", "created_at", "updated_at"}
)


def copy_event(source: Event, *, title: str, new_start: dt.datetime) -> EventCopy:
    """The new draft with the source's settings, ticket types, dates and stock rows (counters
    at zero), every date-time moved so that the first copied date starts at ``new_start``.
    Call inside a transaction; ValidationError (on ``starts_at``) when a moved time would
    leave the window."""
    source_dates = copied_dates(source)
    offset = wall_clock_offset(source, source_dates[0], new_start)
    event = Event(
        **{
            f.attname: getattr(source, f.attname)
            for f in Event._meta.concrete_fields
            if f.name not in _EVENT_NOT_COPIED
        }
    )
    event.title = copy_title(source, title)
    event.slug = unique_slug(event.title)
    event.status = Event.Status.DRAFT
    copy = EventCopy(source=source, event=event, offset=offset)
    # The span is refreshed from the dates below; these satisfy the row's constraints till then.
    event.starts_at = copy.shift(source.starts_at, "Start")
    event.ends_at = max(copy.shift(source.ends_at, "End"), event.starts_at)
    event.payment_methods = list(source.payment_methods or [])
    _save_with_free_slug(event)

    for old in source.ticket_types.order_by("position", "id"):
        copy.ticket_types[old.pk] = TicketType.objects.create(
            event=event,
            name=old.name,
            description=old.description,
            translations=copy_translations(old),
            price=old.price,
            capacity=old.capacity,
            sales_start=copy.shift_optional(old.sales_start, gettext("Ticket sales start")),
            sales_end=copy.shift_optional(old.sales_end, gettext("Ticket sales end")),
            min_per_order=old.min_per_order,
            max_per_order=old.max_per_order,
            max_tickets_per_email=old.max_tickets_per_email,
            hidden=old.hidden,
            position=old.position,
        )
    for old_date in source_dates:
        starts_at = copy.shift(old_date.starts_at, gettext("Date start"))
        copy.dates[old_date.pk] = EventDate.objects.create(
            event=event,
            starts_at=starts_at,
            ends_at=max(copy.shift(old_date.ends_at, gettext("Date end")), starts_at),
            admission_at=copy.shift_optional(old_date.admission_at, gettext("Doors open")),
            sales_start=copy.shift_optional(old_date.sales_start, gettext("Date sales start")),
            sales_end=copy.shift_optional(old_date.sales_end, gettext("Date sales end")),
            venue_name=old_date.venue_name,
            venue_address=old_date.venue_address,
            capacity=old_date.capacity,
        )
    DateTicketType.objects.bulk_create(
        DateTicketType(
            date=copy.dates[row.date_id],
            ticket_type=copy.ticket_types[row.ticket_type_id],
            capacity=row.capacity,
            price=row.price,
            offered=row.offered,
        )
        for row in DateTicketType.objects.filter(date_id__in=list(copy.dates))
    )
    date_rules.refresh_span(event)
    return copy
