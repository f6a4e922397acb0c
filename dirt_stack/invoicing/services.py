"""Issuing invoices, cancellations and credit notes (ADR 0037).

Every document is issued inside the transaction that changes its order (sales.order_listeners:
paid, closed, refunded), or, in the "on request" mode, in a transaction that locks the
order. Its number comes last: ``next_number`` increments the series' row with one upsert,
which locks that row until the transaction commits, so two transactions never get the same
number, and a rolled-back one gives its number back: no gap, no duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.input import InputError, check_text, clean_name
from core.money import money_str, quantize
from invoicing.models import (
    FOOTER_MAX_LENGTH,
    NUMBER_DIGITS,
    PREFIX_MAX_LENGTH,
    Invoice,
    InvoiceLine,
    InvoiceSeries,
    InvoiceSettings,
)
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import InvoiceAddress, Order, OrderLine, Ticket

UNIT = Decimal("0.0001")
ISSUABLE = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED)


def settings_of(organizer_id: int) -> InvoiceSettings:
    """The organizer's invoice settings (unsaved defaults, mode "never", when it has none)."""
    found = InvoiceSettings.objects.filter(organizer_id=organizer_id).first()
    return found or InvoiceSettings(organizer_id=organizer_id)


def save_settings(organizer_id: int, *, mode: object, prefix: object, footer: object) -> InvoiceSettings:
    """Validate and save an organizer's invoice settings; OrderInvalid names the field at fault."""
    errors: dict[str, str] = {}
    chosen = mode if isinstance(mode, str) and mode in InvoiceSettings.Mode.values else None
    if chosen is None:
        errors["mode"] = "Choose when invoices are issued."
    prefix_text = footer_text = ""
    try:
        prefix_text = clean_name(check_text(prefix)).strip()
        if not prefix_text or len(prefix_text) > PREFIX_MAX_LENGTH:
            raise InputError(f"Enter a prefix of 1 to {PREFIX_MAX_LENGTH} characters.")
    except InputError as exc:
        errors["prefix"] = str(exc)
    try:
        footer_text = check_text(footer, max_length=FOOTER_MAX_LENGTH, multiline=True)
    except InputError as exc:
        errors["footer"] = str(exc)
    if errors or chosen is None:
        first = next(iter(errors))
        raise OrderInvalid(errors[first], first, errors)
    found, _ = InvoiceSettings.objects.update_or_create(
        organizer_id=organizer_id,
        defaults={"mode": chosen, "prefix": prefix_text, "footer": footer_text.strip()},
    )
    return found


def next_number(organizer_id: int, prefix: str) -> int:
    """The next number of the organizer's series ``prefix``: one upsert that locks the
    series' row until the caller's transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("An invoice number is drawn inside the transaction that issues the invoice.")
    table = InvoiceSeries._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organizer_id, prefix, last_number) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (organizer_id, prefix) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [organizer_id, prefix],
        )
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - an upsert with RETURNING returns its row
        raise RuntimeError("The invoice series' upsert returned no row.")
    return int(row[0])


# --- The snapshot ----------------------------------------------------------------------------


@dataclass
class Draft:
    """A document's lines before it is numbered: (order line id, description, quantity, gross, tax)."""

    kind: str
    lines: list[tuple[int | None, str, int, Decimal, Decimal, Decimal, str]]
    refers_to: Invoice | None = None


def _seller(order: Order) -> dict[str, object]:
    organizer = order.event.organizer
    return {
        "name": organizer.legal_name or organizer.name,
        "address": [line.strip() for line in organizer.legal_address.splitlines() if line.strip()],
        "country": organizer.country,
        "vat_id": organizer.vat_id,
        "email": organizer.contact_email,
    }


def _buyer(order: Order) -> tuple[dict[str, object], bool]:
    """The buyer as the invoice names them, and whether their VAT ID needs a re-check."""
    address = InvoiceAddress.objects.filter(order=order).first()
    if address is None:
        return {
            "name": order.buyer_name,
            "contact": "",
            "address": [],
            "street": "",
            "zipcode": "",
            "city": "",
            "country": "",
            "vat_id": "",
            "email": order.buyer_email,
        }, False
    place = " ".join(part for part in (address.zipcode, address.city) if part)
    return {
        "name": address.company or address.name or order.buyer_name,
        "contact": address.name if address.company else "",
        "address": [line for line in (address.street, place) if line],
        "street": address.street,
        "zipcode": address.zipcode,
        "city": address.city,
        "country": address.country,
        "vat_id": address.vat_id,
        "email": order.buyer_email,
    }, address.vat_id_status == InvoiceAddress.VatIdStatus.UNCHECKED


