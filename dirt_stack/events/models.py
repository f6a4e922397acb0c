"""Events and their ticket types: what organizers publish and buyers browse."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Min, Q
from django.utils import timezone

from accounts.models import Organizer


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone.")


def validate_currency(value: str) -> None:
    if pycountry.currencies.get(alpha_3=value) is None:
        raise ValidationError(f"“{value}” is not an ISO 4217 currency code.")


def default_payment_methods() -> list[str]:
    """Methods a new event offers; sales.payments only shows those configured here."""
    return ["stripe", "offline", "demo"]


def capacity_below_allocated(allocated: int) -> str:
    return f"{allocated} tickets are already sold or reserved; the capacity cannot be lower."


class EventQuerySet(models.QuerySet["Event"]):
    def published(self) -> EventQuerySet:
        return self.filter(status=Event.Status.PUBLISHED)

    def upcoming(self) -> EventQuerySet:
        """Events that have not ended yet."""
        return self.filter(ends_at__gte=timezone.now())

    def public(self) -> EventQuerySet:
        """Events whose page anyone may open: published, or cancelled after publication."""
        return self.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])

    def listed(self) -> EventQuerySet:
        """The events the storefront and the public API list: published and upcoming,
        soonest first, each with ``min_price`` (its cheapest visible ticket type)."""
        return (
            self.published()
            .upcoming()
            .select_related("organizer")
            .annotate(min_price=Min("ticket_types__price", filter=Q(ticket_types__hidden=False)))
            .order_by("starts_at", "id")
        )


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"

    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    venue_name = models.CharField(max_length=200, blank=True)
    venue_address = models.CharField(max_length=300, blank=True)
    is_online = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    cover_image = models.ImageField(upload_to="events/covers/", blank=True)
    # Optional limit shared by all ticket types (e.g. the venue's size).
    capacity = models.PositiveIntegerField(null=True, blank=True)
    # Tickets sold plus live holds across all ticket types. Only sales.stock
    # changes it; the check constraint makes overselling impossible.
    allocated = models.PositiveIntegerField(default=0, editable=False)
    # Checkout settings.
    hold_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="How long tickets stay reserved while a buyer checks out.",
    )
    collect_attendee_names = models.BooleanField(default=False, help_text="Ask for a name on every ticket.")
    payment_methods = models.JSONField(default=default_payment_methods, blank=True)
    offline_payment_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Days a bank-transfer order stays reserved before it expires.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["status", "starts_at"], name="event_status_starts_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(allocated__lte=F("capacity")),
                name="event_allocated_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "The event cannot end before it starts."})
        if self.capacity is not None and self.capacity < self.allocated:
            raise ValidationError({"capacity": capacity_below_allocated(self.allocated)})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def venue_label(self) -> str:
        if self.is_online:
            return "Online"
        return ", ".join(part for part in (self.venue_name, self.venue_address) if part)

    @property
    def has_ended(self) -> bool:
        return self.ends_at < timezone.now()


class TicketType(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # Tickets sold plus live holds. Only sales.stock changes it.
    allocated = models.PositiveIntegerField(default=0, editable=False)
    sales_start = models.DateTimeField(null=True, blank=True)
    sales_end = models.DateTimeField(null=True, blank=True)
    min_per_order = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    max_per_order = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    hidden = models.BooleanField(default=False, help_text="Only reachable with a voucher that unlocks it.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="ticket_type_price_not_negative"),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("capacity")), name="ticket_type_allocated_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(max_per_order__gte=F("min_per_order")), name="ticket_type_max_ge_min"
            ),
            models.CheckConstraint(
                condition=Q(sales_start__isnull=True)
                | Q(sales_end__isnull=True)
                | Q(sales_end__gt=F("sales_start")),
                name="ticket_type_sales_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} – {self.name}"

    def can_be_deleted(self) -> bool:
        """Whether deleting this ticket type loses nothing: no ticket of it is held or
        sold now (``allocated``) and no order ever included it (cancelled and refunded
        orders keep their lines). The back office's "delete" button and
        events.services.delete_ticket_type (under the row lock) both ask this."""
        return self.allocated == 0 and not self.order_lines.exists()

    def clean(self) -> None:
        errors = {}
        if self.sales_start and self.sales_end and self.sales_end <= self.sales_start:
            errors["sales_end"] = "Sales must end after they start."
        if self.min_per_order and self.max_per_order and self.max_per_order < self.min_per_order:
            errors["max_per_order"] = "The maximum per order cannot be below the minimum."
        if self.capacity is not None and self.capacity < self.allocated:
            errors["capacity"] = capacity_below_allocated(self.allocated)
        if errors:
            raise ValidationError(errors)
