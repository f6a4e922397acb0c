"""Issuing invoices, cancellations and credit notes (ADR 0037).

Every document is issued inside the transaction that changes its order (sales.order_listeners:
paid, closed, refunded), or, in the "on request" mode, in a transaction that locks the
order. Its number comes last: ``next_number`` increments the series' row with one upsert,
which locks that row until the transaction commits, so two transactions never get the same
number, and a rolled-back one gives its number back: no gap, no duplicate. The invoice of an
order paid at once is built before the purchase's write and written by it, the same upsert
being the write's last claim (``PaidOrderInvoice``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Organizer
from core import statements
from core.input import InputError, check_text, clean_name
from core.money import money_str, quantize
from core.rows import column_name, instance
from core.rows import columns as selected_columns
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

if TYPE_CHECKING:
    from sales.order_writer import NewOrder

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


@functools.cache
def _next_number_sql() -> str:
    """The series' upsert, returning its new last number (``{gate}``: see statements.Claim).
    ``INSERT ... SELECT`` with a WHERE clause, so that one text runs on PostgreSQL and SQLite."""
    quote = connection.ops.quote_name
    table = quote(InvoiceSeries._meta.db_table)
    organizer, prefix = (InvoiceSeries._meta.get_field(name) for name in ("organizer", "prefix"))
    return (
        f"INSERT INTO {table} ({quote(column_name(organizer))}, {quote(column_name(prefix))}, last_number) "
        f"SELECT CAST(%s AS {organizer.db_type(connection)}), CAST(%s AS {prefix.db_type(connection)}), 1 "
        "WHERE TRUE {gate} "
        f"ON CONFLICT (organizer_id, prefix) DO UPDATE SET last_number = {table}.last_number + 1 "
        "RETURNING last_number"
    )


def _series_failed(name: str) -> Exception:  # pragma: no cover - an upsert returns its row
    return RuntimeError("The invoice series' upsert returned no row.")


def number_claim(organizer_id: int, prefix: str) -> statements.Claim:
    """The claim of the next number of the organizer's series ``prefix``: its row is locked
    until the transaction (or the one statement) that made it ends. The statement's CTE of
    this name returns the number as ``last_number``."""
    return statements.Claim(
        name="invoice_number",
        model=InvoiceSeries,
        assignments="",
        condition="",
        params=(organizer_id, prefix),
        refused=_series_failed,
        text=_next_number_sql(),
    )


def next_number(organizer_id: int, prefix: str) -> int:
    """The next number of the organizer's series ``prefix``: one upsert that locks the
    series' row until the caller's transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("An invoice number is drawn inside the transaction that issues the invoice.")
    claim = number_claim(organizer_id, prefix)
    with connection.cursor() as cursor:
        cursor.execute(claim.sql(), claim.params)
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - an upsert with RETURNING returns its row
        raise claim.refused(claim.name)
    return int(row[0])


def formatted_number(prefix: str, sequence: int) -> str:
    return f"{prefix}{sequence:0{NUMBER_DIGITS}d}"


# --- The snapshot ----------------------------------------------------------------------------


@dataclass
class Draft:
    """A document's lines before it is numbered: (order line id, description, quantity, gross, tax)."""

    kind: str
    lines: list[tuple[int | None, str, int, Decimal, Decimal, Decimal, str]]
    refers_to: Invoice | None = None


def _seller(organizer: Organizer) -> dict[str, object]:
    return {
        "name": organizer.legal_name or organizer.name,
        "address": [line.strip() for line in organizer.legal_address.splitlines() if line.strip()],
        "country": organizer.country,
        "vat_id": organizer.vat_id,
        "email": organizer.contact_email,
    }


def _buyer(order: Order, address: InvoiceAddress | None) -> tuple[dict[str, object], bool]:
    """The buyer as the invoice names them (from the order's invoice address, if it has
    one), and whether their VAT ID needs a re-check."""
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


