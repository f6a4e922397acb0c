"""What organizers do to an event's dates: add them (one, or from a rule), edit one or
several, delete one that never sold anything. Views call these; they own the rules.

Cancelling and moving a date concern its buyers and live in sales.date_changes.

Capacity changes race purchases safely: each change first locks the date's row
(``select_for_update``), which a purchase must lock too before it takes stock
there (sales.stock), so the sold count read under the lock holds until commit;
locks are taken date row first, then its ticket types' rows, as purchases take
them. The CHECK constraints on ``allocated`` stay the last word: a change that
would oversell a counter fails with an IntegrityError, reported here as a
ValidationError naming the date; so do those keeping a date's times inside
core.datetimes' window, reported as a ValidationError on the time's field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import get_language, gettext, ngettext

from core.datetimes import window_checked
from core.formatting import format_short_moment
from core.statements import constraint_name
from events import dates
from events.forms import ALREADY_A_DATE, BulkDateForm, DateForm, DateTicketTypeForm, date_at
from events.models import DateTicketType, Event, EventDate, capacity_below_allocated

_CAPACITY_CONSTRAINTS = frozenset(
    {"event_date_allocated_within_capacity", "date_ticket_type_allocated_within_capacity"}
)


def date_label(date: EventDate, event: Event | None = None) -> str:
    """A date as errors name it: "Fri 3 Oct 2031, 19:30" in the event's zone, in the active language."""
    return format_short_moment(date.starts_at, (event or date.event).timezone, get_language())


def _on_date(date: EventDate, problem: str) -> str:
    # Translators: a date ("Fri 3 Oct 2031, 19:30"), then what is wrong on it.
    return gettext("%(date)s: %(problem)s") % {"date": date_label(date), "problem": problem}


def _on_date_for(date: EventDate, ticket_type: str, problem: str) -> str:
    # Translators: a date ("Fri 3 Oct 2031, 19:30"), a ticket type's name, then what is wrong.
    return gettext("%(date)s, %(ticket_type)s: %(problem)s") % {
        "date": date_label(date),
        "ticket_type": ticket_type,
        "problem": problem,
    }


@contextmanager
def _capacity_checked(message: str, key: str) -> Iterator[None]:
    """Run an update in a savepoint; an oversold counter's CHECK failure becomes a
    ValidationError ``{key: message}`` (other integrity errors propagate)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if constraint_name(exc) not in _CAPACITY_CONSTRAINTS:
            raise
        raise ValidationError({key: message}) from exc


def _locked_dates(event: Event, ids: Sequence[int]) -> list[EventDate]:
    """The event's dates with these ids, locked in id order (see the module's docstring)."""
    found = list(
        EventDate.objects.select_for_update(no_key=True).filter(event=event, pk__in=ids).order_by("pk")
    )
    for date in found:
        date.event = event
    return found


def _lock_event(event: Event) -> None:
    """Serialize additions of dates to one event (no two adds make the same date twice)."""
    Event.objects.select_for_update(no_key=True).filter(pk=event.pk).values_list("pk", flat=True).first()


# --- Adding --------------------------------------------------------------------------------


@transaction.atomic
def add_date(form: DateForm) -> EventDate:
    """Add the date of a valid DateForm, offering every ticket type with its capacity."""
    event = form.event
    _lock_event(event)
    if date_at(event, form.cleaned_data["starts_at"]):  # added meanwhile: the form checked before the lock
        raise ValidationError({"starts_at": ALREADY_A_DATE})
    date = form.save(commit=False)
    date.event = event
    with window_checked():
        date.save()
    dates.add_stock_rows([date], list(event.ticket_types.all()))
    dates.refresh_span(event)
    return date


@dataclass(frozen=True)
class AddedDates:
    created: list[EventDate]
    # Occurrences left out because the event already has a date starting then.
    skipped: list[dates.DateTimes]


def existing_starts(event: Event, times: Sequence[dates.DateTimes]) -> set[Any]:
    """Which of these start times the event already has a date at."""
    return set(
        EventDate.objects.filter(event=event, starts_at__in=[t.starts_at for t in times]).values_list(
            "starts_at", flat=True
        )
    )


@transaction.atomic
def add_dates_from_rule(event: Event, times: Sequence[dates.DateTimes]) -> AddedDates:
    """Add a date for each of ``times`` (a rule's occurrences, events.recurrence) except
    those at which the event already has a date."""
    _lock_event(event)
    taken = existing_starts(event, times)
    new = [t for t in times if t.starts_at not in taken]
    with window_checked():
        created = dates.add_dates(event, new) if new else []
    return AddedDates(created=created, skipped=[t for t in times if t.starts_at in taken])


# --- Editing -------------------------------------------------------------------------------


def _refuse_cancelled(date: EventDate) -> None:
    if date.status == EventDate.Status.CANCELLED:
        raise ValidationError(
            {"form": gettext("%(date)s is cancelled; it cannot be changed.") % {"date": date_label(date)}}
        )


def _set_capacity(date: EventDate, capacity: int | None, key: str) -> None:
    """Set a (locked) date's shared capacity, not below its tickets sold or held (counted
    under the locks ``dates.set_capacity`` takes)."""
    if capacity == date.capacity:
        return
    try:
        with transaction.atomic():
            dates.set_capacity([date.pk], capacity)
    except IntegrityError as exc:
        if constraint_name(exc) not in _CAPACITY_CONSTRAINTS:
            raise
        allocated = allocated_on(date.pk)
        raise ValidationError({key: _on_date(date, capacity_below_allocated(allocated))}) from exc
    date.capacity = capacity


def _set_offer(
    date: EventDate,
    offer: DateTicketType,
    *,
    capacity: int | None = None,
    price: Decimal | None = None,
    clear_price: bool = False,
    offered: bool | None = None,
    prefix: str,
) -> None:
    """Change one ticket type's row on a (locked) date; None leaves a value as it is."""
    current = DateTicketType.objects.select_for_update().get(pk=offer.pk)
    name = offer.ticket_type.name
    changes: dict[str, Any] = {}
    if capacity is not None and capacity != current.capacity:
        if capacity < current.allocated:
            message = _on_date_for(date, name, capacity_below_allocated(current.allocated))
            raise ValidationError({f"{prefix}-capacity": message})
        changes["capacity"] = capacity
    if clear_price or price is not None:
        changes["price"] = price
    if offered is not None and offered != current.offered:
        if not offered and current.allocated:
            message = gettext(
                "%(date)s: tickets of %(ticket_type)s are sold or reserved on this date; it stays offered."
            ) % {"date": date_label(date), "ticket_type": name}
            raise ValidationError({f"{prefix}-offered": message})
        changes["offered"] = offered
    if not changes:
        return
    message = _on_date_for(date, name, capacity_below_allocated(current.allocated))
    with _capacity_checked(message, f"{prefix}-capacity"):
        DateTicketType.objects.filter(pk=offer.pk).update(**changes)
    if changes.get("capacity", 0) > current.capacity or changes.get("offered") is True:
        dates.capacity_raised([date.pk])


