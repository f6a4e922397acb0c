"""Scanning tickets at the door. A ticket is admitted once (the database makes sure).

A scan's message is written in the active language: the door page's reader's (the API
answers in English)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext

from accounts.models import User
from checkin.models import CheckIn, CheckInList, DoorChange, ScannerDevice
from core import domain_events, metrics
from core.formatting import format_short_moment
from core.input import search_text
from events.models import Event, EventDate
from sales.models import Order, Ticket, TicketQuerySet
from sales.tickets import tickets_usable

Outcome = Literal["admitted", "exited", "already_checked_in", "refused"]
# Ticket secrets are URL-safe base64; anything else is not one of ours.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass
class ScanResult:
    outcome: Outcome
    message: str
    ticket: dict[str, Any] | None = None
    first_check_in: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # Why a refused ticket may not pass, as a code (``refusal``'s, or the scan's own).
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "message": self.message,
            "ticket": self.ticket,
            "first_check_in": self.first_check_in,
            "counts": self.counts,
        }


def refusal(ticket: Ticket) -> str | None:
    """Why this ticket cannot get in, as a code (a device decides with it offline), or None."""
    order = ticket.order
    if order.event.status == Event.Status.CANCELLED:
        return "event_cancelled"
    if order.date.status == EventDate.Status.CANCELLED:
        return "date_cancelled"
    if ticket.voided_at is not None:
        return "ticket_refunded"
    if tickets_usable(order):
        return None
    if order.status == Order.Status.PENDING:
        return "unpaid"
    return f"order_{order.status}"


def ticket_validity(ticket: Ticket) -> str | None:
    """Why this ticket cannot get in, in the reader's language, or None when it can."""
    code = refusal(ticket)
    if code is None:
        return None
    if code == "event_cancelled":
        return gettext("Void: the event was cancelled.")
    if code == "date_cancelled":
        return gettext("Void: this date was cancelled.")
    if code == "ticket_refunded":
        return gettext("Void: this ticket was refunded.")
    if code == "unpaid":
        return gettext("Not paid yet.")
    if code == "order_refunded":
        return gettext("Void: the order was refunded.")
    if code == "order_expired":
        return gettext("Void: the order expired unpaid.")
    return gettext("Void: the order was cancelled.")


def _ticket_props(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "attendee_name": ticket.attendee_name or ticket.order.buyer_name,
        "ticket_type": ticket.ticket_type.name,
        "order_code": ticket.order.code,
    }


def list_counts(check_in_list: CheckInList) -> dict[str, int]:
    """Checked in through this list, and tickets it expects (valid tickets it admits)."""
    expected = list_scope(check_in_list).admissible().count()
    checked_in = CheckIn.objects.admissions().filter(check_in_list=check_in_list).count()
    return {"checked_in": checked_in, "expected": expected}


def checked_in_count(check_in_list: CheckInList) -> dict[str, int]:
    """What a scan reports: the list's check-ins so far (cheap; ``list_counts`` adds the expected total)."""
    return {"checked_in": CheckIn.objects.admissions().filter(check_in_list=check_in_list).count()}


