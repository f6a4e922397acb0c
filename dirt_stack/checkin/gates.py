"""Who came in, went out and is inside, per list and per gate; and the double admissions.

Every live passage counts where it happened: entries (admissions, re-entries and entries
flagged offline, since each let a person in), exits, and inside = entries - exits. A scan
made without a device (a person logged in on the scanner page) has no gate.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from checkin.models import CheckIn
from events.models import Event

_ENTRIES = Count("id", filter=Q(kind=CheckIn.Kind.ENTRY))
_EXITS = Count("id", filter=Q(kind=CheckIn.Kind.EXIT))


def _row(entries: int, exits: int) -> dict[str, int]:
    return {"entries": entries, "exits": exits, "inside": entries - exits}


def door_status(event: Event) -> dict[str, Any]:
    """``gates`` and ``lists`` (each with entries, exits, inside) and the ``total``."""
    live = CheckIn.objects.live().filter(check_in_list__event=event)
    gates: list[dict[str, Any]] = [
        {"gate": gate, **_row(entries, exits)}
        for gate, entries, exits in live.values_list("gate")
        .annotate(entries=_ENTRIES, exits=_EXITS)
        .values_list("gate", "entries", "exits")
        .order_by("gate")
    ]
    by_list = {
        list_id: _row(entries, exits)
        for list_id, entries, exits in live.values_list("check_in_list_id")
        .annotate(entries=_ENTRIES, exits=_EXITS)
        .values_list("check_in_list_id", "entries", "exits")
        .order_by()
    }
    lists = [
        {"id": lst.pk, "name": lst.name, **by_list.get(lst.pk, _row(0, 0))}
        for lst in event.check_in_lists.all()
    ]
    entries = sum(g["entries"] for g in gates)
    exits = sum(g["exits"] for g in gates)
    return {"gates": gates, "lists": lists, "total": _row(entries, exits)}


def double_admissions(event: Event) -> list[dict[str, Any]]:
    """Tickets let in twice (offline, by two scans), each with every live entry of its
    admission and of its doubles, in the devices' time order (times in the event's zone)."""
    flagged = (
        CheckIn.objects.live()
        .filter(check_in_list__event=event, flag=CheckIn.Flag.DOUBLE_ADMISSION)
        .values_list("ticket_id", flat=True)
        .distinct()
    )
    entries = (
        CheckIn.objects.live()
        .filter(ticket_id__in=flagged, kind=CheckIn.Kind.ENTRY, reentry=False)
        .select_related("ticket__order", "ticket__ticket_type", "check_in_list", "device")
        .order_by("ticket_id", "scanned_at", "id")
    )
    tickets: dict[int, dict[str, Any]] = {}
    for entry in entries:
        ticket = entry.ticket
        row = tickets.setdefault(
            ticket.pk,
            {
                "ticket_id": ticket.pk,
                "order_code": ticket.order.code,
                "attendee_name": ticket.attendee_name or ticket.order.buyer_name,
                "ticket_type": ticket.ticket_type.name,
                "entries": [],
            },
        )
        row["entries"].append(
            {
                "gate": entry.gate,
                "list": entry.check_in_list.name,
                "device": entry.device.name if entry.device else "",
                "scanned_at": entry.scanned_at.astimezone(event.tz),
                "offline": entry.offline,
                "flagged": entry.flag == CheckIn.Flag.DOUBLE_ADMISSION,
            }
        )
    return sorted(tickets.values(), key=lambda t: t["entries"][-1]["scanned_at"], reverse=True)
