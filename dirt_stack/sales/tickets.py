"""What buyers carry to the door: QR codes (segno) and PDF tickets (reportlab)."""

from __future__ import annotations

import io
from enum import StrEnum
from functools import cache
from pathlib import Path

import segno
from django.db import IntegrityError, transaction
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from events.models import Event, EventDate
from sales.models import Order, Ticket, new_secret

# DejaVu Sans covers the accents of every European language (the PDF core fonts
# stop at Latin-1: "Vodičkova" would lose its č). Its license is in fonts/.
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, FONT_DIR / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, FONT_DIR / "DejaVuSans-Bold.ttf"))


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
    TicketState.VALID: "Valid",
    TicketState.NOT_YET_VALID: "Not yet valid",
    TicketState.REFUNDED: "Refunded",
    TicketState.CANCELLED: "Cancelled",
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
        return "The event was cancelled, so these tickets are no longer valid."
    if order.date.status == EventDate.Status.CANCELLED:
        return "This date was cancelled, so these tickets are no longer valid."
    if order.status == Order.Status.PENDING:
        return "The tickets become valid once the payment arrives."
    if order.status == Order.Status.EXPIRED:
        return "The order expired before it was paid, so it has no tickets."
    if order.status == Order.Status.CANCELLED:
        return "The order was cancelled, so its tickets are no longer valid."
    return "The tickets were refunded, so they are no longer valid."


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


def order_pdf(order: Order) -> bytes:
    """One A4 page per valid ticket: event, date and time in the event's zone, venue,
    attendee, ticket type, order code and the QR code. Void tickets (refunded, or of a
    cancelled order, date or event) get no page; an order with none gets one page that
    says so and why."""
    _register_fonts()
    event, date = order.event, order.date
    date.event = event
    starts = date.starts_at.astimezone(event.tz)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{event.title} – order {order.code}")
    pdf.setAuthor(event.organizer.name)
    width, height = A4
    when = starts.strftime("%A %d %B %Y, %H:%M") + f" ({event.timezone})"
    tickets = [
        ticket
        for ticket in order.tickets.select_related("ticket_type")
        if ticket_state(ticket, order) == TicketState.VALID
    ]
    if not tickets:
        _draw_heading(pdf, event.title, width, height)
        pdf.setFont(FONT_BOLD, 16)
        pdf.setFillColor(HexColor("#b91c1c"))
        pdf.drawString(20 * mm, height - 50 * mm, "No valid tickets")
        pdf.setFont(FONT, 12)
        pdf.setFillColor(HexColor("#0f172a"))
        lines = [no_valid_tickets_reason(order), "", when, f"Order: {order.code}"]
        y = height - 60 * mm
        for line in lines:
            pdf.drawString(20 * mm, y, line)
            y -= 7 * mm
        pdf.showPage()
    for number, ticket in enumerate(tickets, start=1):
        top = _draw_heading(pdf, event.title, width, height)
        pdf.setFont(FONT, 13)
        lines = [
            when,
            *([f"Doors open {date.admission_at.astimezone(event.tz):%H:%M}"] if date.admission_at else []),
            date.venue_label,
            "",
            f"Attendee: {ticket.attendee_name or order.buyer_name}",
            f"Ticket: {ticket.ticket_type.name}",
            f"Order: {order.code}   ·   ticket {number} of {len(tickets)}",
            f"Organizer: {event.organizer.name}",
        ]
        y = top - 22 * mm
        for line in lines:
            pdf.drawString(20 * mm, y, line)
            y -= 8 * mm
        _draw_qr(pdf, ticket.secret, 20 * mm, y - 75 * mm, 70 * mm)
        pdf.setFont(FONT, 9)
        pdf.setFillColor(HexColor("#475569"))
        pdf.drawString(
            20 * mm, y - 80 * mm, "Show this code at the entrance. Each ticket admits one person, once."
        )
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_heading(pdf: canvas.Canvas, title: str, width: float, height: float) -> float:
    """The page's band and the event's title; returns the top of the page's text."""
    top = height - 25 * mm
    pdf.setFillColor(HexColor("#4f46e5"))
    pdf.rect(0, height - 12 * mm, width, 12 * mm, stroke=0, fill=1)
    pdf.setFillColor(HexColor("#0f172a"))
    pdf.setFont(FONT_BOLD, 22)
    pdf.drawString(20 * mm, top - 10 * mm, title[:60])
    return top


def reissue_secret(ticket: Ticket) -> Ticket:
    """Give the ticket a new secret; the old QR code stops working at once."""
    for _ in range(3):
        try:
            with transaction.atomic():
                ticket.secret = new_secret()
                ticket.save(update_fields=["secret"])
            return ticket
        except IntegrityError:
            continue
    raise RuntimeError("Could not generate a unique ticket secret.")
