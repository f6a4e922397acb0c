"""Invoices and credit notes: numbered per organizer series, immutable once issued.

An ``Invoice`` is a snapshot: the seller, the buyer, the lines and their tax as they were
when it was issued. Nothing updates it afterwards (``save`` refuses, and on PostgreSQL a
trigger refuses any UPDATE or DELETE of its rows); a correction is a new document, a
cancellation or a credit note that ``refers_to`` the original. Its files are rendered
once from that snapshot and kept (``InvoiceFile``). ADR 0037.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Organizer
from core.locales import DEFAULT_LANGUAGE, LOCALE_MAX_LENGTH
from sales.models import Order, OrderLine, TaxTreatment

PREFIX_MAX_LENGTH = 20
FOOTER_MAX_LENGTH = 1000
NUMBER_DIGITS = 5


class InvoiceSettings(models.Model):
    """An organizer's invoicing: when invoices are issued, their series and footer."""

    class Mode(models.TextChoices):
        NEVER = "never", gettext_lazy("Never")
        WHEN_PAID = "paid", gettext_lazy("When an order is paid")
        ON_REQUEST = "request", gettext_lazy("When the buyer or the organizer asks")

    organizer = models.OneToOneField(Organizer, on_delete=models.CASCADE, related_name="invoice_settings")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.NEVER)
    prefix = models.CharField(
        max_length=PREFIX_MAX_LENGTH,
        default="INV-",
        help_text="Printed before each number, e.g. INV-00001. A new prefix starts a new series at 1.",
    )
    footer = models.TextField(
        max_length=FOOTER_MAX_LENGTH,
        blank=True,
        help_text="Printed at the bottom of every invoice: bank details, registration number.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organizer_id}: {self.mode}"


class InvoiceSeries(models.Model):
    """The last number issued in one series: one row per organizer and prefix, incremented
    (and so locked) in the transaction that issues the invoice."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=PREFIX_MAX_LENGTH)
    last_number = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organizer", "prefix"], name="invoice_series_once")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.last_number}"


class InvoiceImmutable(Exception):
    """An issued invoice or its lines were about to change."""


class ImmutableModel(models.Model):
    """Inserted once, never updated or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise InvoiceImmutable(f"{type(self).__name__} {self.pk} was issued and cannot change.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise InvoiceImmutable(f"{type(self).__name__} {self.pk} was issued and cannot be deleted.")


class Invoice(ImmutableModel):
    class Kind(models.TextChoices):
        INVOICE = "invoice", gettext_lazy("Invoice")
        # Cancels the whole of what ``refers_to`` still bills (a cancelled or fully refunded order).
        CANCELLATION = "cancellation", pgettext_lazy("invoice kind", "Cancellation")
        # Credits a part of it (a partial refund).
        CREDIT_NOTE = "credit_note", gettext_lazy("Credit note")

    organizer = models.ForeignKey(Organizer, on_delete=models.PROTECT, related_name="invoices")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    refers_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    prefix = models.CharField(max_length=PREFIX_MAX_LENGTH)
    sequence = models.PositiveBigIntegerField()
    number = models.CharField(max_length=PREFIX_MAX_LENGTH + 20)
    issued_at = models.DateTimeField()
    # The seller and the buyer as they were (name, address lines, country, VAT ID, email).
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    currency = models.CharField(max_length=3)
    locale = models.CharField(max_length=LOCALE_MAX_LENGTH, default=DEFAULT_LANGUAGE)
    net_total = models.DecimalField(max_digits=12, decimal_places=2)
    tax_total = models.DecimalField(max_digits=12, decimal_places=2)
    gross_total = models.DecimalField(max_digits=12, decimal_places=2)
    # One entry per (treatment, rate): {"treatment", "rate", "net", "tax", "gross"}, amounts as text.
    tax_summary = models.JSONField(default=list)
    # What the event was (title, date) and the footer, as printed.
    context = models.JSONField(default=dict)
    # The buyer's VAT ID could not be checked with VIES at checkout: check it again.
    vat_id_recheck = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "prefix", "sequence"], name="invoice_sequence_once"),
            models.UniqueConstraint(fields=["organizer", "number"], name="invoice_number_once"),
            # One invoice per order, and one cancellation per invoice.
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="invoice"), name="invoice_once_per_order"
            ),
            models.UniqueConstraint(
                fields=["refers_to"], condition=Q(kind="cancellation"), name="invoice_cancelled_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", refers_to__isnull=True)
                | (~Q(kind="invoice") & Q(refers_to__isnull=False)),
                name="invoice_correction_refers",
            ),
        ]
        indexes = [models.Index(fields=["order", "issued_at"], name="invoice_order_issued")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit(self) -> bool:
        return self.kind != self.Kind.INVOICE


class InvoiceLine(ImmutableModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    # The order's line this bills or credits (a credit note splits a refund by it).
    order_line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=500)
    quantity = models.IntegerField()
    unit_net = models.DecimalField(max_digits=14, decimal_places=4)
    unit_gross = models.DecimalField(max_digits=14, decimal_places=4)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    tax_treatment = models.CharField(max_length=20, choices=TaxTreatment.choices, default=TaxTreatment.NONE)
    net = models.DecimalField(max_digits=12, decimal_places=2)
    tax = models.DecimalField(max_digits=12, decimal_places=2)
    gross = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class InvoiceFile(models.Model):
    """The PDF (with its Factur-X XML) of an invoice, rendered once from its snapshot and
    kept, so every download is the same bytes."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, primary_key=True, related_name="file")
    pdf = models.BinaryField()
    xml = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"file of {self.invoice_id}"