@transaction.atomic
def edit_date(form: DateForm, offers: Sequence[DateTicketTypeForm]) -> EventDate:
    """Save a valid DateForm of an existing date and its ticket types' forms: admission,
    sales window, venue, capacity (not below what is sold or held), status (on sale or
    sold out), and per ticket type capacity, price and whether it is offered (not
    withdrawn while tickets of it are sold or held there). All or nothing."""
    event = form.event
    (date,) = _locked_dates(event, [form.instance.pk])
    _refuse_cancelled(date)
    data = form.cleaned_data
    _set_capacity(date, data["capacity"], "capacity")
    fields = ("admission_at", "sales_start", "sales_end", "venue_name", "venue_address", "status")
    with window_checked():
        EventDate.objects.filter(pk=date.pk).update(**{name: data[name] for name in fields})
    rows = {row.pk: row for row in DateTicketType.objects.filter(date=date).select_related("ticket_type")}
    for offer_form in offers:
        row = rows[offer_form.instance.pk]
        values = offer_form.cleaned_data
        _set_offer(
            date,
            row,
            capacity=values["capacity"],
            price=values["price"],
            clear_price=values["price"] is None,
            offered=values["offered"],
            prefix=offer_form.prefix or "",
        )
    date.refresh_from_db()
    return date


@transaction.atomic
def bulk_edit(form: BulkDateForm) -> list[EventDate]:
    """Apply a valid BulkDateForm to each chosen date: all or nothing, and an error names
    the first date that refuses (a capacity below what is sold there, a cancelled date)."""
    event = form.event
    data = form.cleaned_data
    chosen = _locked_dates(event, data["dates"])
    changes = form.ticket_type_changes()
    rows: dict[tuple[int, int], DateTicketType] = {
        (row.date_id, row.ticket_type_id): row
        for row in DateTicketType.objects.filter(date__in=chosen, ticket_type_id__in=changes).select_related(
            "ticket_type"
        )
    }
    for date in sorted(chosen, key=lambda d: (d.starts_at, d.pk)):
        if date.status == EventDate.Status.CANCELLED:
            raise ValidationError(
                {"dates": gettext("%(date)s is cancelled; leave it out.") % {"date": date_label(date)}}
            )
        if data.get("capacity") is not None:
            _set_capacity(date, data["capacity"], "capacity")
        if data.get("status"):
            EventDate.objects.filter(pk=date.pk).update(status=data["status"])
        for ticket_type_id, (capacity, price) in sorted(changes.items()):
            row = rows.get((date.pk, ticket_type_id))
            if row is None:
                continue  # this ticket type has no row on the date (it was added later and failed?)
            _set_offer(date, row, capacity=capacity, price=price, prefix=f"tt{ticket_type_id}")
    return chosen


def allocated_on(date_id: int) -> int:
    """The tickets sold or held on a date (its stock rows' counters)."""
    return DateTicketType.objects.filter(date_id=date_id).aggregate(n=Sum("allocated"))["n"] or 0


# --- Deleting ------------------------------------------------------------------------------


def deletion_refusal(date: EventDate) -> str | None:
    """Why ``date`` cannot be deleted, or None: it is the event's only date, something was
    ever ordered or is held there, or a voucher is limited to it alone (deleting the date
    would make the voucher valid on every date)."""
    if not EventDate.objects.filter(event_id=date.event_id).exclude(pk=date.pk).exists():
        return gettext("An event has at least one date; this is its only one.")
    if allocated_on(date.pk) or date.orders.exists():
        return gettext("Tickets for this date were ordered or are reserved; cancel it instead.")
    codes = sorted(v.code for v in date.vouchers.prefetch_related("dates") if len(v.dates.all()) == 1)
    if codes:
        return ngettext(
            "Voucher %(codes)s is valid on this date only; change or delete it first.",
            "Vouchers %(codes)s are valid on this date only; change or delete them first.",
            len(codes),
        ) % {"codes": ", ".join(codes)}
    return None


@transaction.atomic
def delete_date(date: EventDate) -> None:
    """Delete a date nothing was ever ordered for (else refuse: cancel it instead)."""
    event = date.event
    (locked,) = _locked_dates(event, [date.pk])
    refusal = deletion_refusal(locked)
    if refusal:
        raise ValidationError(refusal)
    locked.delete()
    dates.refresh_span(event)
