"""The buyer's pages in the buyer's language, in Chromium.

- In the pseudo-locale (`en-x-pseudo`, chosen by the `maticko_locale` cookie only) every
  message of the pages is shown with its letters accented, so a walk of the buyer's pages
  finds any visible text or label that was never wrapped for translation: it must find none
  besides the event's own texts, the buyer's details and what the server writes (marked
  `data-server-text` in the page).
  The walk includes a taxed checkout that asks for the invoice address, and an order page
  with its tax summary and invoice.
- The switcher turns the shop German: its words, amounts ("1.234,50 €") and an event in
  Prague shown in Prague's time with the zone named, whatever the browser's own zone; a
  taxed checkout's invoice address section and tax summary read German too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from events.models import Event
from invoicing.models import Invoice
from onsale import services as onsale
from sales.models import Order
from taxes import rules
from tests.factories import make_event, make_organizer, make_ticket_type
from tests.support.invoices import invoicing_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PSEUDO_LOCALE = "en-x-pseudo"

# Text a page may show untranslated: the brand, the event's and organizer's own texts, the
# buyer's details. Everything else in plain ASCII letters is a string nobody wrapped.
UNTRANSLATED_TEXTS = [
    "Maticko",
    "Vltava Sessions",
    "Jazz on the river, every season.",
    "Lucerna Music Bar",
    "Prague Nights",
    "Standard",
    "Gallery Pass",
    "Mira Buyer",
    "mira@example.com",
]

# Every visible text node and every aria-label, title, placeholder and alt (outside the
# server's texts and ALTCHA's widget, which brings its own translations) with two ASCII
# letters in a row once the allowed texts are taken out; and the document's title.
FIND_UNTRANSLATED = """(allowed) => {
  const letters = /[A-Za-z]{2,}/;
  const clean = (text) => allowed.reduce((rest, word) => rest.split(word).join(" "), text);
  const exempt = (element) =>
    element.closest("[data-server-text], script, style, noscript, template, altcha-widget");
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || exempt(element) || !element.checkVisibility()) continue;
    if (letters.test(clean(node.data))) found.push(`text: ${node.data.trim()}`);
  }
  for (const element of document.body.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    if (exempt(element)) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = element.getAttribute(name);
      if (value && letters.test(clean(value))) found.push(`${name}: ${value}`);
    }
  }
  if (letters.test(clean(document.title))) found.push(`document title: ${document.title}`);
  return found;
}"""


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ALTCHA_MAX_NUMBER = 2_000
    settings.DEMO_PAYMENTS = True  # the invoiced order is paid by the demo card


def untranslated(page: Page, *also_allowed: str) -> list[str]:
    # Late requests (the ALTCHA widget's texts) settle first; a page that polls (the on-sale
    # room's queue) never goes quiet, so the wait is bounded and its end is not a failure.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_load_state("networkidle", timeout=3_000)
    return page.evaluate(FIND_UNTRANSLATED, [*UNTRANSLATED_TEXTS, *also_allowed])


@dataclass(frozen=True)
class PseudoWalk:
    """A walk over pages in the pseudo-locale: what they show untranslated, but for the
    walk's own data (names, emails, places), which no catalog translates."""

    own_texts: Sequence[str] = ()

    def untranslated(self, page: Page, *also_allowed: str) -> list[str]:
        return untranslated(page, *self.own_texts, *also_allowed)

    def visit(self, page: Page, url: str, shown: str, *also_allowed: str) -> list[str]:
        """Open ``url``, wait for the element ``shown`` (a CSS selector), list what is untranslated."""
        page.goto(url)
        expect(page.locator(shown).first).to_be_visible()
        return self.untranslated(page, *also_allowed)

    def asked_first(self, page: Page, *also_allowed: str) -> list[str]:
        """The confirmation that a destructive action opened, then closed without acting."""
        expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
        found = self.untranslated(page, *also_allowed)
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("confirm-dialog")).to_have_count(0)
        return found


visit = PseudoWalk().visit


def prague(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo("Europe/Prague"))


@pytest.fixture
def vltava_sessions():
    organizer = make_organizer(name="Prague Nights", slug="prague-nights")
    starts_at = prague(dt.datetime.now(tz=dt.UTC).year + 1, 6, 10, 19, 30)
    event = make_event(
        organizer=organizer,
        slug="vltava-sessions",
        title="Vltava Sessions",
        description="Jazz on the river, every season.",
        venue_name="Lucerna Music Bar",
        currency="EUR",
        timezone="Europe/Prague",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
    )
    make_ticket_type(event, name="Standard", price=Decimal("1234.50"), capacity=50)
    make_ticket_type(event, name="Gallery Pass", price=Decimal("0.00"), capacity=50)
    return event


@pytest.fixture
def sommerfest():
    """An organizer that issues an invoice once an order is paid, its event taxed with German
    VAT (the admission template, 19 %) and asking every buyer for the invoice address."""
    event = invoicing_event(slug="sommerfest", venue_name="Lucerna Music Bar", payment_methods=["demo"])
    rule = rules.from_template(event.organizer, "physical_admission")
    Event.objects.filter(pk=event.pk).update(tax_rule=rule, invoice_address=Event.InvoiceAddress.REQUIRED)
    make_ticket_type(event, name="Standard", price=Decimal("1234.50"), capacity=50)
    return event