def list_scope(check_in_list: CheckInList) -> TicketQuerySet:
    """Every ticket the list is for (its event, its date if it has one, its ticket types),
    whatever its state: a void one must scan red."""
    tickets = Ticket.objects.filter(order__event_id=check_in_list.event_id)
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
    kind: str = CheckIn.Kind.ENTRY,
    device: ScannerDevice | None = None,
    nonce: uuid.UUID | None = None,
) -> ScanResult:
    """Let the ticket with this secret (or, from the search, this id) in through
    ``check_in_list``, or out (``kind`` exit) when the list records exits. A device's scan
    carries its ``nonce``: asked again (its answer was lost), it is answered as the first time."""
    event = check_in_list.event
    tickets = Ticket.objects.select_related(
        "order", "order__event", "order__event__organizer", "order__date", "ticket_type"
    )
    if nonce is not None:
        earlier = CheckIn.objects.filter(nonce=nonce).select_related("ticket").first()
        if earlier is not None:
            outcome: Outcome = "exited" if earlier.kind == CheckIn.Kind.EXIT else "admitted"
            return ScanResult(
                outcome,
                _outcome_message(outcome),
                _ticket_props(tickets.get(pk=earlier.ticket_id)),
                None,
                checked_in_count(check_in_list),
            )
    ticket = None
    if secret is not None:
        secret = secret.strip()
        if not _SECRET_RE.match(secret):
            return _refused(check_in_list, gettext("This is not a Maticko ticket code."), reason="not_a_code")
        ticket = tickets.filter(secret=secret).first()
    elif ticket_id is not None:
        ticket = tickets.filter(pk=ticket_id, order__event=event).first()
    if ticket is None:
        return _refused(check_in_list, gettext("Unknown ticket: no ticket has this code."), reason="unknown")
    if ticket.order.event_id != event.pk:
        # Says nothing about the other event: it may be another organizer's.
        message = gettext("Wrong event: this ticket is for another event.")
        return _refused(check_in_list, message, reason="wrong_event")
    if check_in_list.date_id is not None and ticket.order.date_id != check_in_list.date_id:
        when = format_short_moment(ticket.order.date.starts_at, event.timezone, get_language())
        message = gettext("Wrong date: this ticket is for %(date)s.") % {"date": when}
        return _refused(check_in_list, message, ticket, reason="wrong_date")
    if (
        not check_in_list.all_ticket_types
        and not check_in_list.ticket_types.filter(pk=ticket.ticket_type_id).exists()
    ):
        return _refused(
            check_in_list,
            gettext("Wrong entrance: %(ticket_type)s is not admitted at %(list)s.")
            % {"ticket_type": ticket.ticket_type.name, "list": check_in_list.name},
            ticket,
            reason="wrong_entrance",
        )
    invalid = ticket_validity(ticket)
    if invalid:
        return _refused(check_in_list, invalid, ticket, reason=refusal(ticket))
    passage = {
        "ticket": ticket,
        "check_in_list": check_in_list,
        "scanned_by": user,
        "scanned_with_token": token_name,
        "device": device,
        "gate": device.gate if device else "",
        "nonce": nonce,
    }
    if kind == CheckIn.Kind.EXIT:
        return _exit(check_in_list, ticket, passage)
    if check_in_list.allow_exits:
        return _entry_with_exits(check_in_list, ticket, passage)
    try:
        with transaction.atomic():
            check_in = CheckIn.objects.create(**passage)
            record_check_in(ticket, check_in)
    except IntegrityError:
        return _already_inside(check_in_list, ticket)
    metrics.emit("CheckIns", 1, Result="admitted")
    return ScanResult(
        "admitted", gettext("Admitted."), _ticket_props(ticket), None, checked_in_count(check_in_list)
    )


def _outcome_message(outcome: str) -> str:
    return gettext("Left: scan again to let back in.") if outcome == "exited" else gettext("Admitted.")


def record_check_in(ticket: Ticket, check_in: CheckIn) -> None:
    """Tell the webhooks a ticket was admitted (in the admission's transaction)."""
    _tell(domain_events.CHECKIN_CREATED, ticket, check_in)


def _tell(event_type: str, ticket: Ticket, check_in: CheckIn) -> None:
    domain_events.record(
        event_type,
        ticket.order.event,
        checkin_id=check_in.pk,
        ticket_id=ticket.pk,
        order_id=ticket.order_id,
        code=ticket.order.code,
        list_id=check_in.check_in_list_id,
    )


def _already_inside(check_in_list: CheckInList, ticket: Ticket) -> ScanResult:
    first = CheckIn.objects.admissions().select_related("check_in_list").filter(ticket=ticket).first()
    metrics.emit("CheckIns", 1, Result="already_checked_in")
    return ScanResult(
        "already_checked_in",
        gettext("Already checked in."),
        _ticket_props(ticket),
        {
            "at": first.scanned_at.astimezone(check_in_list.event.tz).isoformat() if first else None,
            "list": (first.gate or first.check_in_list.name) if first else "",
        },
        checked_in_count(check_in_list),
    )


def _lock_scans_of(ticket: Ticket) -> None:
    """The ticket's row lock, which orders the scans of one ticket: FOR NO KEY UPDATE, which a
    concurrent admission's foreign key check (FOR KEY SHARE of the ticket, at its commit) does
    not wait for (checkin/README.md, "Uploads")."""
    Ticket.objects.select_for_update(no_key=True).filter(pk=ticket.pk).first()


def _last_passage(ticket: Ticket) -> CheckIn | None:
    return CheckIn.objects.live().filter(ticket=ticket).order_by("-scanned_at", "-id").first()