def _context(order: Order, footer: str) -> dict[str, object]:
    return {
        "order_code": order.code,
        "event": order.event.title,
        "starts_at": order.date.starts_at.isoformat(),
        "timezone": order.event.timezone,
        "paid_at": order.paid_at.isoformat() if order.paid_at else "",
        "footer": footer,
    }


def _write(order: Order, draft: Draft, settings: InvoiceSettings) -> Invoice:
    """Number and insert a document (last in the transaction: the series' row stays locked
    only until its commit)."""
    seller = _seller(order)
    buyer, recheck = _buyer(order)
    rows = []
    for position, (order_line_id, description, quantity, gross, tax, rate, treatment) in enumerate(
        draft.lines, 1
    ):
        net = gross - tax
        rows.append(
            InvoiceLine(
                order_line_id=order_line_id,
                position=position,
                description=description[:500],
                quantity=quantity,
                unit_net=(abs(net) / abs(quantity)).quantize(UNIT, ROUND_HALF_UP) if quantity else net,
                unit_gross=(abs(gross) / abs(quantity)).quantize(UNIT, ROUND_HALF_UP) if quantity else gross,
                tax_rate=rate,
                tax_treatment=treatment,
                net=net,
                tax=tax,
                gross=gross,
            )
        )
    summary: dict[tuple[str, Decimal], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for row in rows:
        sums = summary[(row.tax_treatment, row.tax_rate)]
        sums[0], sums[1], sums[2] = sums[0] + row.net, sums[1] + row.tax, sums[2] + row.gross
    # A cancellation uses the series of the invoice it cancels.
    prefix = draft.refers_to.prefix if draft.refers_to is not None else settings.prefix
    sequence = next_number(order.event.organizer_id, prefix)
    invoice = Invoice(
        organizer_id=order.event.organizer_id,
        order=order,
        kind=draft.kind,
        refers_to=draft.refers_to,
        prefix=prefix,
        sequence=sequence,
        number=f"{prefix}{sequence:0{NUMBER_DIGITS}d}",
        issued_at=timezone.now(),
        seller=seller,
        buyer=buyer,
        currency=order.currency,
        locale=order.locale,
        net_total=sum((r.net for r in rows), Decimal(0)),
        tax_total=sum((r.tax for r in rows), Decimal(0)),
        gross_total=sum((r.gross for r in rows), Decimal(0)),
        tax_summary=[
            {
                "treatment": treatment,
                "rate": str(rate),
                "net": money_str(n),
                "tax": money_str(t),
                "gross": money_str(g),
            }
            for (treatment, rate), (n, t, g) in sorted(
                summary.items(), key=lambda item: (item[0][1], item[0][0])
            )
        ],
        context=_context(order, settings.footer),
        vat_id_recheck=recheck,
    )
    invoice.save()
    for row in rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    return invoice


def _order(order_id: int) -> Order:
    return Order.objects.select_related("event__organizer", "date").get(pk=order_id)


def _invoice_draft(order: Order) -> Draft:
    lines = OrderLine.objects.filter(order=order).select_related("ticket_type").order_by("pk")
    return Draft(
        Invoice.Kind.INVOICE,
        [
            (
                line.pk,
                line.ticket_type.name,
                line.quantity,
                line.total,
                line.tax_amount,
                line.tax_rate,
                line.tax_treatment,
            )
            for line in lines
        ],
    )


def current_invoice(order_id: int) -> Invoice | None:
    """The order's invoice, unless a cancellation cancelled it."""
    return (
        Invoice.objects.filter(order_id=order_id, kind=Invoice.Kind.INVOICE)
        .exclude(corrections__kind=Invoice.Kind.CANCELLATION)
        .first()
    )


# --- Issuing ---------------------------------------------------------------------------------


def issue(order: Order, settings: InvoiceSettings | None = None) -> Invoice:
    """Issue the invoice of a paid order, or return the one it has. Inside a transaction."""
    existing = Invoice.objects.filter(order_id=order.pk, kind=Invoice.Kind.INVOICE).first()
    if existing is not None:
        return existing
    order = _order(order.pk)
    return _write(order, _invoice_draft(order), settings or settings_of(order.event.organizer_id))


def request_invoice(order: Order) -> Invoice:
    """The buyer or the organizer asks for the invoice of a paid order (any mode but "never")."""
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("event__organizer", "date").get(pk=order.pk)
        settings = settings_of(order.event.organizer_id)
        if settings.mode == InvoiceSettings.Mode.NEVER:
            raise OrderConflict("This organizer does not issue invoices.")
        if order.status not in ISSUABLE:
            existing = Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).first()
            if existing is not None:
                return existing
            raise OrderConflict("An invoice is issued once the order is paid.")
        return issue(order, settings)