def hold_one_standard(page: Page, url: str) -> None:
    """From the event page at ``url``, one Standard ticket held and the checkout shown."""
    page.goto(url)
    page.get_by_test_id("ticket-type").filter(has_text="Standard").locator("select").select_option("1")
    page.locator('button[type="submit"]').first.click()
    expect(page.get_by_test_id("countdown")).to_be_visible()


def test_the_pseudo_locale_shows_no_unwrapped_string_on_the_buyer_pages(
    page: Page, live_server, vltava_sessions
):
    page.context.add_cookies([{"name": "maticko_locale", "value": PSEUDO_LOCALE, "url": live_server.url}])

    assert visit(page, f"{live_server.url}/", '[data-testid="event-list"]') == []
    assert visit(page, f"{live_server.url}/events/vltava-sessions/", '[data-testid="ticket-type"]') == []

    page.get_by_test_id("ticket-type").filter(has_text="Gallery Pass").locator("select").select_option("1")
    page.locator('button[type="submit"]').first.click()
    expect(page.get_by_test_id("countdown")).to_be_visible()
    assert untranslated(page) == []

    page.locator('input[autocomplete="name"]').fill("Mira Buyer")
    page.locator('input[type="email"]').fill("mira@example.com")
    page.locator('form button[type="submit"]').click()
    expect(page.get_by_test_id("order-code")).to_be_visible()
    order = Order.objects.get()
    assert untranslated(page, order.code) == []

    assert visit(page, f"{live_server.url}/orders/find/", 'input[type="email"]') == []
    assert visit(page, f"{live_server.url}/o/prague-nights/", '[data-testid="event-list"]') == []

    # An on-sale room opens its queue an hour before the sale: the queue page, before joining.
    onsale.configure(
        vltava_sessions,
        actor=None,
        actor_label="test",
        enabled=True,
        queue_opens_at=timezone.now() - dt.timedelta(minutes=1),
        sale_starts_at=timezone.now() + dt.timedelta(hours=1),
        admissions_per_minute=600,
    )
    assert visit(page, f"{live_server.url}/events/vltava-sessions/queue/", '[data-testid="queue-join"]') == []
    assert visit(page, f"{live_server.url}/events/no-such-event/", "h1") == []


def test_the_pseudo_locale_shows_no_unwrapped_string_on_a_taxed_checkout_and_an_invoiced_order(
    page: Page, live_server, sommerfest
):
    page.context.add_cookies([{"name": "maticko_locale", "value": PSEUDO_LOCALE, "url": live_server.url}])

    hold_one_standard(page, f"{live_server.url}/events/sommerfest/")
    address = page.get_by_test_id("invoice-address")
    expect(address.locator('input[autocomplete="street-address"]')).to_be_visible()
    expect(page.get_by_test_id("tax-summary")).to_be_visible()
    assert untranslated(page, "Sommerfest") == []

    # A business buyer: the company and VAT ID fields (and the VAT ID's hint) show too.
    address.locator('input[type="checkbox"]').check()
    expect(address.locator('input[autocomplete="organization"]')).to_be_visible()
    assert untranslated(page, "Sommerfest") == []
    address.locator('input[type="checkbox"]').uncheck()

    page.locator('input[autocomplete="name"]').first.fill("Mira Buyer")
    page.locator('input[type="email"]').fill("mira@example.com")
    address.locator('input[autocomplete="name"]').fill("Mira Buyer")
    address.locator('input[autocomplete="street-address"]').fill("Hauptstraße 5")
    address.locator('input[autocomplete="postal-code"]').fill("10115")
    address.locator('input[autocomplete="address-level2"]').fill("Berlin")
    page.locator('input[inputmode="numeric"]').fill("4242 4242 4242 4242")
    page.locator('form button[type="submit"]').click()
    expect(page.get_by_test_id("order-code")).to_be_visible()
    expect(page.get_by_test_id("order-invoices").locator("a[download]")).to_be_visible()
    expect(page.get_by_test_id("tax-summary")).to_be_visible()
    order = Order.objects.get()
    invoice = Invoice.objects.get(order=order)
    assert (
        untranslated(page, "Sommerfest", order.code, invoice.number, "Mira Buyer", "Hauptstraße", "Berlin")
        == []
    )


def test_the_walk_finds_a_string_that_was_never_wrapped(page: Page, live_server, vltava_sessions):
    """The check itself: an English text added to a pseudo-localized page is reported."""
    page.context.add_cookies([{"name": "maticko_locale", "value": PSEUDO_LOCALE, "url": live_server.url}])
    page.goto(f"{live_server.url}/events/vltava-sessions/")
    expect(page.get_by_test_id("ticket-type")).to_have_count(2)
    page.evaluate("""() => {
      const note = document.createElement("p");
      note.textContent = "Doors open early";
      document.querySelector("main").append(note);
      document.querySelector("input#voucher-code").setAttribute("placeholder", "Your code");
    }""")
    assert untranslated(page) == ["text: Doors open early", "placeholder: Your code"]


