"""What a scanner device keeps of its lists: a snapshot of each list's tickets, then the
changes since a cursor the server issued (checkin/README.md).

A ticket's record names it by its door key and carries what the device needs to decide at
the door as the server does (``refusal``, ``admitted``, ``inside``) and the attendee's data
sealed with a key only its QR code gives (checkin/door_keys.py).

The change feed reads three streams of the event by id: tickets sold since (``t``), door
changes since (``c``: an order paid, closed or refunded, a ticket renamed, reissued or its
check-in undone) and passages since (``p``: every gate's scans). A cursor never moves past a
row younger than ``SETTLE``: ids are taken before their transactions commit, so a younger
row's neighbour with a lower id may still be on its way; rows inside the window are sent
again until they settle (the device stores records by key, so a repeat changes nothing).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Model, QuerySet
from django.utils import timezone

from checkin import services
from checkin.door_keys import door_key, order_key, seal
from checkin.models import CheckIn, CheckInList, DoorChange, DoorKey
from events.models import Event, EventDate
from sales.models import Ticket

# How long a row may take from getting its id to its commit (see the module's docstring).
SETTLE = dt.timedelta(seconds=30)
SNAPSHOT_PAGE = 1000
SNAPSHOT_PAGE_MAX = 5000
FEED_LIMIT = 2000
_CURSOR_RE = re.compile(r"^v1\.(\d{1,19})\.(\d{1,19})\.(\d{1,19})$")


class BadCursor(ValueError):
    """The cursor is not one this server issued."""


@dataclass(frozen=True)
class Cursor:
    tickets: int = 0
    changes: int = 0
    passages: int = 0

    def __str__(self) -> str:
        return f"v1.{self.tickets}.{self.changes}.{self.passages}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        match = _CURSOR_RE.match(text.strip())
        if match is None:
            raise BadCursor("This is not a cursor this server issued.")
        return cls(*(int(n) for n in match.groups()))


# What a record reads of a ticket and its order; the event and its dates are the list's,
# loaded once per page (``_loaded``), not once per ticket.
_RECORD_FIELDS = (
    "secret",
    "attendee_name",
    "ticket_type__name",
    "voided_at",
    "order__code",
    "order__buyer_name",
    "order__buyer_email",
    "order__status",
    "order__payment_method",
    "order__awaiting_confirmation",
    "order__event_id",
    "order__date_id",
)


def _loaded(check_in_list: CheckInList, tickets: QuerySet[Ticket]) -> list[Ticket]:
    event = Event.objects.select_related("organizer").get(pk=check_in_list.event_id)
    dates = {d.pk: d for d in EventDate.objects.filter(event_id=event.pk)}
    loaded = list(tickets.select_related("order", "ticket_type").only(*_RECORD_FIELDS))
    for ticket in loaded:
        ticket.order.event = event
        ticket.order.date = dates[ticket.order.date_id]
    return loaded


def _passages(ticket_ids: Sequence[int]) -> dict[int, list[CheckIn]]:
    rows: dict[int, list[CheckIn]] = {}
    for passage in (
        CheckIn.objects.live()
        .filter(ticket_id__in=ticket_ids)
        .select_related("check_in_list")
        .order_by("scanned_at", "id")
    ):
        rows.setdefault(passage.ticket_id, []).append(passage)
    return rows


def records(tickets: Iterable[Ticket]) -> list[dict[str, Any]]:
    """The device's record of each ticket (its order, event, date and ticket type loaded)."""
    tickets = list(tickets)
    passages = _passages([t.pk for t in tickets])
    keys = {t.pk: door_key(t.secret) for t in tickets}
    DoorKey.objects.bulk_create(
        [DoorKey(ticket_id=pk, key=key) for pk, key in keys.items()], ignore_conflicts=True
    )
    out = []
    for ticket in tickets:
        order = ticket.order
        own = passages.get(ticket.pk, [])
        admission = next((p for p in own if p.is_admission), None)
        out.append(
            {
                "key": keys[ticket.pk],
                "order_key": order_key(order.code),
                "ticket_type_id": ticket.ticket_type_id,
                "ticket_type": ticket.ticket_type.name,
                "date_id": order.date_id,
                "refusal": services.refusal(ticket),
                "admitted": {
                    "at": admission.scanned_at.isoformat(),
                    "gate": admission.gate or admission.check_in_list.name,
                }
                if admission
                else None,
                "inside": bool(own) and own[-1].kind == CheckIn.Kind.ENTRY,
                "sealed": seal(
                    ticket.secret,
                    {
                        "name": ticket.attendee_name or order.buyer_name,
                        "email": order.buyer_email,
                        "order_code": order.code,
                    },
                ),
            }
        )
    return out