def _document(
    order: Order,
    draft: Draft,
    settings: InvoiceSettings,
    organizer: Organizer,
    address: InvoiceAddress | None,
) -> tuple[Invoice, list[InvoiceLine]]:
    """A document and its lines as they will be issued, but for the number (not saved)."""
    seller = _seller(organizer)
    buyer, recheck = _buyer(order, address)
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
    invoice = Invoice(
        organizer_id=order.event.organizer_id,
        order=order,
        kind=draft.kind,
        refers_to=draft.refers_to,
        prefix=prefix,
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
    for row in rows:
        row.invoice = invoice
    return invoice, rows


def _issued(invoice: Invoice, rows: list[InvoiceLine]) -> Invoice:
    """Number and insert a document (last in the transaction: the series' row stays locked
    only until its commit)."""
    invoice.sequence = next_number(invoice.organizer_id, invoice.prefix)
    invoice.number = formatted_number(invoice.prefix, invoice.sequence)
    invoice.save()
    InvoiceLine.objects.bulk_create(rows)
    return invoice


def _write(order: Order, draft: Draft, settings: InvoiceSettings) -> Invoice:
    address = InvoiceAddress.objects.filter(order=order).first()
    return _issued(*_document(order, draft, settings, order.event.organizer, address))


def _order(order_id: int) -> Order:
    return Order.objects.select_related("event__organizer", "date").get(pk=order_id)


def _invoice_draft(order: Order) -> Draft:
    return _draft_of(OrderLine.objects.filter(order=order).select_related("ticket_type").order_by("pk"))


def _draft_of(lines: Iterable[OrderLine]) -> Draft:
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


# --- Issued with the purchase ------------------------------------------------------------------

# The columns the purchase's statement fills in itself.
_NUMBERED = ("order_id", "sequence", "number")
_LINE_KEYS = ("invoice_id", "order_line_id")


@functools.cache
def _invoice_sql() -> str:
    """The invoice's insert in the purchase's statement: its order from ``new_order``, its
    number from the series' claim (``invoice_number``, formatted as ``formatted_number``)."""
    quote = connection.ops.quote_name
    fields = statements.columns(Invoice, _NUMBERED)
    names = [column_name(f) for f in fields]
    aliases = ", ".join(f"c{i}" for i in range(len(fields)))
    sequence = "invoice_number.last_number"
    number = (
        f"v.c{names.index('prefix')} || "
        f"lpad({sequence}::text, greatest({NUMBER_DIGITS}, length({sequence}::text)), '0')"
    )
    targets = ", ".join(quote(name) for name in [*_NUMBERED, *names])
    return (
        f"INSERT INTO {quote(Invoice._meta.db_table)} ({targets}) "  # noqa: S608 - names from the models
        f"SELECT new_order.id, {sequence}, {number}, v.* "
        f"FROM new_order, invoice_number, (VALUES {statements.typed_row(fields)}) AS v({aliases}) "
        "RETURNING id, sequence"
    )


@functools.cache
def _lines_sql(rows: int) -> str:
    """The invoice's lines, each joined to the order line of its ticket type (``new_lines``:
    an order has one line per ticket type)."""
    quote = connection.ops.quote_name
    fields = statements.columns(InvoiceLine, _LINE_KEYS)
    row = statements.typed_row((OrderLine._meta.get_field("ticket_type"), *fields))
    aliases = ", ".join(["ticket_type_id", *(f"c{i}" for i in range(len(fields)))])
    selected = ", ".join(f"v.c{i}" for i in range(len(fields)))
    targets = ", ".join(quote(name) for name in [*_LINE_KEYS, *(column_name(f) for f in fields)])
    return (
        f"INSERT INTO {quote(InvoiceLine._meta.db_table)} ({targets}) "  # noqa: S608 - names from the models
        f"SELECT new_invoice.id, new_lines.id, {selected} FROM new_invoice, "
        f"(VALUES {', '.join([row] * rows)}) AS v({aliases}) "
        "JOIN new_lines ON new_lines.ticket_type_id = v.ticket_type_id "
        "RETURNING id"
    )


@functools.cache
def _settings_query(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {', '.join(selected_columns(InvoiceSettings, 's') + selected_columns(Organizer, 'o'))} "  # noqa: S608
        f"FROM {quote(InvoiceSettings._meta.db_table)} s "
        f"JOIN {quote(Organizer._meta.db_table)} o ON o.id = s.organizer_id "
        "WHERE s.organizer_id = %s AND s.mode = %s"
    )


def _invoicing_when_paid(organizer_id: int) -> InvoiceSettings | None:
    """The organizer's settings, its legal details loaded, if it issues invoices when paid:
    read on every purchase of such an organizer, so prepared once per connection
    (statements.fetch)."""
    found = statements.fetch(
        _settings_query(connection.vendor), [organizer_id, InvoiceSettings.Mode.WHEN_PAID.value]
    )
    if not found:
        return None
    split = len(InvoiceSettings._meta.concrete_fields)
    settings = instance(InvoiceSettings, found[0][:split])
    settings.organizer = instance(Organizer, found[0][split:])
    return settings


@dataclass
class PaidOrderInvoice:
    """The invoice of an order paid at once, built before the purchase writes the order and
    written with it (sales.order_listeners.PaidOrderRows): on PostgreSQL in the order's one
    statement, its number claimed after the stock, so an invoicing organizer's rush holds
    the stock's row locks no longer than any other."""

    invoice: Invoice
    lines: list[InvoiceLine]
    # Per line, the ticket type of its order line (unsaved: the statement joins it by that).
    ticket_types: list[int]

    def claims(self) -> list[statements.Claim]:
        return [number_claim(self.invoice.organizer_id, self.invoice.prefix)]

    def add_to(self, statement: statements.Statement) -> None:
        statement.add("new_invoice", _invoice_sql(), statements.values(self.invoice, _NUMBERED))
        params: list[object] = []
        for ticket_type, line in zip(self.ticket_types, self.lines, strict=True):
            params += [ticket_type, *statements.values(line, _LINE_KEYS)]
        statement.add("new_invoice_lines", _lines_sql(len(self.lines)), params)
        statement.select("(SELECT id FROM new_invoice)")
        statement.select("(SELECT sequence FROM new_invoice)")

    def saved(self, selected: list[Any]) -> None:
        invoice_id, sequence = selected.pop(0), selected.pop(0)
        self.invoice.sequence = sequence
        self.invoice.number = formatted_number(self.invoice.prefix, sequence)
        statements.saved(self.invoice, invoice_id, order_id=self.invoice.order.pk)

    def save(self) -> None:
        _issued(self.invoice, self.lines)


class InvoicingListener:
    """sales.order_listeners: issue in the order's transaction (or its one statement)."""

    def paid_at_once(self, new: NewOrder) -> PaidOrderInvoice | None:
        order = new.order
        # The event's flag (invoicing.signals), read with the event's row: no query unless set.
        if order.total <= 0 or not order.event.invoices_when_paid:
            return None
        settings = _invoicing_when_paid(order.event.organizer_id)
        if settings is None:
            return None
        invoice, rows = _document(
            order, _draft_of(new.lines), settings, settings.organizer, new.invoice_address
        )
        for row, line in zip(rows, new.lines, strict=True):
            row.order_line = line  # the ORM's way: its id once saved
        return PaidOrderInvoice(invoice, rows, [line.ticket_type_id for line in new.lines])

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
