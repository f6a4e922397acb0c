"""Holds, orders, tickets, vouchers and payments.

Stock counters live on events.EventDate and events.DateTicketType
(``allocated``); only sales.stock changes them. Holds and orders are each for
one date of their event.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.datetimes import window_constraints
from core.input import parse_id, search_text
from core.locales import DEFAULT_LANGUAGE, LOCALE_MAX_LENGTH
from core.translated import Text
from events.models import Event, EventDate, TicketType

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# Order codes: easy to read aloud and type; no 0/O or 1/I.
ORDER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ORDER_CODE_LENGTH = 8


def new_order_code() -> str:
    # One read of the system's randomness, not one or more per letter (secrets.choice):
    # 32 letters, so a random byte's remainder picks each uniformly.
    letters = len(ORDER_CODE_ALPHABET)
    return "".join(ORDER_CODE_ALPHABET[byte % letters] for byte in secrets.token_bytes(ORDER_CODE_LENGTH))


if 256 % len(ORDER_CODE_ALPHABET):
    raise ImportError("new_order_code needs an alphabet whose size divides 256.")


def new_secret() -> str:
    """An unguessable URL-safe token: 192 random bits."""
    return secrets.token_urlsafe(24)


def order_url(order: Order, base_url: str) -> str:
    """The buyer's secret link to the order page (storefront's "sales:order" URL)."""
    return f"{base_url.rstrip('/')}/orders/{order.code}/{order.secret}/"


class Voucher(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", gettext_lazy("Percent off")
        AMOUNT = "amount", gettext_lazy("Amount off per ticket")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="vouchers")
    code = models.CharField(max_length=50)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    max_usages = models.PositiveIntegerField(default=1)
    # Orders that used the voucher and are not cancelled. Changed only by
    # sales.vouchers.use and sales.stock.return_voucher_uses.
    redeemed = models.PositiveIntegerField(default=0, editable=False)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    # Empty: valid for every visible ticket type. Hidden types listed here are unlocked.
    ticket_types = models.ManyToManyField(TicketType, blank=True, related_name="vouchers")
    # Empty: valid on every date of the event.
    dates = models.ManyToManyField(EventDate, blank=True, related_name="vouchers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="voucher_code_per_event"),
            models.CheckConstraint(
                condition=Q(redeemed__lte=F("max_usages")), name="voucher_redeemed_within_limit"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="voucher_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100), name="voucher_percent_at_most_100"
            ),
            *window_constraints("voucher", nullable=("valid_from", "valid_until")),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.event})"


class HoldQuerySet(models.QuerySet["Hold"]):
    def expired(self, now: dt.datetime) -> HoldQuerySet:
        """Holds still counted in ``allocated`` whose time is up: their stock is free again."""
        return self.filter(status=Hold.Status.LIVE, expires_at__lte=now)


class Hold(models.Model):
    """Stock set aside for one buyer until ``expires_at`` (the cart)."""

    class Status(models.TextChoices):
        LIVE = "live", "Live"
        CONVERTED = "converted", "Converted into an order"
        RELEASED = "released", "Released"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="holds")
    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="holds")
    voucher = models.ForeignKey(
        Voucher, on_delete=models.SET_NULL, null=True, blank=True, related_name="holds"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.LIVE)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # A keyed hash of the client's address (sales.hoarding.client_hash; never the address).
    client_hash = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)

    objects = HoldQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["date", "status", "expires_at"], name="hold_date_expiry_idx"),
            models.Index(
                fields=["date", "client_hash"], name="hold_live_client_idx", condition=Q(status="live")
            ),
        ]

    def __str__(self) -> str:
        return f"Hold {self.token} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE and self.expires_at > timezone.now()


class HoldLine(models.Model):
    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="lines")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="hold_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.ticket_type_id}"


# The payment providers' names (sales.payments), as orders store them.
PAYMENT_METHOD_NAMES = ("free", "offline", "stripe", "demo")


class TicketTotal(TypedDict):
    """What ``OrderQuerySet.with_ticket_counts`` adds to each order (None: no tickets)."""

    ticket_total: int | None


class OrderQuerySet(models.QuerySet["Order"]):
    def overdue(self, now: dt.datetime) -> OrderQuerySet:
        """Pending orders past their payment deadline: their stock is free again."""
        return self.filter(status=Order.Status.PENDING, payment_deadline__lte=now)

    def search(self, params: Mapping[str, Any]) -> OrderQuerySet:
        """Orders matching a search: ``q`` (code, buyer email or name, attendee), ``status``,
        ``payment`` (a payment method), ``ticket_type`` and ``date`` (ids) and ``from``/``to``
        (ISO days of creation); newest first. Values that do not parse are ignored."""
        result = self
        query = search_text(params.get("q"))
        if query:
            result = result.filter(
                Q(code__iexact=query)
                | Q(buyer_email__icontains=query)
                | Q(buyer_name__icontains=query)
                | Q(tickets__attendee_name__icontains=query)
            ).distinct()
        status = params.get("status")
        if status in Order.Status.values:
            result = result.filter(status=status)
        payment = params.get("payment")
        if isinstance(payment, str) and payment in PAYMENT_METHOD_NAMES:
            result = result.filter(payment_method=payment)
        ticket_type = parse_id(params.get("ticket_type"))
        if ticket_type is not None:
            result = result.filter(lines__ticket_type_id=ticket_type).distinct()
        date = parse_id(params.get("date"))
        if date is not None:
            result = result.filter(date_id=date)
        for name, lookup in (("from", "created_at__date__gte"), ("to", "created_at__date__lte")):
            try:
                day = dt.date.fromisoformat(str(params.get(name) or ""))
            except ValueError:
                continue
            result = result.filter(**{lookup: day})
        return result.order_by("-created_at", "-id")

    def with_ticket_counts(self) -> models.QuerySet[WithAnnotations[Order, TicketTotal]]:
        """Annotate each order's number of tickets as ``ticket_total`` (a subquery, so a
        search's joins cannot narrow it)."""
        counts = (
            Ticket.objects.filter(order=OuterRef("pk")).values("order").annotate(n=Count("id")).values("n")
        )
        # Through a plain QuerySet: django-stubs' annotate() on a custom queryset's own
        # ``self`` loses the row type (typeddjango/django-stubs#1190).
        orders: models.QuerySet[Order] = self
        return orders.annotate(ticket_total=Subquery(counts))


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending payment")
        PAID = "paid", gettext_lazy("Paid")
        # Paid, with some tickets or part of the amount refunded: it still admits
        # its non-void tickets and holds their stock.
        PARTIALLY_REFUNDED = "partially_refunded", gettext_lazy("Partly refunded")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")
        REFUNDED = "refunded", gettext_lazy("Refunded")
        EXPIRED = "expired", gettext_lazy("Expired")

    # Statuses whose tickets count against capacity.
    HOLDING_STOCK = (Status.PENDING, Status.PAID, Status.PARTIALLY_REFUNDED)
    # Paid and not (yet) wholly refunded: its non-void tickets let their holders in.
    VALID_PAID = (Status.PAID, Status.PARTIALLY_REFUNDED)

    code = models.CharField(max_length=ORDER_CODE_LENGTH, unique=True, default=new_order_code)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="orders")
    # The date the order's tickets are for (one of the event's).
    date = models.ForeignKey(EventDate, on_delete=models.PROTECT, related_name="orders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    buyer_name = models.CharField(max_length=200)
    buyer_email = models.EmailField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    payment_method = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    # The web checkout's reservation this order was made from (None: the one-step API
    # purchase): a return to that checkout's address leads to the order.
    hold = models.OneToOneField(
        Hold, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="order"
    )
    # Pending orders give their stock back once this passes (bank transfers, abandoned card payments).
    payment_deadline = models.DateTimeField(null=True, blank=True)
    # A bank transfer waiting for its buyer to confirm it by the link in its email: until
    # then ``payment_deadline`` is the short first window (sales.hoarding, ADR 0016).
    awaiting_confirmation = models.BooleanField(default=False, db_default=False)
    # A keyed hash of the buyer's client address (sales.hoarding.client_hash; never the address).
    client_hash = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    # The buyer's answers to the event's checkout questions, validated by
    # questions.services and written with the order: {"order": [answer, ...], "tickets":
    # [[answer, ...] per ticket, in the tickets' id order]}, each answer carrying its
    # question's id, label and kind ({} when none were asked).
    answers = models.JSONField(default=dict, blank=True, db_default={}, editable=False)
    # The language the buyer used (core.locales): every message to them is written in it.
    locale = models.CharField(
        max_length=LOCALE_MAX_LENGTH, default=DEFAULT_LANGUAGE, db_default=DEFAULT_LANGUAGE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["event", "status"], name="order_event_status_idx"),
            models.Index(fields=["date", "status"], name="order_date_status_idx"),
            models.Index(fields=["status", "payment_deadline"], name="order_deadline_idx"),
            models.Index(
                fields=["date", "client_hash"],
                name="order_pending_client_idx",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["date", "buyer_email"],
                name="order_pending_email_idx",
                condition=Q(status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("total")), name="order_refund_within_total"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def admits_holders(self) -> bool:
        """Whether this order's tickets let their holders in: ``admissible_orders()``
        for an order already loaded (a test checks the two agree)."""
        if self.event.status == Event.Status.CANCELLED or self.date.status == EventDate.Status.CANCELLED:
            return False
        if self.status in self.VALID_PAID:
            return True
        return (
            self.status == self.Status.PENDING
            and self.payment_method == "offline"
            and not self.awaiting_confirmation
            and self.event.organizer.admit_unpaid_bank_transfers
        )

    @property
    def ticket_count(self) -> int:
        return sum(line.quantity for line in self.lines.all())


class TaxTreatment(models.TextChoices):
    """How a line was taxed: the tax rule's action for this buyer."""

    NONE = "none", gettext_lazy("No tax rule")
    VAT = "vat", gettext_lazy("VAT charged")
    REVERSE_CHARGE = "reverse_charge", gettext_lazy("Reverse charge")
    EXEMPT = "exempt", gettext_lazy("Exempt")


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # The tax in ``total`` (what the buyer pays for the line, tax included): net is
    # ``total - tax_amount``. Decided when the order is written, from the event's tax rule
    # and the buyer's invoice address (taxes), and never changed after.
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), db_default=Decimal("0")
    )
    tax_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), db_default=Decimal("0")
    )
    tax_treatment = models.CharField(
        max_length=20, choices=TaxTreatment.choices, default=TaxTreatment.NONE, db_default=TaxTreatment.NONE
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(tax_amount__gte=0), name="order_line_tax_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.ticket_type_id} = {self.total}"


def admissible_orders(prefix: str = "") -> Q:
    """Orders whose tickets let their holders in: paid (partly refunded included), or a
    bank transfer not yet paid (but confirmed by its buyer) whose organizer admits
    those; never for a cancelled event or date (a paid order whose refund failed stays
    paid). ``prefix`` reaches the order from another model ("order__" from a ticket)."""
    paid_or_admitted = Q(**{f"{prefix}status__in": Order.VALID_PAID}) | Q(
        **{
            f"{prefix}status": Order.Status.PENDING,
            f"{prefix}payment_method": "offline",
            f"{prefix}awaiting_confirmation": False,
            f"{prefix}event__organizer__admit_unpaid_bank_transfers": True,
        }
    )
    return (
        paid_or_admitted
        & ~Q(**{f"{prefix}event__status": Event.Status.CANCELLED})
        & ~Q(**{f"{prefix}date__status": EventDate.Status.CANCELLED})
    )


class TicketQuerySet(models.QuerySet["Ticket"]):
    def holding_stock(self) -> TicketQuerySet:
        """Tickets counted against capacity: not voided, in a pending or paid order (sold;
        partly refunded included)."""
        return self.filter(voided_at__isnull=True, order__status__in=Order.HOLDING_STOCK)

    def admissible(self) -> TicketQuerySet:
        """Tickets that let their holders in (check-in, the PDF, the dashboard's "expected")."""
        return self.filter(admissible_orders("order__"), voided_at__isnull=True)


class InvoiceAddress(models.Model):
    """The address an order's invoice is made out to, asked at checkout when the event's
    organizer issues invoices. A business buyer's VAT ID decides reverse charge (taxes)."""

    class VatIdStatus(models.TextChoices):
        NOT_GIVEN = "not_given", gettext_lazy("No VAT ID")
        VALID = "valid", gettext_lazy("Valid (VIES)")
        # Its syntax is right but VIES could not be asked: the invoice is flagged for a re-check.
        UNCHECKED = "unchecked", gettext_lazy("Not checked (VIES unreachable)")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="invoice_address")
    is_business = models.BooleanField(default=False)
    company = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    street = models.CharField(max_length=300, blank=True)
    zipcode = models.CharField(max_length=30, blank=True)
    city = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2
    vat_id = models.CharField(max_length=40, blank=True)  # normalized, with its country prefix
    vat_id_status = models.CharField(
        max_length=12, choices=VatIdStatus.choices, default=VatIdStatus.NOT_GIVEN
    )
    vat_id_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.company or self.name}, {self.country}"