def _negated(invoice: Invoice) -> list[tuple[int | None, str, int, Decimal, Decimal, Decimal, str]]:
    return [
        (
            line.order_line_id,
            line.description,
            -line.quantity,
            -line.gross,
            -line.tax,
            line.tax_rate,
            line.tax_treatment,
        )
        for line in invoice.lines.all()
    ]


def cancel_invoice(order_id: int) -> Invoice | None:
    """Cancel what the order's invoice still bills: its lines negated, and the lines of its
    earlier credit notes given back (the sum is minus what is left billed)."""
    invoice = current_invoice(order_id)
    if invoice is None:
        return None
    lines = _negated(invoice)
    for earlier in invoice.corrections.filter(kind=Invoice.Kind.CREDIT_NOTE).order_by("pk"):
        lines += _negated(earlier)
    order = _order(order_id)
    return _write(
        order, Draft(Invoice.Kind.CANCELLATION, lines, invoice), settings_of(order.event.organizer_id)
    )


def _split(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``amount`` in parts proportional to ``weights``, rounded per part; the cents rounding
    leaves go to the largest part, so the parts sum to ``amount``."""
    whole = sum(weights, Decimal(0))
    if whole <= 0:
        weights, whole = [Decimal(1)] * len(weights), Decimal(len(weights))
    parts = [quantize(amount * weight / whole) for weight in weights]
    parts[weights.index(max(weights))] += amount - sum(parts, Decimal(0))
    return parts


def credit(order_id: int, amount: Decimal, ticket_ids: list[int]) -> Invoice | None:
    """A credit note for a partial refund of ``amount``: split over the invoice's lines by
    the refunded tickets' prices (or by the lines' amounts), each part's tax in its line's
    proportion."""
    invoice = current_invoice(order_id)
    if invoice is None:
        return None
    lines = [line for line in invoice.lines.all() if line.gross > 0]
    if not lines:
        return None
    refunded: dict[int | None, list[Decimal]] = defaultdict(list)
    if ticket_ids:
        order_lines = dict(OrderLine.objects.filter(order_id=order_id).values_list("ticket_type_id", "pk"))
        for ticket_type_id, price in Ticket.objects.filter(order_id=order_id, pk__in=ticket_ids).values_list(
            "ticket_type_id", "price"
        ):
            refunded[order_lines[ticket_type_id]].append(price)
    weights = [sum(refunded[line.order_line_id], Decimal(0)) if refunded else line.gross for line in lines]
    drafted = []
    for line, part in zip(lines, _split(amount, weights), strict=True):
        if part == 0:
            continue
        tax = quantize(part * line.tax / line.gross)
        count = len(refunded[line.order_line_id]) if refunded else 1
        drafted.append(
            (line.order_line_id, line.description, -count, -part, -tax, line.tax_rate, line.tax_treatment)
        )
    order = _order(order_id)
    return _write(
        order, Draft(Invoice.Kind.CREDIT_NOTE, drafted, invoice), settings_of(order.event.organizer_id)
    )


class InvoicingListener:
    """sales.order_listeners: issue in the order's transaction."""

    def wants_paid(self, order: Order) -> bool:
        return (
            order.total > 0
            and InvoiceSettings.objects.filter(
                organizer_id=order.event.organizer_id, mode=InvoiceSettings.Mode.WHEN_PAID
            ).exists()
        )

    def paid(self, order_id: int) -> None:
        order = _order(order_id)
        settings = settings_of(order.event.organizer_id)
        if settings.mode == InvoiceSettings.Mode.WHEN_PAID and order.total > 0:
            issue(order, settings)

    def closed(self, order_id: int, status: str) -> None:
        cancel_invoice(order_id)

    def refunded(self, order_id: int, amount: Decimal, ticket_ids: list[int]) -> None:
        credit(order_id, amount, ticket_ids)


# --- Finding ---------------------------------------------------------------------------------


def search(
    organizer_id: int,
    *,
    kind: str = "",
    q: str = "",
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
) -> QuerySet[Invoice]:
    """The organizer's documents, newest first: of one kind, by number or order code, issued
    between two days (inclusive, UTC)."""
    found = Invoice.objects.filter(organizer_id=organizer_id).select_related("order", "refers_to")
    if kind in Invoice.Kind.values:
        found = found.filter(kind=kind)
    if q.strip():
        term = q.strip()
        found = found.filter(Q(number__iexact=term) | Q(order__code__iexact=term) | Q(number__icontains=term))
    if issued_from is not None:
        found = found.filter(issued_at__date__gte=issued_from)
    if issued_to is not None:
        found = found.filter(issued_at__date__lte=issued_to)
    return found.order_by("-issued_at", "-pk")
