"""What buyers carry to the door: QR codes (segno) and PDF tickets (reportlab)."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import segno
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext, pgettext_lazy
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from core.formatting import format_clock, format_moment
from core.translated import resolve
from events.models import Event, EventDate
from sales.models import Order, Ticket, new_secret
from sales.signals import tickets_changed

# DejaVu Sans covers the accents of every European language (the PDF core fonts
# stop at Latin-1: "Vodičkova" would lose its č). Its license is in fonts/.
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, FONT_DIR / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, FONT_DIR / "DejaVuSans-Bold.ttf"))


@cache
def _register_cjk_font(name: str) -> None:
    """Load a Noto CJK font the first time a ticket needs it (each is 5-10 MB)."""
    pdfmetrics.registerFont(TTFont(name, FONT_DIR / f"{name}-Regular.ttf"))


def tickets_usable(order: Order) -> bool:
    """Whether the order's tickets let their holders in (``Order.admits_holders``)."""
    return order.admits_holders


class TicketState(StrEnum):
    """What a ticket is worth to its holder, as the order page and the PDF show it."""

    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"  # its order waits for the payment
    REFUNDED = "refunded"
    CANCELLED = "cancelled"  # its order cancelled or expired, or its date or event cancelled


TICKET_STATE_LABELS = {
    TicketState.VALID: pgettext_lazy("ticket state", "Valid"),
    TicketState.NOT_YET_VALID: pgettext_lazy("ticket state", "Not yet valid"),
    TicketState.REFUNDED: pgettext_lazy("ticket state", "Refunded"),
    TicketState.CANCELLED: pgettext_lazy("ticket state", "Cancelled"),
}


def ticket_state(ticket: Ticket, order: Order) -> TicketState:
    """The state of ``ticket`` of ``order`` (its event and date loaded). Valid exactly
    when the door admits it (``Order.admits_holders`` and not voided): whatever makes an
    order admit its holders, its statuses are not repeated here."""
    if ticket.voided_at is not None:
        return TicketState.REFUNDED
    if order.admits_holders:
        return TicketState.VALID
    if order.status == Order.Status.REFUNDED:
        return TicketState.REFUNDED
    if order.event.status == Event.Status.CANCELLED or order.date.status == EventDate.Status.CANCELLED:
        return TicketState.CANCELLED
    if order.status == Order.Status.PENDING:
        return TicketState.NOT_YET_VALID
    return TicketState.CANCELLED


def no_valid_tickets_reason(order: Order) -> str:
    """Why ``order`` has no ticket that gets in, in the buyer's words."""
    if order.event.status == Event.Status.CANCELLED:
        return gettext("The event was cancelled, so these tickets are no longer valid.")
    if order.date.status == EventDate.Status.CANCELLED:
        return gettext("This date was cancelled, so these tickets are no longer valid.")
    if order.status == Order.Status.PENDING:
        return gettext("The tickets become valid once the payment arrives.")
    if order.status == Order.Status.EXPIRED:
        return gettext("The order expired before it was paid, so it has no tickets.")
    if order.status == Order.Status.CANCELLED:
        return gettext("The order was cancelled, so its tickets are no longer valid.")
    return gettext("The tickets were refunded, so they are no longer valid.")


def qr_svg_data_uri(secret: str) -> str:
    """The ticket's QR code as an SVG data URI for <img src>."""
    return segno.make(secret, error="m").svg_data_uri(scale=6, border=2)