def list_state(check_in_list: CheckInList) -> dict[str, Any]:
    """What the device shows and decides for the list as a whole."""
    event = check_in_list.event
    cancelled_dates = list(
        EventDate.objects.filter(event=event, status=EventDate.Status.CANCELLED).values_list("pk", flat=True)
    )
    return {
        "id": check_in_list.pk,
        "name": check_in_list.name,
        "allow_exits": check_in_list.allow_exits,
        "date_id": check_in_list.date_id,
        "event_cancelled": event.status == Event.Status.CANCELLED,
        "cancelled_dates": cancelled_dates,
    }


def _settled(model: type[Model], filters: dict[str, Any], cutoff: dt.datetime, field: str) -> int:
    return (
        model._default_manager.filter(**filters, **{f"{field}__lte": cutoff}).aggregate(n=Max("pk"))["n"] or 0
    )


def current_cursor(event: Event) -> Cursor:
    """A cursor from which the feed sends everything that may change after now."""
    cutoff = timezone.now() - SETTLE
    return Cursor(
        tickets=_settled(Ticket, {"order__event_id": event.pk}, cutoff, "order__created_at"),
        changes=_settled(DoorChange, {"event_id": event.pk}, cutoff, "created_at"),
        passages=_settled(CheckIn, {"check_in_list__event_id": event.pk}, cutoff, "created_at"),
    )


def snapshot(check_in_list: CheckInList, *, after: int = 0, limit: int = SNAPSHOT_PAGE) -> dict[str, Any]:
    """One page of the list's tickets by id after ``after``. The first page (``after`` 0)
    carries the cursor to follow the changes from once every page is stored."""
    limit = max(1, min(limit, SNAPSHOT_PAGE_MAX))
    cursor = current_cursor(check_in_list.event) if after == 0 else None
    page = _loaded(
        check_in_list, services.list_scope(check_in_list).filter(pk__gt=after).order_by("pk")[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    return {
        "list": list_state(check_in_list),
        "tickets": records(page),
        "next_after": page[-1].pk if more else None,
        "cursor": str(cursor) if cursor else None,
    }


def _stream(rows: Sequence[tuple[int, dt.datetime]], before: int, cutoff: dt.datetime) -> int:
    """The stream's next position: the last id read, but never past a row younger than
    ``cutoff`` (it is read again next time)."""
    young = [pk for pk, at in rows if at > cutoff]
    if young:
        return max(before, min(young) - 1)
    return max([before, *(pk for pk, _ in rows)])


def changes(check_in_list: CheckInList, cursor: Cursor) -> dict[str, Any]:
    """The list's tickets that changed since ``cursor``, the keys that no longer admit, and
    the cursor to ask with next (``more``: ask again at once)."""
    event = check_in_list.event
    cutoff = timezone.now() - SETTLE
    sold = list(
        Ticket.objects.filter(order__event_id=event.pk, pk__gt=cursor.tickets)
        .order_by("pk")
        .values_list("pk", "order__created_at")[:FEED_LIMIT]
    )
    changed = list(
        DoorChange.objects.filter(event_id=event.pk, pk__gt=cursor.changes)
        .order_by("pk")
        .values_list("pk", "created_at", "ticket_id", "revoked_key")[:FEED_LIMIT]
    )
    passed = list(
        CheckIn.objects.filter(check_in_list__event_id=event.pk, pk__gt=cursor.passages)
        .order_by("pk")
        .values_list("pk", "created_at", "ticket_id")[:FEED_LIMIT]
    )
    ticket_ids = {pk for pk, _ in sold} | {row[2] for row in changed} | {row[2] for row in passed}
    tickets = _loaded(
        check_in_list, services.list_scope(check_in_list).filter(pk__in=ticket_ids).order_by("pk")
    )
    next_cursor = Cursor(
        tickets=_stream(sold, cursor.tickets, cutoff),
        changes=_stream([(pk, at) for pk, at, *_ in changed], cursor.changes, cutoff),
        passages=_stream([(pk, at) for pk, at, _ in passed], cursor.passages, cutoff),
    )
    return {
        "list": list_state(check_in_list),
        "tickets": records(tickets),
        "revoked": sorted({key for *_, key in changed if key}),
        "cursor": str(next_cursor),
        # A full stream whose position moved has more to read now; one held back by young
        # rows is read again at the next poll.
        "more": any(
            len(rows) == FEED_LIMIT and after > before
            for rows, before, after in (
                (sold, cursor.tickets, next_cursor.tickets),
                (changed, cursor.changes, next_cursor.changes),
                (passed, cursor.passages, next_cursor.passages),
            )
        ),
    }