def _entry_with_exits(check_in_list: CheckInList, ticket: Ticket, passage: dict[str, Any]) -> ScanResult:
    """On a list with exits a ticket outside gets (back) in; one inside does not."""
    with transaction.atomic():
        _lock_scans_of(ticket)
        last = _last_passage(ticket)
        if last is not None and last.kind == CheckIn.Kind.ENTRY:
            inside = True
        else:
            inside = False
            check_in = CheckIn.objects.create(**passage, reentry=last is not None)
            if last is None:
                record_check_in(ticket, check_in)
    if inside:
        return _already_inside(check_in_list, ticket)
    metrics.emit("CheckIns", 1, Result="admitted")
    return ScanResult(
        "admitted", gettext("Admitted."), _ticket_props(ticket), None, checked_in_count(check_in_list)
    )


def _exit(check_in_list: CheckInList, ticket: Ticket, passage: dict[str, Any]) -> ScanResult:
    if not check_in_list.allow_exits:
        return _refused(check_in_list, gettext("This list does not record exits."), ticket, reason="no_exits")
    with transaction.atomic():
        _lock_scans_of(ticket)
        last = _last_passage(ticket)
        if last is None or last.kind == CheckIn.Kind.EXIT:
            outside = True
        else:
            outside = False
            CheckIn.objects.create(**passage, kind=CheckIn.Kind.EXIT)
    if outside:
        return _refused(
            check_in_list, gettext("Not inside: this ticket has not come in."), ticket, reason="not_inside"
        )
    metrics.emit("CheckIns", 1, Result="exited")
    return ScanResult(
        "exited", _outcome_message("exited"), _ticket_props(ticket), None, checked_in_count(check_in_list)
    )


def _refused(
    check_in_list: CheckInList, message: str, ticket: Ticket | None = None, *, reason: str | None
) -> ScanResult:
    metrics.emit("CheckIns", 1, Result="refused")
    return ScanResult(
        "refused",
        message,
        _ticket_props(ticket) if ticket else None,
        None,
        checked_in_count(check_in_list),
        reason=reason,
    )


def undo(check_in: CheckIn, *, by: User | None) -> bool:
    """Take back a ticket's check-in (a mistaken scan): its admission and every passage
    after it; the ticket can be admitted again."""
    with transaction.atomic():
        reverted = (
            CheckIn.objects.live()
            .filter(ticket_id=check_in.ticket_id)
            .update(reverted_at=timezone.now(), reverted_by=by)
        )
        if reverted:
            ticket = Ticket.objects.select_related("order__event").get(pk=check_in.ticket_id)
            DoorChange.objects.create(event_id=ticket.order.event_id, ticket=ticket)
            _tell(domain_events.CHECKIN_REVERTED, ticket, check_in)
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
        .annotate(
            live=Count(
                "id",
                filter=Q(reverted_at__isnull=True, kind=CheckIn.Kind.ENTRY, reentry=False, flag=""),
            ),
            total=Count("id"),
        )
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
    return _hits(
        tickets.filter(
            Q(attendee_name__icontains=query)
            | Q(order__buyer_name__icontains=query)
            | Q(order__code__iexact=query.upper())
            | Q(order__buyer_email__iexact=query)
        ),
        limit,
    )


def order_tickets(check_in_list: CheckInList, code: str, limit: int = 50) -> list[dict[str, Any]]:
    """The tickets of the order with this code (as printed on its tickets) that the list is for."""
    code = search_text(code).strip().upper()
    if len(code) < 2:
        return []
    tickets = Ticket.objects.filter(order__event_id=check_in_list.event_id, order__code=code)
    if check_in_list.date_id is not None:
        tickets = tickets.filter(order__date_id=check_in_list.date_id)
    return _hits(tickets, limit)


def _hits(tickets: QuerySet[Ticket], limit: int) -> list[dict[str, Any]]:
    found = list(
        tickets.select_related("order", "order__event__organizer", "order__date", "ticket_type").order_by(
            "order__code", "id"
        )[:limit]
    )
    checked_in = set(
        CheckIn.objects.admissions()
        .filter(ticket__in=[t.pk for t in found])
        .values_list("ticket_id", flat=True)
    )
    return [
        {**_ticket_props(t), "valid": ticket_validity(t) is None, "checked_in": t.pk in checked_in}
        for t in found
    ]