def _draw_qr(pdf: canvas.Canvas, secret: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as vector squares: sharp at any print size, and about
    three times cheaper than embedding a bitmap (this runs for every order)."""
    matrix = [list(row) for row in segno.make(secret, error="m").matrix]
    border = 2
    cell = size / (len(matrix) + 2 * border)
    path = pdf.beginPath()
    for row, modules in enumerate(matrix):
        for column, dark in enumerate(modules):
            if dark:
                path.rect(x + (column + border) * cell, y + size - (row + border + 1) * cell, cell, cell)
    pdf.setFillColor(HexColor("#000000"))
    pdf.drawPath(path, stroke=0, fill=1)


# --- Text on the PDF: every script, wrapped within the page -----------------------------------

# Noto Sans JP, SC and KR (SIL Open Font License, in fonts/), embedded in the PDF as
# subsets of the glyphs a ticket uses, so every viewer shows them (a font the viewer must
# supply, such as reportlab's built-in CID fonts, shows as blanks where it has none). DejaVu
# Sans draws what it has; each character it lacks falls back to the Noto font of the
# text's script, then to the other two.
CJK_JAPANESE, CJK_CHINESE, CJK_KOREAN = "NotoSansJP", "NotoSansSC", "NotoSansKR"
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
# Characters a line may break before or after without a space (CJK writes no spaces).
_CJK_CHARACTER = r"\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(rf"\s+|[{_CJK_CHARACTER}]|[^\s{_CJK_CHARACTER}]+")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
ELLIPSIS = "…"


@cache
def _glyphs(font: str) -> frozenset[int]:
    """The code points ``font`` (a TrueType font of fonts/) has glyphs for."""
    _register_fonts()
    if font in (CJK_JAPANESE, CJK_CHINESE, CJK_KOREAN):
        _register_cjk_font(font)
    face = pdfmetrics.getFont(font).face  # type: ignore[attr-defined]
    return frozenset(face.charToGlyph)


def _fallbacks(text: str) -> tuple[str, ...]:
    """The Noto fonts for the characters of ``text`` that DejaVu Sans lacks, the likeliest
    first: Korean for Hangul, Japanese when the text has kana (its kanji are Japanese),
    else Chinese."""
    if _HANGUL.search(text):
        return (CJK_KOREAN, CJK_CHINESE, CJK_JAPANESE)
    if _KANA.search(text):
        return (CJK_JAPANESE, CJK_CHINESE, CJK_KOREAN)
    return (CJK_CHINESE, CJK_JAPANESE, CJK_KOREAN)


def _font_for(character: str, font: str, fallbacks: tuple[str, ...]) -> str:
    if character.isspace() or ord(character) in _glyphs(font):
        return font
    # The first fallback that has it; a character none has stays in the likeliest one.
    return next((f for f in fallbacks if ord(character) in _glyphs(f)), fallbacks[0])


def font_runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` cut into runs of one font each: ``font`` where it has the glyph, the Noto
    fallback of the text's script elsewhere."""
    fallbacks = _fallbacks(text)
    runs: list[tuple[str, str]] = []
    for character in text:
        chosen = _font_for(character, font, fallbacks)
        if runs and runs[-1][1] == chosen:
            runs[-1] = (runs[-1][0] + character, chosen)
        else:
            runs.append((character, chosen))
    return runs


def text_width(text: str, font: str, size: float) -> float:
    """The width ``text`` takes drawn in ``font`` with its fallbacks (``draw_text``)."""
    return sum(pdfmetrics.stringWidth(run, run_font, size) for run, run_font in font_runs(text, font))


def _shorten(line: str, font: str, size: float, width: float) -> str:
    """``line`` cut to fit ``width`` with an ellipsis."""
    while line and text_width(line.rstrip() + ELLIPSIS, font, size) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def wrap_text(text: str, font: str, size: float, width: float = TEXT_WIDTH, max_lines: int = 3) -> list[str]:
    """``text`` in lines no wider than ``width``: broken at spaces, between CJK characters,
    and inside a word longer than a line; past ``max_lines`` the last line ends with "…"."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if token.isspace():
            line += " " if line else ""
            continue
        if text_width(line + token, font, size) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
            line = ""
        for character in token:  # a word wider than a line: break it where it fills
            if line and text_width(line + character, font, size) > width:
                lines.append(line)
                line = ""
            line += character
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _shorten(lines[max_lines - 1], font, size, width)]
    return lines or [""]


@dataclass(frozen=True)
class PlacedText:
    """One line of a ticket page: where it starts, its font (before fallbacks) and size."""

    text: str
    x: float
    y: float
    font: str
    size: float
    color: str = "#0f172a"


def draw_text(pdf: canvas.Canvas, item: PlacedText) -> None:
    """Draw ``item`` run by run, each in the font that has its glyphs."""
    pdf.setFillColor(HexColor(item.color))
    x = item.x
    for run, font in font_runs(item.text, item.font):
        pdf.setFont(font, item.size)
        pdf.drawString(x, item.y, run)
        x += pdfmetrics.stringWidth(run, font, item.size)


def _column(
    texts: list[str], top: float, font: str, size: float, leading: float, *, color: str = "#0f172a"
) -> tuple[list[PlacedText], float]:
    """``texts`` wrapped one under the other from ``top``; returns them and the next line's y."""
    placed = []
    y = top
    for text in texts:
        for line in wrap_text(text, font, size):
            placed.append(PlacedText(line, MARGIN, y, font, size, color))
            y -= leading
    return placed, y


def heading_layout(title: str) -> tuple[list[PlacedText], float]:
    """The event's title under the page's band (up to three lines); returns the lines and
    the top of the text below them."""
    lines, y = _column([title], PAGE_HEIGHT - 35 * mm, FONT_BOLD, 22, 9 * mm)
    return lines, y + 9 * mm - 12 * mm


def ticket_layout(
    order: Order, ticket: Ticket, number: int, count: int, when: str
) -> tuple[list[PlacedText], float]:
    """The text of one ticket's page, wrapped within the page; returns it and the top of
    the QR code."""
    event, date = order.event, order.date
    placed, top = heading_layout(resolve(event, "title"))
    details = [
        when,
        *([doors_open(date.admission_at, event.timezone)] if date.admission_at else []),
        date.venue_label,
    ]
    about = [
        gettext("Attendee: %(name)s") % {"name": ticket.attendee_name or order.buyer_name},
        gettext("Ticket: %(ticket_type)s") % {"ticket_type": resolve(ticket.ticket_type, "name")},
        gettext("Order: %(code)s   ·   ticket %(number)s of %(count)s")
        % {"code": order.code, "number": number, "count": count},
        gettext("Organizer: %(organizer)s") % {"organizer": event.organizer.name},
    ]
    lines, y = _column(details, top, FONT, 13, 7 * mm)
    placed += lines
    lines, y = _column(about, y - 6 * mm, FONT, 13, 7 * mm)
    placed += lines
    return placed, y - 6 * mm  # 13 mm under the last line


def no_tickets_layout(order: Order, when: str) -> list[PlacedText]:
    placed, top = heading_layout(resolve(order.event, "title"))
    placed.append(PlacedText(gettext("No valid tickets"), MARGIN, top, FONT_BOLD, 16, "#b91c1c"))
    lines, y = _column([no_valid_tickets_reason(order)], top - 10 * mm, FONT, 12, 7 * mm)
    placed += lines
    lines, _ = _column(
        [when, gettext("Order: %(code)s") % {"code": order.code}], y - 7 * mm, FONT, 12, 7 * mm
    )
    return placed + lines


def order_pdf(order: Order) -> bytes:
    """One A4 page per valid ticket: event, date and time in the event's zone, venue,
    attendee, ticket type, order code and the QR code. Void tickets (refunded, or of a
    cancelled order, date or event) get no page; an order with none gets one page that
    says so and why. Text in any script (CJK through fallback fonts) wraps within the page.
    Written in the order's language, its moments as ``core.formatting`` writes them."""
    with translation.override(order.locale):
        return _order_pdf(order)


def doors_open(admission_at: dt.datetime, timezone: str) -> str:
    """ "Doors open 19:00" in the event's zone, in the active language."""
    return gettext("Doors open %(time)s") % {
        "time": format_clock(admission_at, timezone, translation.get_language())
    }


def _order_pdf(order: Order) -> bytes:
    _register_fonts()
    event, date = order.event, order.date
    date.event = event
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(
        gettext("%(event)s – order %(code)s") % {"event": resolve(event, "title"), "code": order.code}
    )
    pdf.setAuthor(event.organizer.name)
    when = format_moment(date.starts_at, event.timezone, order.locale)
    tickets = [
        ticket
        for ticket in order.tickets.select_related("ticket_type")
        if ticket_state(ticket, order) == TicketState.VALID
    ]
    if not tickets:
        _draw_band(pdf)
        for item in no_tickets_layout(order, when):
            draw_text(pdf, item)
        pdf.showPage()
    for number, ticket in enumerate(tickets, start=1):
        _draw_band(pdf)
        placed, qr_top = ticket_layout(order, ticket, number, len(tickets), when)
        for item in placed:
            draw_text(pdf, item)
        qr_size = 70 * mm
        _draw_qr(pdf, ticket.secret, MARGIN, qr_top - qr_size, qr_size)
        note = gettext("Show this code at the entrance. Each ticket admits one person, once.")
        draw_text(pdf, PlacedText(note, MARGIN, qr_top - qr_size - 5 * mm, FONT, 9, "#475569"))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_band(pdf: canvas.Canvas) -> None:
    """The page's indigo band."""
    pdf.setFillColor(HexColor("#4f46e5"))
    pdf.rect(0, PAGE_HEIGHT - 12 * mm, PAGE_WIDTH, 12 * mm, stroke=0, fill=1)


def reissue_secret(ticket: Ticket) -> Ticket:
    """Give the ticket a new secret; the old QR code stops working at once."""
    previous = ticket.secret
    for _ in range(3):
        try:
            with transaction.atomic():
                ticket.secret = new_secret()
                ticket.save(update_fields=["secret"])
                tickets_changed.send(Ticket, tickets=[ticket], previous_secrets=[previous])
            return ticket
        except IntegrityError:
            continue
    raise RuntimeError("Could not generate a unique ticket secret.")
