"""Check-in lists (entrances) and the record of every admitted ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.event} – {self.name}"


class CheckIn(models.Model):
    """A ticket admitted through a list. Undone check-ins keep their row, with ``reverted_at`` set."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="check_ins")
    check_in_list = models.ForeignKey(CheckInList, on_delete=models.PROTECT, related_name="check_ins")
    created_at = models.DateTimeField(auto_now_add=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scanned_with_token = models.CharField(max_length=100, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            # A ticket is admitted once, whatever the entrance and however many scanners race:
            # the database refuses a second live check-in.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(reverted_at__isnull=True), name="ticket_admitted_once"
            ),
        ]
        indexes = [models.Index(fields=["check_in_list", "reverted_at"], name="checkin_list_live_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} at {self.check_in_list_id} ({self.created_at:%Y-%m-%d %H:%M})"