class Ticket(models.Model):
    """One admitted person. The secret is what its QR code encodes."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tickets")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="tickets")
    attendee_name = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=64, unique=True, default=new_secret)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    # Set when this one ticket was refunded and cancelled while its order stays paid.
    voided_at = models.DateTimeField(null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order.code} – {self.ticket_type.name}"


class Payment(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", gettext_lazy("Created")
        SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
        FAILED = "failed", gettext_lazy("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CREATED)
    # The provider's id of the payment page or transaction (Stripe: the Checkout Session
    # Maticko created), by which its notifications find the payment.
    reference = models.CharField(max_length=200, blank=True, db_index=True)
    # What refunds name when it is not ``reference`` (Stripe: the session's PaymentIntent),
    # stored when the payment is confirmed.
    charge_reference = models.CharField(max_length=200, blank=True)
    # The money arrived after the order expired and its tickets were gone (or its
    # date stopped selling): the organizer must refund it. Cleared once refunded.
    needs_refund = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} ({self.status})"


REFUND_REASON_MAX = 300


class Refund(models.Model):
    """Money paid back, recorded (pending) before the provider is asked, so a refund the
    provider made is never without a record (sales.lifecycle.refund)."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
        FAILED = "failed", gettext_lazy("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    provider = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # The provider's refund id (also the idempotency key's outcome on a retry).
    reference = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=REFUND_REASON_MAX, blank=True)
    # Ids of the order's tickets this refund voids once it succeeds.
    ticket_ids = models.JSONField(default=list, blank=True)
    # Why the provider refused or failed, for the organizer (the last attempt's).
    error = models.TextField(blank=True)
    # The provider pays nothing back itself (bank transfer): the organizer does.
    paid_back_by_organizer = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.amount} of {self.order_id}"

    @property
    def idempotency_key(self) -> str:
        """The key the provider is given for this refund: a retry cannot refund twice."""
        return f"maticko-refund-{self.pk}"


