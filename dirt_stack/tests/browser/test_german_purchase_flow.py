"""A whole purchase in German, in Chromium: the buyer switches the shop to German and buys;
every message the pages and the server show is German (none of the English messages that
German translates is left on the page), the confirmation email and its PDF ticket are
German, the amount reads "1.234,50 €", and an event in Prague seen from a browser in New
York shows Prague's times with the zone named (issue "Selling across Europe", must-show 1)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from sales.models import Order
from tests.browser import test_i18n_flow as i18n_flow
from tests.browser.test_i18n_flow import amount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The language walk's Prague event (1.234,50 € Standard tickets), shared as a fixture here.
vltava_sessions = i18n_flow.vltava_sessions

FRONTEND_CATALOG = settings.BASE_DIR / "frontend" / "src" / "locales" / "de" / "messages.po"
SERVER_CATALOGS = [
    settings.BASE_DIR / app / "locale" / "de" / "LC_MESSAGES" / "django.po"
    for app in ("core", "sales", "storefront")
]
ENTRY = re.compile(r'^msgid "(.+)"\nmsgstr "(.+)"$', re.MULTILINE)


def english_messages(*catalogs: Path) -> set[str]:
    """The whole English messages (no placeholder, no markup) that German says otherwise."""
    found: set[str] = set()
    for catalog in catalogs:
        for english, german in ENTRY.findall(catalog.read_text(encoding="utf-8")):
            if english != german and not re.search(r"[{}<>%]", english) and re.search(r"[a-z]{3}", english):
                found.add(english.replace('\\"', '"'))
    return found


ENGLISH = english_messages(FRONTEND_CATALOG, *SERVER_CATALOGS)


def english_lines(page: Page) -> list[str]:
    """Lines of the page's visible text, and its labels, that are one of those English messages."""
    lines = [line.strip() for line in page.locator("body").inner_text().splitlines()]
    labels = page.evaluate(
        """() => [...document.querySelectorAll("[aria-label], [title], [placeholder]")].flatMap(
          (element) => ["aria-label", "title", "placeholder"].map((name) => element.getAttribute(name))
        ).filter(Boolean)"""
    )
    return sorted({text for text in [*lines, *labels] if text in ENGLISH})


def test_the_english_messages_are_found_on_an_english_page(page: Page, live_server, vltava_sessions):
    """The check can fail: on the same page in English it finds English messages."""
    assert len(ENGLISH) > 200
    page.goto(f"{live_server.url}/events/vltava-sessions/")
    expect(page.get_by_test_id("ticket-type").first).to_be_visible()
    assert "Tickets" not in english_lines(page)  # the same word in German
    assert english_lines(page)


def test_a_buyer_switches_to_german_and_buys_in_german(
    browser: Browser, live_server, vltava_sessions, settings
):
    settings.DEMO_PAYMENTS = True
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/events/vltava-sessions/")
        page.get_by_label("Language").select_option("de")
        expect(page.get_by_role("link", name="Veranstaltungen", exact=True)).to_be_visible()
        assert english_lines(page) == []
        when = page.get_by_test_id("event-when").inner_text()
        assert re.search(r"\b19:30 MESZ\b", when), when

        page.get_by_label("Anzahl Tickets Standard").select_option("1")
        page.get_by_role("button", name="1 Ticket kaufen").click()
        expect(page.get_by_role("heading", name="Kasse")).to_be_visible()
        assert english_lines(page) == []
        assert amount(page.get_by_test_id("order-total").inner_text()) == "1.234,50 €"

        page.get_by_label("Ihr Name").fill("Mira Käufer")
        page.get_by_label("E-Mail").fill("mira@example.com")
        page.locator('input[name="payment_method"][value="demo"]').check()
        page.get_by_label("Kartennummer").fill("4242 4242 4242 4242")
        page.get_by_role("button", name="Bestellung aufgeben").click()

        # The order page: the server's words (the confirmation, the status) German too.
        expect(page.get_by_role("status")).to_contain_text("Vielen Dank")
        expect(page.get_by_test_id("ticket")).to_have_count(1)
        assert english_lines(page) == []
        assert re.search(r"\b19:30 MESZ\b", page.locator("body").inner_text())
    finally:
        context.close()

    order = Order.objects.get()
    assert order.locale == "de"
    (email,) = mail.outbox
    body = str(email.body)
    assert email.subject == "Ihre Tickets für Vltava Sessions"
    assert "1.234,50\xa0€" in body
    assert re.search(r"10\. Juni \d{4}, 19:30 CEST", body), body
    assert not [text for text in ENGLISH if f"\n{text}\n" in f"\n{body}\n"]
    ((_name, content, _type),) = email.attachments
    ticket = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Teilnehmer: Mira Käufer" in ticket
    assert "Zeigen Sie diesen Code am Eingang." in ticket
    assert re.search(r"10\. Juni \d{4}, 19:30 CEST", ticket), ticket
