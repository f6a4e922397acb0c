"""Check-in lists (entrances), the scanner devices paired to them, and every passage through
the door (entries and exits, online or recorded offline by a device). README.md beside this
file describes the door's offline sync."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from events.models import Event, EventDate, TicketType
from sales.models import Ticket


class CheckInList(models.Model):
    """An entrance: all of the event's ticket types, or some of them (e.g. "VIP entrance"),
    for one date of the event or for all of them."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="check_in_lists")
    # None: tickets of every date get in.
    date = models.ForeignKey(
        EventDate, on_delete=models.CASCADE, null=True, blank=True, related_name="check_in_lists"
    )
    name = models.CharField(max_length=100)
    all_ticket_types = models.BooleanField(default=True)
    ticket_types = models.ManyToManyField(TicketType, blank=True, related_name="check_in_lists")
    # Exits and re-entry: a ticket inside may be scanned out and back in again; without,
    # a ticket gets in once.
    allow_exits = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.event} – {self.name}"


class ScannerDevice(models.Model):
    """A phone or scanner paired to an event's door: it checks tickets in through its lists
    (all of the event's, or some) at one gate, with a token of its own (checkin/devices.py).
    Only hashes of its pairing code and token are stored."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="scanner_devices")
    name = models.CharField(max_length=100)
    gate = models.CharField(max_length=100)
    all_lists = models.BooleanField(default=True)
    lists = models.ManyToManyField(CheckInList, blank=True, related_name="devices")
    pairing_code_hash = models.CharField(max_length=64, blank=True, default="")
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paired_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["gate", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="scanner_device_token_once"
            ),
            models.UniqueConstraint(
                fields=["pairing_code_hash"],
                condition=~Q(pairing_code_hash=""),
                name="scanner_device_pairing_code_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.gate})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DeviceLogEntry(models.Model):
    """The devices' audit log: who created, paired, re-paired or revoked a device, and when."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        PAIRING_CODE = "pairing_code", "New pairing code"
        PAIRED = "paired", "Paired"
        REVOKED = "revoked", "Revoked"

    device = models.ForeignKey(ScannerDevice, on_delete=models.CASCADE, related_name="log")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.device_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class DoorChange(models.Model):
    """A ticket's door record changed after it was sold (its order paid, closed or refunded,
    the ticket voided, renamed or given a new secret, a check-in undone): the devices' change
    feed (checkin/sync.py) sends it again. ``revoked_key`` is the door key of a secret that
    no longer admits (a reissued ticket's old one)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    revoked_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["event", "id"], name="door_change_event_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class DoorKey(models.Model):
    """A ticket's door key (``door_keys.door_key`` of its secret), for finding the ticket a
    device's upload names by key. Written when the ticket first goes to a device, rewritten
    when its secret is reissued."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="+")
    key = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.key[:8]}…"


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def live(self) -> CheckInQuerySet:
        return self.filter(reverted_at__isnull=True)

    def admissions(self) -> CheckInQuerySet:
        """Each admitted ticket's one admission: its first entry, not undone, not flagged."""
        return self.filter(reverted_at__isnull=True, kind=CheckIn.Kind.ENTRY, reentry=False, flag="")


class CheckIn(models.Model):
    """A passage through the door: a ticket's entry (its admission, or a re-entry after an
    exit) or its exit, through a list, online or recorded offline by a device. Undone
    passages keep their row, with ``reverted_at`` set. An offline entry of a ticket that was
    already admitted is kept as a fact with ``flag`` set (the later of the two, by the
    devices' clocks, is the flagged one)."""

    class Kind(models.TextChoices):
        ENTRY = "entry", "Entry"
        EXIT = "exit", "Exit"

    class Flag(models.TextChoices):
        NONE = "", "None"
        DOUBLE_ADMISSION = "double_admission", "Double admission"
        VOID = "void", "Admitted offline while void"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="check_ins")
    check_in_list = models.ForeignKey(CheckInList, on_delete=models.PROTECT, related_name="check_ins")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.ENTRY, db_default=Kind.ENTRY)
    reentry = models.BooleanField(default=False, db_default=False)
    gate = models.CharField(max_length=100, blank=True, default="", db_default="")
    device = models.ForeignKey(
        ScannerDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="check_ins"
    )
    offline = models.BooleanField(default=False, db_default=False)
    # When the scan happened by the scanning device's clock (offline scans arrive later).
    scanned_at = models.DateTimeField(default=timezone.now)
    # The device's id for the scan: a scan uploaded twice is applied once.
    nonce = models.UUIDField(null=True, blank=True, unique=True, default=None)
    flag = models.CharField(max_length=20, choices=Flag.choices, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scanned_with_token = models.CharField(max_length=100, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        constraints = [
            # A ticket is admitted once, whatever the entrance and however many scanners race:
            # the database refuses a second live admission (re-entries and flagged offline
            # facts are not admissions).
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(reverted_at__isnull=True, kind="entry", reentry=False, flag=""),
                name="ticket_admitted_once",
            ),
        ]
        indexes = [
            models.Index(fields=["check_in_list", "reverted_at"], name="checkin_list_live_idx"),
            models.Index(fields=["ticket", "reverted_at"], name="checkin_ticket_live_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} at {self.check_in_list_id} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_admission(self) -> bool:
        """The ticket's one admission (``CheckInQuerySet.admissions``), when live."""
        return self.kind == CheckIn.Kind.ENTRY and not self.reentry and not self.flag
