"""Scans a device made without the server, uploaded when it reconnects (checkin/README.md).

Each scan is a fact: the device let someone in (or out) at its time, at its gate. The
server applies every scan once (its ``nonce``), in the order the devices' clocks give, and
answers each: ``accepted``, ``duplicate`` (applied before) or ``conflict`` with a reason.
An entry of a ticket another scan already admitted is kept and flagged as a double
admission: the later of the two by the devices' clocks (an earlier online admission stays
the admission; an earlier offline one takes the admission from a later one). An entry of a
ticket the server knows as void is kept, flagged ``void``. A scan naming no ticket, or a
list that is not the device's, or made at a time the device's clock cannot have read
(``bad_time``), changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone

from checkin import services
from checkin.devices import device_lists
from checkin.models import CheckIn, CheckInList, DoorChange, DoorKey, ScannerDevice
from sales.models import Ticket

Result = Literal["accepted", "duplicate", "conflict"]
MAX_BATCH = 500
# How far a device's clock may say a scan happened from the server's.
SCAN_TIME_PAST = dt.timedelta(days=30)
SCAN_TIME_FUTURE = dt.timedelta(days=1)


@dataclass(frozen=True)
class OfflineScan:
    nonce: uuid.UUID
    key: str
    list_id: int
    kind: str
    scanned_at: dt.datetime


def _answer(scan: OfflineScan, result: Result, reason: str = "") -> dict[str, Any]:
    return {"nonce": str(scan.nonce), "result": result, "reason": reason}


def apply_batch(device: ScannerDevice, scans: list[OfflineScan]) -> list[dict[str, Any]]:
    """Apply the scans, each in its own transaction; the answers in the order given."""
    now = timezone.now()
    far_off = {
        scan.nonce: _answer(scan, "conflict", "bad_time")
        for scan in scans
        if scan.scanned_at.tzinfo is None
        or not now - SCAN_TIME_PAST <= scan.scanned_at <= now + SCAN_TIME_FUTURE
    }
    lists = {lst.pk: lst for lst in device_lists(device)}
    answers: dict[uuid.UUID, dict[str, Any]] = {}
    plausible = [scan for scan in scans if scan.nonce not in far_off]
    for scan in sorted(plausible, key=lambda s: (s.scanned_at, str(s.nonce))):
        if scan.nonce in answers:
            answers[scan.nonce] = _answer(scan, "duplicate")
            continue
        answers[scan.nonce] = _apply(device, lists, scan)
    return [far_off.get(scan.nonce) or answers[scan.nonce] for scan in scans]


def _apply(device: ScannerDevice, lists: dict[int, CheckInList], scan: OfflineScan) -> dict[str, Any]:
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _apply_once(device, lists, scan)
        except IntegrityError:
            # A concurrent scan took the admission (or the nonce) between our read and
            # write: read again, now that it is committed.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _apply_once(device: ScannerDevice, lists: dict[int, CheckInList], scan: OfflineScan) -> dict[str, Any]:
    if CheckIn.objects.filter(nonce=scan.nonce).exists():
        return _answer(scan, "duplicate")
    check_in_list = lists.get(scan.list_id)
    if check_in_list is None:
        return _answer(scan, "conflict", "not_this_devices_list")
    ticket_id = DoorKey.objects.filter(key=scan.key).values_list("ticket_id", flat=True).first()
    ticket = (
        # FOR NO KEY UPDATE: an online admission inserting its row for this ticket checks its
        # foreign key at its commit with FOR KEY SHARE of the ticket; a FOR UPDATE here would
        # wait for its index entry while it waits for this lock (a deadlock).
        Ticket.objects.select_for_update(of=("self",), no_key=True)
        .select_related("order", "order__event", "order__date", "ticket_type")
        .filter(pk=ticket_id)
        .first()
        if ticket_id is not None
        else None
    )
    if ticket is None or not _in_scope(check_in_list, ticket):
        return _answer(scan, "conflict", "unknown")
    passage = {
        "ticket": ticket,
        "check_in_list": check_in_list,
        "device": device,
        "gate": device.gate,
        "offline": True,
        "scanned_at": scan.scanned_at,
        "nonce": scan.nonce,
        "scanned_with_token": device.name,
    }
    if scan.kind == CheckIn.Kind.EXIT:
        if not check_in_list.allow_exits:
            return _answer(scan, "conflict", "no_exits")
        CheckIn.objects.create(**passage, kind=CheckIn.Kind.EXIT)
        return _answer(scan, "accepted")
    refusal = services.refusal(ticket)
    if refusal is not None:
        CheckIn.objects.create(**passage, flag=CheckIn.Flag.VOID)
        return _answer(scan, "conflict", refusal)
    live = list(CheckIn.objects.live().filter(ticket=ticket).order_by("scanned_at", "id"))
    admission = next((p for p in live if p.is_admission), None)
    if admission is None:
        services.record_check_in(ticket, CheckIn.objects.create(**passage))
        return _answer(scan, "accepted")
    before = [p for p in live if p.scanned_at <= scan.scanned_at and p.flag != CheckIn.Flag.VOID]
    if check_in_list.allow_exits and before and before[-1].kind == CheckIn.Kind.EXIT:
        CheckIn.objects.create(**passage, reentry=True)
        return _answer(scan, "accepted")
    if admission.offline and admission.scanned_at > scan.scanned_at:
        # This scan came first: it is the admission, the other the double.
        CheckIn.objects.filter(pk=admission.pk).update(flag=CheckIn.Flag.DOUBLE_ADMISSION)
        CheckIn.objects.create(**passage)  # the ticket's admission was told when it was first made
        DoorChange.objects.create(event_id=ticket.order.event_id, ticket=ticket)
        return _answer(scan, "accepted")
    CheckIn.objects.create(**passage, flag=CheckIn.Flag.DOUBLE_ADMISSION)
    return _answer(scan, "conflict", "double_admission")


def _in_scope(check_in_list: CheckInList, ticket: Ticket) -> bool:
    if ticket.order.event_id != check_in_list.event_id:
        return False
    if check_in_list.date_id is not None and ticket.order.date_id != check_in_list.date_id:
        return False
    return check_in_list.all_ticket_types or any(
        t.pk == ticket.ticket_type_id for t in check_in_list.ticket_types.all()
    )