class IdempotencyRecord(models.Model):
    """The outcome of a purchase sent with an Idempotency-Key, so a retry gets the same order."""

    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    # The code is chosen before the order row exists, so the key can be taken first.
    order_code = models.CharField(max_length=ORDER_CODE_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_scope")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class ProcessedWebhookEvent(models.Model):
    """A payment provider's event already handled; a replay is ignored."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class AuditEntry(models.Model):
    """Who did what to an order, and when: shown on the order in the back office."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(max_length=50)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, help_text="The user's email or the API token's name.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.action} by {self.actor_label}"


class EventCancellation(models.Model):
    """An event's cancellation (sales.event_cancellation): who, when, why, and how far the
    settling of its orders has come. One per event; settling again (a retry) reuses it."""

    class Status(models.TextChoices):
        RUNNING = "running", "Settling orders"
        DONE = "done", "Done"

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="cancellation")
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The API token's name when a program cancelled it.
    token_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    # Each pass over the orders (the first, then each retry) has its number; a batch of an
    # earlier pass stops when a newer one has started.
    settling_pass = models.PositiveIntegerField(default=1)
    orders_total = models.PositiveIntegerField(default=0)
    orders_settled = models.PositiveIntegerField(default=0)
    # Refunds the provider refused in the latest pass: those orders stay paid until retried.
    refunds_failed = models.PositiveIntegerField(default=0)
    # Paid orders refunded in the books whose money the organizer pays back by hand.
    manual_refunds = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Cancellation of {self.event_id} ({self.status})"


