"""The waiting list: who waits for a sold-out ticket type on a date, and the offers made to them.

An ``Entry`` is one email's wish for ``quantity`` tickets of one ticket type on one date. It
starts ``pending`` (double opt-in: nothing is offered before its confirmation link is
followed), then ``waiting`` in FIFO order of confirmation, ``offered`` while an ``Offer``
(a hold of its quantity, sales.Hold) is open, and ends ``claimed`` (the hold became an
order), ``lapsed`` (the offer expired or was given up) or ``removed`` (unsubscribed, or
removed by the organizer). One active entry per normalized email and ticket type on a date.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.locales import DEFAULT_LANGUAGE, LOCALE_MAX_LENGTH
from events.models import Event, EventDate, TicketType
from sales.models import Hold, Order

DEFAULT_OFFER_HOURS = 24
MAX_OFFER_HOURS = 168


class WaitlistSettings(models.Model):
    """An event's waiting list: whether sold-out ticket types offer it, and how long an offer lasts."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="waitlist_settings")
    enabled = models.BooleanField(default=False)
    offer_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_OFFER_HOURS, validators=[MinValueValidator(1), MaxValueValidator(MAX_OFFER_HOURS)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "waiting list settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(offer_hours__gte=1) & Q(offer_hours__lte=MAX_OFFER_HOURS),
                name="waitlist_offer_hours_range",
            )
        ]

    def __str__(self) -> str:
        return f"Waiting list of {self.event_id}"


class Entry(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting confirmation"
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered"
        CLAIMED = "claimed", "Claimed"
        LAPSED = "lapsed", "Offer lapsed"
        REMOVED = "removed", "Removed"

    ACTIVE = (Status.PENDING, Status.WAITING, Status.OFFERED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="waitlist_entries")
    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="waitlist_entries")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.CASCADE, related_name="waitlist_entries")
    email = models.EmailField(max_length=254)
    # ``services.email_key``: lower case, without a "+tag"; one active entry per key.
    email_key = models.CharField(max_length=254)
    quantity = models.PositiveSmallIntegerField()
    # The language the entry was made in (core.locales): its emails are written in it.
    locale = models.CharField(
        max_length=LOCALE_MAX_LENGTH, default=DEFAULT_LANGUAGE, db_default=DEFAULT_LANGUAGE
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["confirmed_at", "id"]
        indexes = [models.Index(fields=["date", "status", "confirmed_at"], name="waitlist_entry_queue_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "ticket_type", "email_key"],
                condition=Q(status__in=["pending", "waiting", "offered"]),
                name="waitlist_entry_active_once",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="waitlist_entry_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"Waiting list entry {self.pk} ({self.status})"


class Offer(models.Model):
    """Tickets set aside for one entry: a hold of its quantity, until ``hold.expires_at``."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLAIMED = "claimed", "Claimed"
        LAPSED = "lapsed", "Lapsed"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="offers")
    hold = models.OneToOneField(Hold, on_delete=models.CASCADE, related_name="waitlist_offer")
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Who made it: "" the waiting list itself, else the organizer's user or token ("offer now").
    made_by = models.CharField(max_length=200, blank=True, default="")
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status"], name="waitlist_offer_status_idx")]

    def __str__(self) -> str:
        return f"Offer {self.pk} ({self.status})"
