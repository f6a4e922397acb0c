"""Events and their ticket types: what organizers publish and buyers browse."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from accounts.models import Organizer
from core.datetimes import window_constraints
from core.locales import DEFAULT_LANGUAGE, LANGUAGE_CODES, LOCALE_MAX_LENGTH
from core.translated import Text


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(gettext("“%(value)s” is not a known time zone.") % {"value": value})


def validate_currency(value: str) -> None:
    if pycountry.currencies.get(alpha_3=value) is None:
        raise ValidationError(gettext("“%(value)s” is not an ISO 4217 currency code.") % {"value": value})


def validate_country(value: str) -> None:
    if pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(gettext("“%(value)s” is not an ISO 3166 country code.") % {"value": value})


def validate_locale(value: str) -> None:
    if value not in LANGUAGE_CODES:
        raise ValidationError(gettext("“%(code)s” is not one of Maticko's languages.") % {"code": value})


def default_locales() -> list[str]:
    """A new event's enabled languages: the default language alone."""
    return [DEFAULT_LANGUAGE]


def validate_locales(value: object) -> None:
    if not isinstance(value, list) or not value or any(code not in LANGUAGE_CODES for code in value):
        raise ValidationError(gettext("Choose languages among Maticko's."))
    if len(set(value)) != len(value):
        raise ValidationError(gettext("Name each language once."))


# The event's translatable texts and their rules (core.translated); ticket types' below.
EVENT_TEXTS = {"title": Text(200, name=True), "description": Text(20_000, multiline=True)}
TICKET_TYPE_TEXTS = {"name": Text(120, name=True), "description": Text(5000, multiline=True)}


# The paid methods an event may offer, by name: sales.payments' providers (but "free"),
# which name them for people (a test keeps the two equal).
OFFERABLE_PAYMENT_METHODS = ("stripe", "offline", "demo")


def default_payment_methods() -> list[str]:
    """Methods a new event offers; sales.payments only shows those configured here."""
    return list(OFFERABLE_PAYMENT_METHODS)


# The largest per-email limit an organizer may set (events and ticket types).
MAX_TICKETS_PER_EMAIL = 100_000
# The earliest deadline for buyers' attendee name changes: a year before the start.
MAX_NAME_CHANGE_HOURS = 24 * 366


def capacity_below_allocated(allocated: int) -> str:
    return ngettext(
        "%(count)s ticket is already sold or reserved; the capacity cannot be lower.",
        "%(count)s tickets are already sold or reserved; the capacity cannot be lower.",
        allocated,
    ) % {"count": allocated}


