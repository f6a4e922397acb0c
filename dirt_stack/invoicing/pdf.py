"""The PDF of an ``InvoiceDocument`` (reportlab), in the order's language: its own strings
through gettext (invoicing/locale), amounts with core.formatting, the ticket PDF's fonts
(sales.tickets: DejaVu Sans with Noto fallbacks for every script)."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

from babel.dates import format_date
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.formatting import babel_locale, format_money
from invoicing.document import EXEMPT, REVERSE_CHARGE, InvoiceDocument
from invoicing.models import Invoice
from sales.tickets import FONT, FONT_BOLD, PlacedText, draw_text, text_width, wrap_text
from taxes.engine import EXEMPT_TEXT, REVERSE_CHARGE_TEXT

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
SIZE, SMALL = 9.5, 8
LEADING = 13
# The columns of the lines' table: description, then right-aligned numbers ending at these x.
QUANTITY_END, UNIT_END, RATE_END, AMOUNT_END = (
    MARGIN + 105 * mm,
    MARGIN + 130 * mm,
    MARGIN + 145 * mm,
    MARGIN + WIDTH,
)


def title(kind: str) -> str:
    return {
        Invoice.Kind.INVOICE: _("Invoice"),
        Invoice.Kind.CANCELLATION: _("Cancellation invoice"),
        Invoice.Kind.CREDIT_NOTE: _("Credit note"),
    }[Invoice.Kind(kind)]


def total_label() -> str:
    """The label of the grand total, which a reader (and the tests) find it by. In its own
    context: the order pages' "Total" (sales) is another word in some languages."""
    return pgettext("invoice", "Total")


class _Page:
    """A cursor down the pages: text placed line by line, a new page when one is full."""

    def __init__(self, pdf: canvas.Canvas) -> None:
        self.pdf = pdf
        self.y = PAGE_HEIGHT - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN + 20 * mm:
            self.pdf.showPage()
            self.y = PAGE_HEIGHT - MARGIN

    def line(
        self,
        text: str,
        *,
        x: float = MARGIN,
        font: str = FONT,
        size: float = SIZE,
        right: bool = False,
        color: str = "#0f172a",
        advance: bool = True,
    ) -> None:
        self.need(LEADING)
        start = x - text_width(text, font, size) if right else x
        draw_text(self.pdf, PlacedText(text, start, self.y, font, size, color))
        if advance:
            self.y -= LEADING

    def gap(self, height: float = LEADING / 2) -> None:
        self.y -= height


def _day(moment: dt.datetime, document: InvoiceDocument) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(document.timezone))
    return format_date(local, format="long", locale=babel_locale(document.locale))


def _rate(rate: Decimal) -> str:
    return f"{rate.normalize():f} %"


def render(document: InvoiceDocument) -> bytes:
    """The PDF of ``document`` (without its XML: invoicing.cii embeds it)."""
    with translation.override(babel_locale(document.locale)):
        return _render(document)


def _render(document: InvoiceDocument) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(f"{title(document.kind)} {document.number}")
    pdf.setAuthor(document.seller.name)
    page = _Page(pdf)
    money = lambda amount: format_money(amount, document.currency, document.locale)  # noqa: E731

    seller = document.seller
    page.line(seller.name, font=FONT_BOLD, size=11)
    for text in [*seller.address, seller.country, seller.email]:
        if text:
            page.line(text, size=SMALL, color="#475569")
    if seller.vat_id:
        page.line(_("VAT ID: %(vat_id)s") % {"vat_id": seller.vat_id}, size=SMALL, color="#475569")
    page.gap(LEADING)

    buyer = document.buyer
    page.line(_("Bill to"), size=SMALL, color="#475569")
    for text in [buyer.name, buyer.contact, *buyer.address, buyer.country]:
        if text:
            page.line(text)
    if buyer.vat_id:
        page.line(_("VAT ID: %(vat_id)s") % {"vat_id": buyer.vat_id})
    page.gap(LEADING)

    page.line(f"{title(document.kind)} {document.number}", font=FONT_BOLD, size=16)
    page.gap(4)
    facts = [
        (_("Date of issue"), _day(document.issued_at, document)),
        (_("Order"), document.order_code),
        (_("Event"), f"{document.event}, {_day(document.event_starts_at, document)}"),
    ]
    if document.refers_to and document.refers_to_issued_at is not None:
        facts.append(
            (_("Refers to invoice"), f"{document.refers_to}, {_day(document.refers_to_issued_at, document)}")
        )
    for label, value in facts:
        page.line(f"{label}:", size=SIZE, color="#475569", advance=False)
        page.line(value, x=MARGIN + 52 * mm)
    page.gap(LEADING)

    page.line(_("Description"), font=FONT_BOLD, advance=False)
    page.line(_("Qty"), x=QUANTITY_END, font=FONT_BOLD, right=True, advance=False)
    page.line(_("Unit price"), x=UNIT_END, font=FONT_BOLD, right=True, advance=False)
    page.line(_("VAT"), x=RATE_END, font=FONT_BOLD, right=True, advance=False)
    page.line(_("Amount"), x=AMOUNT_END, font=FONT_BOLD, right=True)
    pdf.setStrokeColorRGB(0.8, 0.84, 0.88)
    pdf.line(MARGIN, page.y + LEADING - 3, MARGIN + WIDTH, page.y + LEADING - 3)
    for line in document.lines:
        described = wrap_text(line.description, FONT, SIZE, width=85 * mm, max_lines=2)
        page.need(LEADING * len(described))
        page.line(str(line.quantity), x=QUANTITY_END, right=True, advance=False)
        page.line(money(line.unit_gross), x=UNIT_END, right=True, advance=False)
        page.line(_rate(line.rate), x=RATE_END, right=True, advance=False)
        page.line(money(line.gross), x=AMOUNT_END, right=True, advance=False)
        for text in described:
            page.line(text)
    page.gap(LEADING)

    labels_end = MARGIN + 130 * mm
    for group in document.groups:
        page.line(
            _("Net amount at %(rate)s VAT") % {"rate": _rate(group.rate)},
            x=labels_end,
            right=True,
            advance=False,
        )
        page.line(money(group.net), x=AMOUNT_END, right=True)
        page.line(_("VAT %(rate)s") % {"rate": _rate(group.rate)}, x=labels_end, right=True, advance=False)
        page.line(money(group.tax), x=AMOUNT_END, right=True)
    page.line(_("Net total"), x=labels_end, right=True, advance=False)
    page.line(money(document.net_total), x=AMOUNT_END, right=True)
    page.line(_("VAT total"), x=labels_end, right=True, advance=False)
    page.line(money(document.tax_total), x=AMOUNT_END, right=True)
    page.line(total_label(), x=labels_end, right=True, font=FONT_BOLD, advance=False)
    page.line(money(document.gross_total), x=AMOUNT_END, right=True, font=FONT_BOLD)
    page.gap(LEADING)

    notes = []
    if document.is_credit:
        notes.append(_("The amount is paid back to you; nothing is due."))
    else:
        notes.append(_("Paid in full; nothing is due."))
    # The legal texts are the tax engine's, as the order page shows them.
    if any(group.category == REVERSE_CHARGE for group in document.groups):
        notes.append(_(REVERSE_CHARGE_TEXT))
    if any(group.category == EXEMPT for group in document.groups):
        notes.append(_(EXEMPT_TEXT))
    notes.extend(document.footer.splitlines())
    for note in notes:
        for text in wrap_text(note, FONT, SMALL, width=WIDTH, max_lines=6):
            page.line(text, size=SMALL, color="#475569")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