def amount(text: str) -> str:
    # Intl separates the amount from its currency sign with a no-break space.
    return text.replace("\u00a0", " ").strip()


def test_the_switcher_turns_the_shop_german_with_prague_times_seen_from_new_york(
    browser: Browser, live_server, vltava_sessions
):
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/events/vltava-sessions/")
        expect(page.get_by_role("link", name="Events", exact=True)).to_be_visible()

        page.get_by_label("Language").select_option("de")

        expect(page.get_by_role("link", name="Veranstaltungen", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Tickets", exact=True)).to_be_visible()
        assert {"name": "maticko_locale", "value": "de"}.items() <= next(
            cookie for cookie in context.cookies() if cookie["name"] == "maticko_locale"
        ).items()
        # Summer in Prague: 19:30 Central European Summer Time, not New York's 13:30.
        when = page.get_by_test_id("event-when").inner_text()
        assert re.search(r"\b19:30 MESZ\b", when), when
        assert "13:30" not in when
        standard = page.get_by_test_id("ticket-type").filter(has_text="Standard")
        assert amount(standard.get_by_test_id("ticket-type-price").inner_text()) == "1.234,50 €"
        expect(page.get_by_test_id("ticket-type").filter(has_text="Gallery Pass")).to_contain_text(
            "Kostenlos"
        )

        page.get_by_label("Anzahl Tickets Standard").select_option("1")
        page.get_by_role("button", name="1 Ticket kaufen").click()

        expect(page.get_by_role("heading", name="Kasse")).to_be_visible()
        expect(page.get_by_test_id("countdown")).to_contain_text("Ihre Tickets sind reserviert für")
        assert amount(page.get_by_test_id("order-total").inner_text()) == "1.234,50 €"
        assert re.search(r"\b19:30 MESZ\b", page.get_by_test_id("order-date").inner_text())
        expect(page.get_by_label("Ihr Name")).to_be_visible()
        expect(page.get_by_role("button", name="Bestellung aufgeben")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "de")
    finally:
        context.close()


# 1.234,50 € with 19 % German VAT contained: 1.037,39 € net, 197,11 € tax.
GERMAN_TAX_ROWS = ["Netto\t1.037,39 €", "USt. 19 % auf 1.037,39 €\t197,11 €"]


def tax_rows(page: Page) -> list[str]:
    """The tax summary's rows, label and amount separated by a tab."""
    return [amount(row) for row in page.get_by_test_id("tax-summary").locator("tr").all_inner_texts()]


def test_a_taxed_checkout_asks_for_the_invoice_address_in_german(page: Page, live_server, sommerfest):
    page.context.add_cookies([{"name": "maticko_locale", "value": "de", "url": live_server.url}])

    hold_one_standard(page, f"{live_server.url}/events/sommerfest/")

    address = page.get_by_test_id("invoice-address")
    expect(address.locator("legend")).to_have_text("Rechnungsadresse")
    expect(address.get_by_label("Straße und Hausnummer")).to_be_visible()
    expect(address.get_by_label("Postleitzahl")).to_be_visible()
    expect(address.get_by_label("Ort", exact=True)).to_be_visible()
    expect(address.get_by_label("Land", exact=True)).to_have_value("DE")
    address.get_by_label("Ich kaufe als Unternehmen").check()
    expect(address.get_by_label("Firma", exact=True)).to_be_visible()
    expect(address.get_by_label("USt-IdNr.", exact=True)).to_be_visible()  # required in the EU
    address.get_by_label("Land", exact=True).select_option("CH")
    expect(address.get_by_label("USt-IdNr. (optional)", exact=True)).to_be_visible()

    assert tax_rows(page) == GERMAN_TAX_ROWS
    assert amount(page.get_by_test_id("order-total").inner_text()) == "1.234,50 €"

    # The order page: the same summary and the invoice, named in German.
    address.get_by_label("Ich kaufe als Unternehmen").uncheck()
    page.get_by_label("Ihr Name").fill("Mira Buyer")
    page.get_by_label("E-Mail").fill("mira@example.com")
    address.get_by_label("Name", exact=True).fill("Mira Buyer")
    address.get_by_label("Straße und Hausnummer").fill("Hauptstraße 5")
    address.get_by_label("Postleitzahl").fill("10115")
    address.get_by_label("Ort", exact=True).fill("Berlin")
    page.get_by_label("Kartennummer").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Bestellung aufgeben").click()
    expect(page.get_by_role("heading", name="Rechnungen")).to_be_visible()
    invoice = Invoice.objects.get(order=Order.objects.get())
    expect(page.get_by_test_id("order-invoices")).to_contain_text(f"Rechnung {invoice.number}")
    expect(page.get_by_role("link", name=f"{invoice.number} als PDF herunterladen")).to_be_visible()
    assert tax_rows(page) == GERMAN_TAX_ROWS