# A sales window (of a ticket type or a date) ends after it starts, when both are set.
SALES_WINDOW_ORDERED = (
    Q(sales_start__isnull=True) | Q(sales_end__isnull=True) | Q(sales_end__gt=F("sales_start"))
)


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
        by their next date, each with ``min_price`` (its cheapest visible ticket type),
        ``date_count`` and ``next_starts_at`` (its next date not over nor cancelled)."""
        dates = EventDate.objects.filter(event=OuterRef("pk"))
        upcoming = dates.filter(ends_at__gte=timezone.now()).exclude(status=EventDate.Status.CANCELLED)
        return (
            self.published()
            .upcoming()
            .select_related("organizer")
            .annotate(
                min_price=Min("ticket_types__price", filter=Q(ticket_types__hidden=False)),
                date_count=Subquery(dates.values("event").annotate(n=Count("pk")).values("n")),
                next_starts_at=Subquery(upcoming.order_by("starts_at").values("starts_at")[:1]),
            )
            .order_by(F("next_starts_at").asc(nulls_last=True), "starts_at", "id")
        )

    def with_date_on_days(self, first: dt.date | None, last: dt.date | None) -> EventQuerySet:
        """Events with a date not over nor cancelled on the days from ``first`` to
        ``last`` (either may be None: open-ended), days in the current time zone."""
        dates = (
            EventDate.objects.filter(event=OuterRef("pk"))
            .upcoming()
            .exclude(status=EventDate.Status.CANCELLED)
        )
        return self.filter(Exists(dates.on_days(first, last)))


class Event(models.Model):
    TRANSLATED = EVENT_TEXTS

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
    # Where the event takes place (ISO 3166-1 alpha-2; blank: not said). Admission to a
    # physical event is taxed there (VAT Directive, Art. 53).
    country = models.CharField(
        max_length=2, blank=True, default="", db_default="", validators=[validate_country]
    )
    # The event's language: what a buyer who chose none sees first, and the fallback of
    # its translated texts.
    locale = models.CharField(
        max_length=LOCALE_MAX_LENGTH,
        default=DEFAULT_LANGUAGE,
        db_default=DEFAULT_LANGUAGE,
        validators=[validate_locale],
    )
    # The languages buyers may read it in (core.locales codes, ``locale`` among them), and the
    # texts in those other than ``locale``: {code: {"title": ..., "description": ...}}
    # (core.translated; the columns hold ``locale``'s).
    locales = models.JSONField(default=default_locales, validators=[validate_locales])
    translations = models.JSONField(default=dict, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # The span of the event's dates: the first one's start, the last one's end.
    # Written only by events.services.refresh_span (a single-date event: its date's times).
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    cover_image = models.ImageField(upload_to="events/covers/", blank=True)
    # Optional limit per date shared by all ticket types (e.g. the venue's size):
    # the capacity a new date gets (EventDate.capacity holds each date's own).
    capacity = models.PositiveIntegerField(null=True, blank=True)
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
    # No hoarding (sales.hoarding, ADR 0016).
    buyer_share_percent = models.PositiveSmallIntegerField(
        default=10,
        db_default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=(
            "Most of a date's stock one buyer (an email or a client address) may hold at once in "
            "reservations and unpaid orders, in percent (at least BUYER_SHARE_MIN_TICKETS)."
        ),
    )
    max_tickets_per_buyer = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="An absolute cap on that share (empty: BUYER_SHARE_MAX_TICKETS).",
    )
    # Per-buyer limits across orders (sales.limits, ADR 0016): tickets one email may have.
    max_tickets_per_email = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TICKETS_PER_EMAIL)],
        help_text=(
            "Most tickets of this event one email address may have in paid and pending orders "
            "(case, spaces and a +tag do not make another address). Empty: no limit."
        ),
    )
    # Buyers change their tickets' attendee names on the order page until this many hours
    # before the date's start (sales.attendee_names); None: they cannot (organizers always can).
    name_change_deadline_hours = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_NAME_CHANGE_HOURS)],
        help_text=(
            "Buyers may change attendee names on their order page until this many hours before "
            "the start (0: until the start). Empty: only organizers change them."
        ),
    )
    # Whether the event has checkout questions, kept by the questions app's signals: the
    # purchase reads the event's row anyway, so an event without questions costs the
    # purchase no query for them (questions.services.event_questions).
    asks_questions = models.BooleanField(default=False, db_default=False, editable=False)
    # Whether an enabled webhook endpoint listens to the event, kept by the webhooks app: a
    # change nobody listens to writes no message (core.domain_events), and the purchase
    # reads it with the event's row it reads anyway.
    sends_webhooks = models.BooleanField(default=False, db_default=False, editable=False)
    # Whether the organizer issues an invoice when an order is paid, kept by the invoicing app
    # (invoicing/signals.py): the purchase reads it with the event's row, so a paid-at-once
    # order of an organizer who does not invoice costs no query and no transaction.
    invoices_when_paid = models.BooleanField(default=False, db_default=False, editable=False)
    confirm_bank_transfers = models.BooleanField(
        default=True,
        db_default=True,
        help_text=(
            "Unpaid bank transfers keep their tickets only for a short first window until the "
            "buyer confirms the order by the link in its email."
        ),
    )
    # The event's tax rule (taxes.TaxRule, the organizer's; a ticket type may choose
    # another); none: its prices carry no tax. Named by string: events does not import taxes.
    tax_rule = models.ForeignKey(
        "taxes.TaxRule", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )

    class InvoiceAddress(models.TextChoices):
        OFF = "off", gettext_lazy("Not asked")
        OPTIONAL = "optional", gettext_lazy("Optional")
        REQUIRED = "required", gettext_lazy("Required")

    # Whether the checkout asks for an invoice address (taxes.addresses).
    invoice_address = models.CharField(
        max_length=10,
        choices=InvoiceAddress.choices,
        default=InvoiceAddress.OFF,
        db_default=InvoiceAddress.OFF,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["status", "starts_at"], name="event_status_starts_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="event_ends_after_start"),
            *window_constraints("event", "starts_at", "ends_at"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": gettext("The event cannot end before it starts.")})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def venue_label(self) -> str:
        if self.is_online:
            return pgettext("venue", "Online")
        return ", ".join(part for part in (self.venue_name, self.venue_address) if part)

    @property
    def has_ended(self) -> bool:
        return self.ends_at < timezone.now()


class TicketType(models.Model):
    TRANSLATED = TICKET_TYPE_TEXTS

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # The price on every date that does not override it (DateTicketType.price).
    price = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    # Per date: the capacity a new date gets for this type (DateTicketType.capacity holds each date's own).
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    sales_start = models.DateTimeField(null=True, blank=True)
    sales_end = models.DateTimeField(null=True, blank=True)
    min_per_order = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    max_per_order = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # Per-buyer limit across orders for this type (sales.limits); the event's applies too.
    max_tickets_per_email = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TICKETS_PER_EMAIL)],
        help_text="Most tickets of this type one email address may have. Empty: no limit.",
    )
    hidden = models.BooleanField(default=False, help_text="Only reachable with a voucher that unlocks it.")
    position = models.PositiveIntegerField(default=0)
    # Another tax rule than the event's for this type (taxes.TaxRule); none: the event's.
    tax_rule = models.ForeignKey(
        "taxes.TaxRule", on_delete=models.PROTECT, null=True, blank=True, related_name="ticket_types"
    )
    # ``name`` and ``description`` in the event's other languages (core.translated).
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="ticket_type_price_not_negative"),
            models.CheckConstraint(
                condition=Q(max_per_order__gte=F("min_per_order")), name="ticket_type_max_ge_min"
            ),
            models.CheckConstraint(
                condition=SALES_WINDOW_ORDERED,
                name="ticket_type_sales_window_ordered",
            ),
            *window_constraints("ticket_type", nullable=("sales_start", "sales_end")),
        ]

    def __str__(self) -> str:
        return f"{self.event} – {self.name}"

    def can_be_deleted(self) -> bool:
        """Whether deleting this ticket type loses nothing: no ticket of it is held or
        sold now on any date (``allocated``) and no order ever included it (cancelled
        and refunded orders keep their lines). The back office's "delete" button and
        events.services.delete_ticket_type (under the row lock) both ask this."""
        return not self.date_ticket_types.filter(allocated__gt=0).exists() and not self.order_lines.exists()

    def clean(self) -> None:
        errors = {}
        if self.sales_start and self.sales_end and self.sales_end <= self.sales_start:
            errors["sales_end"] = gettext("Sales must end after they start.")
        if self.min_per_order and self.max_per_order and self.max_per_order < self.min_per_order:
            errors["max_per_order"] = gettext("The maximum per order cannot be below the minimum.")
        if errors:
            raise ValidationError(errors)


class EventDateQuerySet(models.QuerySet["EventDate"]):
    def with_pressure(self) -> EventDateQuerySet:
        """Each date annotated ``pressure_until``: the latest of its ticket types' rows
        (the rush is counted on each row a purchase writes; sales.hoarding reads it)."""
        rows = (
            DateTicketType.objects.filter(date_id=OuterRef("pk"))
            .order_by()
            .values("date_id")
            .annotate(latest=Max("pressure_until"))
            .values("latest")
        )
        return self.annotate(pressure_until=Subquery(rows))

    def upcoming(self) -> EventDateQuerySet:
        """Dates that have not ended yet."""
        return self.filter(ends_at__gte=timezone.now())

    def on_days(
        self, first: dt.date | None, last: dt.date | None, tz: dt.tzinfo | None = None
    ) -> EventDateQuerySet:
        """Dates taking place, at least in part, on the days from ``first`` to ``last``
        (either may be None: open-ended), days in ``tz`` (None: the current time zone)."""
        dates = self
        if first is not None:
            dates = dates.filter(GreaterThanOrEqual(TruncDate("ends_at", tzinfo=tz), first))
        if last is not None:
            dates = dates.filter(LessThanOrEqual(TruncDate("starts_at", tzinfo=tz), last))
        return dates


class EventDate(models.Model):
    """One date of an event: when it happens and its own stock.

    Every event has at least one; a single-date event is a series of one. The
    stock counters (``allocated`` here and on each DateTicketType) are changed
    only by sales.stock; their CHECK constraints make overselling a date impossible.
    """

    class Status(models.TextChoices):
        ON_SALE = "on_sale", "On sale"
        SOLD_OUT = "sold_out", "Sold out"  # sales stopped by the organizer
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="dates")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    admission_at = models.DateTimeField(null=True, blank=True, help_text="When doors open.")
    sales_start = models.DateTimeField(null=True, blank=True)
    sales_end = models.DateTimeField(null=True, blank=True)
    # Blank: the event's venue.
    venue_name = models.CharField(max_length=200, blank=True)
    venue_address = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ON_SALE)
    # Optional limit on this date shared by all ticket types.
    capacity = models.PositiveIntegerField(null=True, blank=True)
    # While ``capacity`` is set: the tickets of this date sold plus live holds (the sum of
    # its DateTicketType rows' ``allocated``). Without a shared capacity it is not kept
    # (0), so a purchase never writes this row (ADR 0012); the rows' sum counts a date's
    # tickets either way. Only sales.stock and ``events.dates.set_capacity`` change it.
    allocated = models.PositiveIntegerField(default=0, editable=False)
    # The SEQUENCE of this date's calendar event (.ics): raised each time its start or end
    # moves or it is cancelled, so a calendar that imported it takes the newer file's times.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventDateQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["event", "starts_at"], name="event_date_starts_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="event_date_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(allocated__lte=F("capacity")),
                name="event_date_allocated_within_capacity",
            ),
            models.CheckConstraint(
                condition=SALES_WINDOW_ORDERED,
                name="event_date_sales_window_ordered",
            ),
            *window_constraints(
                "event_date", "starts_at", "ends_at", nullable=("admission_at", "sales_start", "sales_end")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} – {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = gettext("A date cannot end before it starts.")
        if self.sales_start and self.sales_end and self.sales_end <= self.sales_start:
            errors["sales_end"] = gettext("Sales must end after they start.")
        if self.capacity is not None and self.pk is not None:
            # The date's tickets, from its stock rows: its own counter is kept only while
            # it has a shared capacity (events.dates.set_capacity rechecks under lock).
            tickets = self.date_ticket_types.aggregate(n=Sum("allocated"))["n"] or 0
            if self.capacity < tickets:
                errors["capacity"] = capacity_below_allocated(tickets)
        if errors:
            raise ValidationError(errors)

    @property
    def has_ended(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def venue_label(self) -> str:
        """This date's venue: its own, or the event's."""
        if self.venue_name or self.venue_address:
            return ", ".join(part for part in (self.venue_name, self.venue_address) if part)
        return self.event.venue_label


class DateTicketType(models.Model):
    """A ticket type on one date: its stock there, and the date's own price or "not offered"."""

    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="date_ticket_types")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.CASCADE, related_name="date_ticket_types")
    capacity = models.PositiveIntegerField()
    # Tickets of this type on this date sold plus live holds. Only sales.stock changes it.
    allocated = models.PositiveIntegerField(default=0, editable=False)
    # None: the ticket type's price.
    price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    offered = models.BooleanField(default=True)
    # The rush on this row, its hot counter (sales.stock.take): holds and purchases that
    # took stock in the minute ``rush_minute`` (minutes since the epoch), and until when it
    # is under pressure (every hold and purchase of it needs a proof of work; ADR 0016).
    rush_minute = models.BigIntegerField(default=0, db_default=0, editable=False)
    rush_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    pressure_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["ticket_type__position", "ticket_type_id"]
        constraints = [
            models.UniqueConstraint(fields=["date", "ticket_type"], name="date_ticket_type_once"),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("capacity")), name="date_ticket_type_allocated_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="date_ticket_type_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_type} on {self.date_id}"

    @property
    def under_pressure(self) -> bool:
        return self.pressure_until is not None and self.pressure_until > timezone.now()

    def clean(self) -> None:
        if self.capacity is not None and self.capacity < self.allocated:
            raise ValidationError({"capacity": capacity_below_allocated(self.allocated)})

    @property
    def effective_price(self) -> Decimal:
        return self.ticket_type.price if self.price is None else self.price


class EventAuditEntry(models.Model):
    """Who did what to an event as a whole (a duplication, on the copy and on its source);
    an order's own log is sales.AuditEntry. Written by events.audit.record."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(max_length=50)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, help_text="The user's email or the API token's name.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.action} by {self.actor_label}"