class BuyerLoad(models.Model):
    """How many tickets one buyer (``key``: a client's address or an email, hashed) holds on
    a date in live holds and pending orders, at most: every hold and pending order adds
    its tickets in the statement that takes their stock, and nothing subtracts, so the
    count only errs high; ``sales.hoarding`` recounts it from the holds and orders before
    it refuses anything. ``challenge_until``: the buyer tripped a limit, and until then
    needs a proof of work for every hold and purchase on the date (ADR 0016)."""

    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    tickets = models.PositiveIntegerField(default=0)
    challenge_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "key"], name="buyer_load_per_date")]

    def __str__(self) -> str:
        return f"{self.key} on {self.date_id}: {self.tickets}"


class SpentChallenge(models.Model):
    """A proof-of-work challenge already used: each solves one hold or purchase."""

    signature = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.signature


# An email text's translatable fields (core.translated); sales.email_texts checks placeholders.
EMAIL_TEXTS = {"subject": Text(200, name=True), "body": Text(10_000, multiline=True)}


class EmailText(models.Model):
    """An event's own subject and Markdown body for one of its buyer emails (sales.email_texts);
    no row: the email as Maticko writes it."""

    TRANSLATED = EMAIL_TEXTS

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", pgettext_lazy("email", "Order confirmation")
        PAYMENT_PENDING = "payment_pending", pgettext_lazy("email", "Payment pending")
        REFUND = "refund", pgettext_lazy("email", "Refund")
        CANCELLATION = "cancellation", pgettext_lazy("email", "Cancellation")
        WAITLIST_OFFER = "waitlist_offer", pgettext_lazy("email", "Waiting-list offer")
        REMINDER = "reminder", pgettext_lazy("email", "Reminder")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="email_texts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # ``subject`` and ``body`` in the event's other languages (core.translated); the columns
    # hold the event's language's.
    translations = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "kind"], name="email_text_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.kind}"


class EmailTextChange(models.Model):
    """The email texts' audit log: who saved or reset which text, and when."""

    class Action(models.TextChoices):
        SAVED = "saved", "Saved"
        RESET = "reset", "Reset to default"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="email_text_changes")
    kind = models.CharField(max_length=20, choices=EmailText.Kind.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    # {"subject": {"before": ..., "after": ...}, "body": {...}} of what changed.
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.kind} {self.action}"
