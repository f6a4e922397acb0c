"""The on-sale room's rows: the room (settings and ticker state), its queue, its audit log.

PostgreSQL (or SQLite under ``make run``) is the room's only source of truth: any
instance may serve a visitor or run the ticker. A join is one INSERT of a
``QueueEntry`` (no shared row is touched); positions are given only by the ticker
(onsale.ticker), dense from 1 in admission order, so the unique (room, position)
index proves that no two entries share one.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.datetimes import window_constraints
from events.models import Event

RATE_MAX = 100_000
SHOPPERS_MAX = 100_000
SESSION_MINUTES_MAX = 60


class Room(models.Model):
    """One event's waiting room: what the organizer set, and where the ticker stands."""

    class Mode(models.TextChoices):
        RANDOM = "random", "Random order at opening"
        FIFO = "fifo", "First come, first served"

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="onsale_room")
    # --- settings (onsale.services.configure) ---
    enabled = models.BooleanField(default=False)
    queue_opens_at = models.DateTimeField()
    sale_starts_at = models.DateTimeField()
    admissions_per_minute = models.PositiveIntegerField(
        default=120, validators=[MinValueValidator(1), MaxValueValidator(RATE_MAX)]
    )
    max_active_shoppers = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(SHOPPERS_MAX)]
    )
    session_minutes = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(SESSION_MINUTES_MAX)]
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.RANDOM)
    paused = models.BooleanField(default=False)
    # --- ticker state (onsale.ticker) ---
    # When the pre-queue's positions were drawn (the first tick at or after sale_starts_at).
    opened_at = models.DateTimeField(null=True, blank=True)
    # The position the next entry to be placed gets.
    next_position = models.PositiveIntegerField(default=1)
    # The highest position admitted (every position up to it is admitted or gone).
    admitted_through = models.PositiveIntegerField(default=0)
    # Admissions earned by the rate and not yet made (a token bucket).
    admission_credit = models.FloatField(default=0.0)
    last_tick_at = models.DateTimeField(null=True, blank=True)
    # Nothing left: sold plus live holds equal the capacity on every on-sale date.
    sold_out = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(queue_opens_at__lte=models.F("sale_starts_at")),
                name="onsale_room_opens_before_sale",
            ),
            models.CheckConstraint(
                condition=Q(admissions_per_minute__gte=1, admissions_per_minute__lte=RATE_MAX),
                name="onsale_room_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(max_active_shoppers__gte=1, max_active_shoppers__lte=SHOPPERS_MAX),
                name="onsale_room_shoppers_range",
            ),
            models.CheckConstraint(
                condition=Q(session_minutes__gte=1, session_minutes__lte=SESSION_MINUTES_MAX),
                name="onsale_room_session_range",
            ),
            models.CheckConstraint(condition=Q(mode__in=["random", "fifo"]), name="onsale_room_mode_valid"),
            *window_constraints("onsale_room", "queue_opens_at", "sale_starts_at"),
        ]

    def __str__(self) -> str:
        return f"Waiting room of {self.event}"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        """Enabled and its queue open: holds and purchases then need an admission."""
        return self.enabled and (now or timezone.now()) >= self.queue_opens_at

    @property
    def active(self) -> bool:
        return self.is_active()


class QueueEntry(models.Model):
    """One browser's place in a room's queue."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        ADMITTED = "admitted", "Admitted"
        USED = "used", "Used"
        EXPIRED = "expired", "Expired"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="entries")
    # Keyed hashes (SECRET_KEY): neither the browser id nor the address is stored.
    browser_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)
    # Joined before sale_starts_at: ranked by ``draw`` (random mode) at opening.
    prequeued = models.BooleanField(default=False)
    # The auditable random rank from ``secrets``, fixed at join (random mode, pre-queued).
    draw = models.BigIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    admitted_at = models.DateTimeField(null=True, blank=True)
    # The admission's end (its token's ``exp``): admitted_at plus the room's session.
    expires_at = models.DateTimeField(null=True, blank=True)
    # When the visitor first learnt of the turn (a status request); a turn not picked
    # up within ONSALE_TURN_PICKUP_SECONDS is given back.
    picked_up_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "queue entries"
        constraints = [
            models.UniqueConstraint(fields=["room", "browser_hash"], name="onsale_entry_one_per_browser"),
            models.UniqueConstraint(
                fields=["room", "position"],
                condition=Q(position__isnull=False),
                name="onsale_entry_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "admitted", "used", "expired"]),
                name="onsale_entry_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["room", "status", "position"], name="onsale_entry_status_position"),
            # Entries the ticker has yet to place, in arrival order.
            models.Index(
                fields=["room", "joined_at", "id"],
                condition=Q(position__isnull=True),
                name="onsale_entry_unplaced",
            ),
        ]

    def __str__(self) -> str:
        return f"Entry {self.pk} ({self.status}, position {self.position})"


class RoomChange(models.Model):
    """The room's audit log: who changed what, and when."""

    class Action(models.TextChoices):
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"
        SETTINGS_CHANGED = "settings_changed", "Settings changed"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        RATE_CHANGED = "rate_changed", "Rate changed"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=20, choices=Action.choices)
    # {"field": {"before": ..., "after": ...}}
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["room", "-created_at"], name="onsale_change_room_created")]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label or self.actor_id}"
