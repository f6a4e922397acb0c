"""Scanning tickets at the door. A ticket is admitted once (the database makes sure)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from checkin.models import CheckIn, CheckInList
from core import domain_events, metrics
from core.input import search_text
from events.models import Event, EventDate
from sales.models import Order, Ticket
from sales.tickets import tickets_usable

Outcome = Literal["admitted", "already_checked_in", "refused"]
# Ticket secrets are URL-safe base64; anything else is not one of ours.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass
class ScanResult:
    outcome: Outcome
    message: str
    ticket: dict[str, Any] | None = None
    first_check_in: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "message": self.message,
            "ticket": self.ticket,
            "first_check_in": self.first_check_in,
            "counts": self.counts,
        }


def ticket_validity(ticket: Ticket) -> str | None:
    """Why this ticket cannot get in, or None when it can."""
    order = ticket.order
    if order.event.status == Event.Status.CANCELLED:
        return "Void: the event was cancelled."
    if order.date.status == EventDate.Status.CANCELLED:
        return "Void: this date was cancelled."
    if ticket.voided_at is not None:
        return "Void: this ticket was refunded."
    if tickets_usable(order):
        return None
    if order.status == Order.Status.PENDING:
        return "Not paid yet."
    return f"Void: the order was {order.get_status_display().lower()}."


def _ticket_props(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "attendee_name": ticket.attendee_name or ticket.order.buyer_name,
        "ticket_type": ticket.ticket_type.name,
        "order_code": ticket.order.code,
    }


def list_counts(check_in_list: CheckInList) -> dict[str, int]:
    """Checked in through this list, and tickets it expects (valid tickets it admits)."""
    expected = _admissible(check_in_list).count()
    checked_in = CheckIn.objects.filter(check_in_list=check_in_list, reverted_at__isnull=True).count()
    return {"checked_in": checked_in, "expected": expected}


def checked_in_count(check_in_list: CheckInList) -> dict[str, int]:
    """What a scan reports: the list's check-ins so far (cheap; ``list_counts`` adds the expected total)."""
    return {
        "checked_in": CheckIn.objects.filter(check_in_list=check_in_list, reverted_at__isnull=True).count()
    }


def _admissible(check_in_list: CheckInList) -> QuerySet[Ticket]:
    tickets = Ticket.objects.admissible().filter(order__event_id=check_in_list.event_id)
    if check_in_list.date_id is not None:
        tickets = tickets.filter(order__date_id=check_in_list.date_id)
    if not check_in_list.all_ticket_types:
        tickets = tickets.filter(ticket_type__in=check_in_list.ticket_types.all())
    return tickets


def scan(
    check_in_list: CheckInList,
    *,
    secret: str | None = None,
    ticket_id: int | None = None,
    user: User | None = None,
    token_name: str = "",
) -> ScanResult:
    """Admit the ticket with this secret (or, from the search, this id) through ``check_in_list``."""
    event = check_in_list.event
    tickets = Ticket.objects.select_related(
        "order", "order__event", "order__event__organizer", "order__date", "ticket_type"
    )
    ticket = None
    if secret is not None:
        secret = secret.strip()
        if not _SECRET_RE.match(secret):
            return _refused(check_in_list, "This is not a Maticko ticket code.")
        ticket = tickets.filter(secret=secret).first()
    elif ticket_id is not None:
        ticket = tickets.filter(pk=ticket_id, order__event=event).first()
    if ticket is None:
        return _refused(check_in_list, "Unknown ticket: no ticket has this code.")
    if ticket.order.event_id != event.pk:
        # Says nothing about the other event: it may be another organizer's.
        return _refused(check_in_list, "Wrong event: this ticket is for another event.")
    if check_in_list.date_id is not None and ticket.order.date_id != check_in_list.date_id:
        when = ticket.order.date.starts_at.astimezone(event.tz).strftime("%a %d %b %Y, %H:%M")
        return _refused(check_in_list, f"Wrong date: this ticket is for {when}.", ticket)
    if (
        not check_in_list.all_ticket_types
        and not check_in_list.ticket_types.filter(pk=ticket.ticket_type_id).exists()
    ):
        return _refused(
            check_in_list,
            f"Wrong entrance: {ticket.ticket_type.name} is not admitted at {check_in_list.name}.",
            ticket,
        )
    invalid = ticket_validity(ticket)
    if invalid:
        return _refused(check_in_list, invalid, ticket)
    try:
        with transaction.atomic():
            check_in = CheckIn.objects.create(
                ticket=ticket, check_in_list=check_in_list, scanned_by=user, scanned_with_token=token_name
            )
            domain_events.record(
                domain_events.CHECKIN_CREATED,
                ticket.order.event,
                checkin_id=check_in.pk,
                ticket_id=ticket.pk,
                order_id=ticket.order_id,
                code=ticket.order.code,
                list_id=check_in_list.pk,
            )
    except IntegrityError:
        first = (
            CheckIn.objects.select_related("check_in_list")
            .filter(ticket=ticket, reverted_at__isnull=True)
            .first()
        )
        metrics.emit("CheckIns", 1, Result="already_checked_in")
        return ScanResult(
            "already_checked_in",
            "Already checked in.",
            _ticket_props(ticket),
            {
                "at": first.created_at.astimezone(event.tz).isoformat() if first else None,
                "list": first.check_in_list.name if first else "",
            },
            checked_in_count(check_in_list),
        )
    metrics.emit("CheckIns", 1, Result="admitted")
    return ScanResult("admitted", "Admitted.", _ticket_props(ticket), None, checked_in_count(check_in_list))


