"""An organizer that issues invoices, taxed orders, and the invoices' catalogs compiled."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.utils import translation
from pypdf import PdfReader

from core.money import quantize
from events.models import Event, TicketType
from invoicing.models import Invoice, InvoiceSettings
from sales import lifecycle, pricing, purchase
from sales.models import InvoiceAddress, Order, OrderLine, TaxTreatment
from tests.factories import make_event, make_organizer, make_ticket_type, only_date

LOCALE_DIR = Path(__file__).resolve().parents[2] / "invoicing" / "locale"
BASE_URL = "http://testserver/"


def compile_catalogs() -> None:
    """invoicing/locale's .po files as the .mo files gettext reads (Babel), then Django's
    translation cache forgotten."""
    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        with po_path.open("rb") as source:
            catalog = read_po(source)
        with po_path.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)
    from django.utils.translation import trans_real

    trans_real._translations = {}  # type: ignore[attr-defined]
    trans_real._default = None  # type: ignore[attr-defined]
    translation.deactivate()


def invoicing_event(mode: str = InvoiceSettings.Mode.WHEN_PAID, **event_fields: object) -> Event:
    organizer = make_organizer(
        slug=str(event_fields.pop("organizer_slug", "acme")),
        legal_name="Acme Events GmbH",
        legal_address="Hauptstraße 1\n10115 Berlin",
        country="DE",
        vat_id="DE123456789",
        contact_email="billing@acme.example",
    )
    InvoiceSettings.objects.create(
        organizer=organizer, mode=mode, prefix="ACME-", footer="IBAN DE89 3704 0044 0532 0130 00"
    )
    event_fields.setdefault("payment_methods", ["demo", "offline"])
    return make_event(organizer=organizer, currency="EUR", country="DE", title="Sommerfest", **event_fields)


def buy(
    event: Event,
    quantities: dict[TicketType, int],
    method: str = "offline",
    *,
    email: str = "ana@example.com",
    locale: str = "en",
) -> Order:
    details = pricing.BuyerDetails(name="Ana Novak", email=email, payment_method=method)
    order = purchase.place_order(
        only_date(event), {t.pk: n for t, n in quantities.items()}, details, base_url=BASE_URL
    ).order
    Order.objects.filter(pk=order.pk).update(locale=locale)
    order.locale = locale
    return order


def tax(order: Order, ticket_type: TicketType, rate: str, treatment: str = TaxTreatment.VAT) -> None:
    """Tax a line as the tax rules would have when the order was written (tax included)."""
    line = OrderLine.objects.get(order=order, ticket_type=ticket_type)
    charged = treatment == TaxTreatment.VAT
    amount = quantize(line.total * Decimal(rate) / (100 + Decimal(rate))) if charged else Decimal("0")
    OrderLine.objects.filter(pk=line.pk).update(
        tax_rate=Decimal(rate) if charged else Decimal("0"), tax_amount=amount, tax_treatment=treatment
    )


def business_address(order: Order, vat_id_status: str, **fields: str) -> InvoiceAddress:
    """A French company as the order's invoice address (``fields`` change or add to it)."""
    values = {
        "company": "Société Exemple SARL",
        "street": "1 rue de la Paix",
        "zipcode": "75002",
        "city": "Paris",
        "country": "FR",
        "vat_id": "FR40303265045",
        **fields,
    }
    return InvoiceAddress.objects.create(order=order, is_business=True, vat_id_status=vat_id_status, **values)


def other_organizers_invoice() -> Invoice:
    """An invoice of another organizer ("other"), paid by the demo card."""
    other = invoicing_event(organizer_slug="other", slug="other-gig")
    entry = make_ticket_type(other, price=Decimal("5.00"))
    return Invoice.objects.get(order=buy(other, {entry: 1}, method="demo"))


def paid(order: Order) -> Order:
    return lifecycle.mark_paid(order, "bank-statement-1")


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def plain(text: str) -> str:
    """``text`` with its no-break spaces (Babel's, between an amount and its currency) as spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def amount_after(label: str, text: str) -> str:
    """The amount printed on the line of ``label`` in a PDF's text (no-break spaces as spaces)."""
    found = re.search(rf"^{re.escape(label)}\s*(.+)$", plain(text), re.MULTILINE)
    assert found, f"{label!r} not in the PDF's text:\n{text}"
    return found.group(1).strip()
