"""The PDF ticket draws every script and keeps its text on the page (sales.tickets): CJK
through embedded Noto fonts where DejaVu Sans has no glyph, and long titles, venues and
names wrapped within the page's margins, the QR code still whole below them."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdf
import pytest

from sales import tickets
from sales.models import Order
from sales.tickets import FONT, MARGIN, PAGE_WIDTH, order_pdf, text_width, ticket_layout, wrap_text
from storefront.serializers import load_order
from tests.factories import make_event, make_ticket_type, only_date
from tests.support.dates import buy

pytestmark = pytest.mark.django_db

TITLE = "東京ジャズ・ナイト"
VENUE = ("Blue Note Tokyo, 6-3-16 Minami-Aoyama, Minato-ku, 東京都港区南青山 " * 4)[:200]
LONG_NAME = ("Zoë Łukasiewicz 李小龍 " + "Wolfeschlegelsteinhausenbergerdorff" * 20)[
    :200
]  # the longest a name may be


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


@pytest.fixture
def order() -> Order:
    event = make_event(slug="tokyo-jazz", title=TITLE, venue_name=VENUE)
    standard = make_ticket_type(event, name="自由席 Standing", price=Decimal("20.00"))
    bought = buy(only_date(event), {standard.pk: 2})
    first = bought.tickets.order_by("pk").first()
    assert first is not None
    first.attendee_name = LONG_NAME
    first.save(update_fields=["attendee_name"])
    loaded = load_order(bought.code)
    assert loaded is not None
    return loaded


def test_every_line_of_a_ticket_fits_within_the_margins(order):
    assert len(order.date.venue_label) == 200
    for number, ticket in enumerate(order.tickets.order_by("pk"), start=1):
        placed, qr_top = ticket_layout(order, ticket, number, 2, "Friday 03 October 2031, 19:30 (Asia/Tokyo)")
        for item in placed:
            assert item.x >= MARGIN
            assert item.x + text_width(item.text, item.font, item.size) <= PAGE_WIDTH - MARGIN + 0.01, (
                item.text
            )
        # The QR code (70 mm) and the note under it stay on the page, below the text.
        assert min(item.y for item in placed) > qr_top
        assert qr_top - 75 * tickets.mm > 10 * tickets.mm
    texts = [item.text for item in ticket_layout(order, order.tickets.order_by("pk")[0], 1, 2, "")[0]]
    assert texts[0] == TITLE  # a short title on one line, whole
    assert (
        sum(1 for text in texts if "Blue Note" in text or "Minami" in text or "港区" in text) > 1
    )  # wrapped
    assert texts[-1].startswith("Organizer: ")

    # The longest title there may be: wrapped too, cut with "…" after three lines.
    order.event.title = "東京ジャズ・ナイト Tokyo Jazz Night " * 8
    placed, _ = ticket_layout(order, order.tickets.order_by("pk")[0], 1, 2, "")
    title_lines = [item for item in placed if item.font == tickets.FONT_BOLD]
    assert len(title_lines) == 3
    assert title_lines[-1].text.endswith("…")
    for item in placed:
        assert item.x + text_width(item.text, item.font, item.size) <= PAGE_WIDTH - MARGIN + 0.01, item.text


def test_cjk_is_drawn_with_a_cjk_font_and_the_pdf_holds_the_text(order):
    runs = tickets.font_runs(f"Attendee: {LONG_NAME}", FONT)
    assert ("李小龍", tickets.CJK_CHINESE) in runs
    assert tickets.font_runs(TITLE, tickets.FONT_BOLD) == [(TITLE, tickets.CJK_JAPANESE)]
    assert tickets.font_runs("서울 재즈", FONT)[0] == ("서울", tickets.CJK_KOREAN)

    reader = pypdf.PdfReader(io.BytesIO(order_pdf(order)))
    assert len(reader.pages) == 2
    fonts = [
        font.get_object()
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
    ]
    # reportlab names an embedded subset "<prefix>+<font>" (or "<font>SS<n>"): match the family.
    cjk = [font for font in fonts if "NotoSans" in str(font["/BaseFont"])]
    assert {
        family
        for family in (tickets.CJK_JAPANESE, tickets.CJK_CHINESE)
        if any(family in str(f["/BaseFont"]) for f in cjk)
    } == {
        tickets.CJK_JAPANESE,
        tickets.CJK_CHINESE,
    }
    # Embedded, so a viewer without CJK fonts of its own draws them too.
    for font in cjk:
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object(), font["/BaseFont"]
    text = reader.pages[0].extract_text()
    assert text.startswith(TITLE)  # the title's characters, not empty boxes
    assert "東京都港区南青山" in text
    assert "Zoë Łukasiewicz" in text
    assert "李小龍" in text
    assert "自由席" in text


def test_wrapping_breaks_at_spaces_between_cjk_characters_and_inside_long_words():
    width = 60 * tickets.mm
    for text in ("The quick brown fox jumps over the lazy dog again", "東京ジャズ・ナイト" * 5, "x" * 300):
        lines = wrap_text(text, FONT, 13, width, max_lines=50)
        assert len(lines) > 1
        assert all(text_width(line, FONT, 13) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
    assert wrap_text("a b", FONT, 13, width) == ["a b"]
    cut = wrap_text("word " * 200, FONT, 13, width, max_lines=2)
    assert len(cut) == 2
    assert cut[-1].endswith("…")
    assert text_width(cut[-1], FONT, 13) <= width
