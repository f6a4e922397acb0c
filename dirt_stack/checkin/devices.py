"""Scanner devices: created by a manager for an event's lists and a gate, paired by a
one-time code (shown as a QR code the phone's camera opens), then acting with a token of
their own that is good for check-in on those lists only. Every step is in the device's log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from checkin.models import CheckInList, DeviceLogEntry, ScannerDevice
from checkin.services import default_list
from events.models import Event

PAIRING_TTL = dt.timedelta(hours=12)
TOKEN_PREFIX = "mdv_"  # noqa: S105 (what starts every device token, not a secret)
# No 0/O, 1/I/L: read aloud or typed from a screen without mistakes.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
# How often a device's use is written down (its "last seen").
_SEEN_EVERY = dt.timedelta(minutes=1)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch in _CODE_ALPHABET)


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_device(
    event: Event, *, name: str, gate: str, lists: Sequence[CheckInList] | None, actor: User | None
) -> tuple[ScannerDevice, str]:
    """A new device for ``lists`` of the event (None: all of them) and its pairing code."""
    with transaction.atomic():
        device = ScannerDevice.objects.create(
            event=event, name=name, gate=gate, all_lists=lists is None, created_by=actor
        )
        if lists is not None:
            device.lists.set(lists)
        DeviceLogEntry.objects.create(
            device=device,
            action=DeviceLogEntry.Action.CREATED,
            actor=actor,
            detail={"gate": gate, "lists": [lst.pk for lst in lists] if lists is not None else "all"},
        )
        code = _set_pairing_code(device)
    return device, code


def _set_pairing_code(device: ScannerDevice) -> str:
    code = _new_code()
    device.pairing_code_hash = _digest(code)
    device.pairing_expires_at = timezone.now() + PAIRING_TTL
    device.save(update_fields=["pairing_code_hash", "pairing_expires_at"])
    return code


def new_pairing_code(device: ScannerDevice, actor: User | None) -> str:
    """A fresh code to pair (another phone as) this device; the phone paired before keeps
    working until the new one pairs."""
    with transaction.atomic():
        code = _set_pairing_code(device)
        DeviceLogEntry.objects.create(device=device, action=DeviceLogEntry.Action.PAIRING_CODE, actor=actor)
    return code


def pair(code: str) -> tuple[ScannerDevice, str] | None:
    """Spend a pairing code: the device and its new token, or None (unknown, spent, expired,
    revoked). A device paired again drops its earlier token."""
    code = normalize_code(code)
    if len(code) != CODE_LENGTH:
        return None
    with transaction.atomic():
        device = (
            ScannerDevice.objects.select_for_update()
            .filter(
                pairing_code_hash=_digest(code),
                pairing_expires_at__gt=timezone.now(),
                revoked_at__isnull=True,
            )
            .first()
        )
        if device is None:
            return None
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        device.token_hash = _digest(token)
        device.pairing_code_hash = ""
        device.pairing_expires_at = None
        device.paired_at = device.last_seen_at = timezone.now()
        device.save(
            update_fields=[
                "token_hash",
                "pairing_code_hash",
                "pairing_expires_at",
                "paired_at",
                "last_seen_at",
            ]
        )
        DeviceLogEntry.objects.create(device=device, action=DeviceLogEntry.Action.PAIRED)
        if device.all_lists and not device.event.check_in_lists.exists():
            default_list(device.event)
    return device, token


def authenticate(token: str) -> ScannerDevice | None:
    """The active device this token belongs to (its "last seen" kept up to date)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    device = (
        ScannerDevice.objects.select_related("event__organizer")
        .filter(token_hash=_digest(token), revoked_at__isnull=True)
        .first()
    )
    if device is None:
        return None
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > _SEEN_EVERY:
        ScannerDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device


def revoke(device: ScannerDevice, actor: User | None) -> bool:
    """Stop the device at once (its token and any pairing code); False if it already was."""
    with transaction.atomic():
        stopped = ScannerDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), token_hash="", pairing_code_hash="", pairing_expires_at=None
        )
        if stopped:
            DeviceLogEntry.objects.create(device=device, action=DeviceLogEntry.Action.REVOKED, actor=actor)
    return bool(stopped)


def device_lists(device: ScannerDevice) -> list[CheckInList]:
    lists = CheckInList.objects.filter(event_id=device.event_id).select_related("event", "date")
    if not device.all_lists:
        lists = lists.filter(pk__in=device.lists.all())
    return list(lists.prefetch_related("ticket_types"))
