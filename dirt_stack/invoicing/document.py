"""One invoice as both of its renderings read it: the PDF (invoicing.pdf) and the Factur-X
XML (invoicing.cii) are drawn from the same ``InvoiceDocument``, so they cannot disagree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from invoicing.models import Invoice
from sales.models import TaxTreatment

# UNTDID 1001: the commercial invoice and the credit note (cancellations are credit notes).
INVOICE_TYPE_CODE, CREDIT_NOTE_TYPE_CODE = "380", "381"
# UNCL 5305 VAT categories: standard rate, reverse charge, exempt.
STANDARD, REVERSE_CHARGE, EXEMPT = "S", "AE", "E"
REVERSE_CHARGE_REASON = "Reverse charge"
EXEMPT_REASON = "Exempt from VAT"


@dataclass(frozen=True)
class Party:
    name: str
    contact: str
    address: list[str]
    street: str
    zipcode: str
    city: str
    country: str
    vat_id: str
    email: str


@dataclass(frozen=True)
class Line:
    position: int
    description: str
    quantity: int
    unit_net: Decimal
    unit_gross: Decimal
    category: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class TaxGroup:
    category: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal

    @property
    def exemption_reason(self) -> str:
        return {REVERSE_CHARGE: REVERSE_CHARGE_REASON, EXEMPT: EXEMPT_REASON}.get(self.category, "")


@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    kind: str
    type_code: str
    issued_at: dt.datetime
    refers_to: str
    refers_to_issued_at: dt.datetime | None
    order_code: str
    event: str
    event_starts_at: dt.datetime
    timezone: str
    currency: str
    locale: str
    seller: Party
    buyer: Party
    lines: list[Line]
    groups: list[TaxGroup]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    footer: str

    @property
    def is_credit(self) -> bool:
        return self.type_code == CREDIT_NOTE_TYPE_CODE

    @property
    def reverse_charge(self) -> bool:
        return any(group.category == REVERSE_CHARGE for group in self.groups)


def category(treatment: str, rate: Decimal) -> str:
    """The VAT category of a line taxed this way: no tax charged on a line without a tax
    rule counts as exempt (the organizer charges no VAT)."""
    if treatment == TaxTreatment.REVERSE_CHARGE:
        return REVERSE_CHARGE
    if treatment == TaxTreatment.EXEMPT or rate == 0:
        return EXEMPT
    return STANDARD


def _party(snapshot: dict[str, object]) -> Party:
    def text(key: str) -> str:
        return str(snapshot.get(key) or "")

    address = snapshot.get("address")
    return Party(
        name=text("name"),
        contact=text("contact"),
        address=[str(line) for line in address] if isinstance(address, list) else [],
        street=text("street"),
        zipcode=text("zipcode"),
        city=text("city"),
        country=text("country"),
        vat_id=text("vat_id"),
        email=text("email"),
    )


def build(invoice: Invoice) -> InvoiceDocument:
    """The document of an issued invoice, from its snapshot alone."""
    context = invoice.context
    refers_to = invoice.refers_to
    lines = [
        Line(
            position=line.position,
            description=line.description,
            quantity=line.quantity,
            unit_net=line.unit_net,
            unit_gross=line.unit_gross,
            category=category(line.tax_treatment, line.tax_rate),
            rate=line.tax_rate,
            net=line.net,
            tax=line.tax,
            gross=line.gross,
        )
        for line in invoice.lines.all()
    ]
    groups = [
        TaxGroup(
            category=category(str(entry["treatment"]), Decimal(entry["rate"])),
            rate=Decimal(entry["rate"]),
            net=Decimal(entry["net"]),
            tax=Decimal(entry["tax"]),
            gross=Decimal(entry["gross"]),
        )
        for entry in invoice.tax_summary
    ]
    return InvoiceDocument(
        number=invoice.number,
        kind=invoice.kind,
        type_code=CREDIT_NOTE_TYPE_CODE if invoice.is_credit else INVOICE_TYPE_CODE,
        issued_at=invoice.issued_at,
        refers_to=refers_to.number if refers_to else "",
        refers_to_issued_at=refers_to.issued_at if refers_to else None,
        order_code=str(context.get("order_code", "")),
        event=str(context.get("event", "")),
        event_starts_at=dt.datetime.fromisoformat(str(context["starts_at"])),
        timezone=str(context.get("timezone") or "UTC"),
        currency=invoice.currency,
        locale=invoice.locale,
        seller=_party(invoice.seller),
        buyer=_party(invoice.buyer),
        lines=lines,
        groups=_merged(groups),
        net_total=invoice.net_total,
        tax_total=invoice.tax_total,
        gross_total=invoice.gross_total,
        footer=str(context.get("footer", "")),
    )


def _merged(groups: list[TaxGroup]) -> list[TaxGroup]:
    """Groups of the same category and rate as one (two treatments may share a category)."""
    merged: dict[tuple[str, Decimal], TaxGroup] = {}
    for group in groups:
        key = (group.category, group.rate)
        if key in merged:
            was = merged[key]
            group = TaxGroup(
                group.category, group.rate, was.net + group.net, was.tax + group.tax, was.gross + group.gross
            )
        merged[key] = group
    return list(merged.values())