def _refused(check_in_list: CheckInList, message: str, ticket: Ticket | None = None) -> ScanResult:
    metrics.emit("CheckIns", 1, Result="refused")
    return ScanResult(
        "refused", message, _ticket_props(ticket) if ticket else None, None, checked_in_count(check_in_list)
    )


def undo(check_in: CheckIn, *, by: User | None) -> bool:
    """Take back a check-in (a mistaken scan); the ticket can be admitted again."""
    with transaction.atomic():
        reverted = CheckIn.objects.filter(pk=check_in.pk, reverted_at__isnull=True).update(
            reverted_at=timezone.now(), reverted_by=by
        )
        if reverted:
            ticket = Ticket.objects.select_related("order__event").get(pk=check_in.ticket_id)
            domain_events.record(
                domain_events.CHECKIN_REVERTED,
                ticket.order.event,
                checkin_id=check_in.pk,
                ticket_id=ticket.pk,
                order_id=ticket.order_id,
                code=ticket.order.code,
                list_id=check_in.check_in_list_id,
            )
    return bool(reverted)


@dataclass(frozen=True)
class ListCounts:
    checked_in: int
    expected: int
    used: bool  # any check-in through the list, undone ones too: the list cannot be deleted


def lists_counts(lists: Sequence[CheckInList]) -> dict[int, ListCounts]:
    """``list_counts`` of several lists of one event (ticket types prefetched), by list id,
    in three queries whatever their number."""
    if not lists:
        return {}
    admissible = Counter(
        {
            (date_id, ticket_type_id): n
            for date_id, ticket_type_id, n in Ticket.objects.admissible()
            .filter(order__event_id=lists[0].event_id)
            .values_list("order__date_id", "ticket_type_id")
            .annotate(n=Count("id"))
        }
    )
    check_ins = {
        list_id: (live, total)
        for list_id, live, total in CheckIn.objects.filter(check_in_list__in=[lst.pk for lst in lists])
        .values_list("check_in_list_id")
        .annotate(live=Count("id", filter=Q(reverted_at__isnull=True)), total=Count("id"))
    }
    counts: dict[int, ListCounts] = {}
    for lst in lists:
        admitted = None if lst.all_ticket_types else {t.pk for t in lst.ticket_types.all()}
        expected = sum(
            n
            for (date_id, ticket_type_id), n in admissible.items()
            if (lst.date_id is None or date_id == lst.date_id)
            and (admitted is None or ticket_type_id in admitted)
        )
        live, total = check_ins.get(lst.pk, (0, 0))
        counts[lst.pk] = ListCounts(checked_in=live, expected=expected, used=total > 0)
    return counts


def dates_without_list(event: Event) -> list[EventDate]:
    """For an event of several dates: its dates not over nor cancelled that no list is for."""
    dates = list(event.dates.order_by("starts_at", "id"))
    if len(dates) < 2:
        return []
    with_list = set(event.check_in_lists.filter(date__isnull=False).values_list("date_id", flat=True))
    return [
        d
        for d in dates
        if d.pk not in with_list and not d.has_ended and d.status != EventDate.Status.CANCELLED
    ]


def list_for_date(date: EventDate) -> CheckInList:
    """The first list for exactly this date; one admitting every ticket type, named after
    the date, is created when it has none (concurrent calls create one: the event's row
    is locked)."""
    event = date.event
    with transaction.atomic():
        Event.objects.select_for_update(no_key=True).get(pk=event.pk)
        existing = event.check_in_lists.filter(date=date).order_by("id").first()
        if existing:
            return existing
        when = date.starts_at.astimezone(event.tz).strftime("%a %d %b %Y, %H:%M")
        return CheckInList.objects.create(event=event, date=date, name=when, all_ticket_types=True)


def default_list(event: Event) -> CheckInList:
    """The event's first list for every date; an event without one gets "Main entrance"
    for every date and ticket type (a list of one date would refuse the others' tickets)."""
    existing = event.check_in_lists.filter(date__isnull=True).order_by("id").first()
    if existing:
        return existing
    return CheckInList.objects.create(event=event, name="Main entrance", all_ticket_types=True)


def door_list(event: Event) -> CheckInList:
    """The list the scanner opens on: for a series, the list of the date happening now or
    next (made on demand), so the door admits tonight's tickets only; otherwise ``default_list``."""
    dates = event.dates.filter(ends_at__gte=timezone.now()).exclude(status=EventDate.Status.CANCELLED)
    current = dates.order_by("starts_at", "id").first()
    if current is not None and event.dates.count() > 1:
        current.event = event
        return list_for_date(current)
    return default_list(event)


def search(check_in_list: CheckInList, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Tickets of the event whose attendee, buyer or order code matches, for finding people at the door."""
    query = search_text(query)
    if len(query) < 2:
        return []
    tickets = Ticket.objects.filter(order__event_id=check_in_list.event_id)
    if check_in_list.date_id is not None:
        tickets = tickets.filter(order__date_id=check_in_list.date_id)
    tickets = (
        tickets.filter(
            Q(attendee_name__icontains=query)
            | Q(order__buyer_name__icontains=query)
            | Q(order__code__iexact=query.upper())
            | Q(order__buyer_email__iexact=query)
        )
        .select_related("order", "order__event__organizer", "ticket_type")
        .order_by("order__code", "id")[:limit]
    )
    checked_in = set(
        CheckIn.objects.filter(ticket__in=[t.pk for t in tickets], reverted_at__isnull=True).values_list(
            "ticket_id", flat=True
        )
    )
    return [
        {**_ticket_props(t), "valid": ticket_validity(t) is None, "checked_in": t.pk in checked_in}
        for t in tickets
    ]
