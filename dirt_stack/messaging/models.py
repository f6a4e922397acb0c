"""Messages an organizer writes to the buyers of an event, delivered in batches
(``Message``, one ``MessageRecipient`` per buyer), and the reminder email a chosen time
before a date (``ReminderSettings``, ``Reminder``: sent once per order and date)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from events.models import Event, EventDate
from sales.models import Order

MAX_REMINDER_HOURS = 24 * 30


class ReminderSettings(models.Model):
    """An event's reminder: ``hours_before`` its dates start (None: no reminder)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="reminder_settings")
    hours_before = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.event_id}: {self.hours_before} h"


class Reminder(models.Model):
    """An order's reminder for its date: written when due, claimed (``sent_at``) by one
    conditional UPDATE, so it goes out once whichever process finds it first."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "date"], name="reminder_once_per_order_date")]

    def __str__(self) -> str:
        return f"{self.order_id} for {self.date_id}"


class Message(models.Model):
    """A message to the buyers an organizer chose (``filters``), written with its recipients in
    one transaction and delivered ``services.BATCH_SIZE`` at a time."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="messages")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # {"date": id | None, "ticket_type": id | None, "statuses": [...], "checked_in": "any" | "yes" | "no"}
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # The next batch may start then: claimed by one conditional UPDATE (the rate, for all instances).
    next_batch_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.subject}"


class MessageRecipient(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"  # handed to the outbox
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "order"], name="message_recipient_once")]
        indexes = [models.Index(fields=["message", "status"], name="message_recipient_status_idx")]

    def __str__(self) -> str:
        return f"{self.message_id} to {self.email} ({self.status})"
