"""The event editor, the email texts and the organizer's shop widget in the pseudo-locale.

An owner of the organizer walks the pages in `en-x-pseudo` (see `test_i18n_flow.py`): every
message shows with its letters accented, so any visible text or label left in plain English is
a string nobody wrapped. Only the event's and organizer's own texts, the buyers' details and
what the server writes (`data-server-text`) may stay plain.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts.embedding import set_embed_origins
from accounts.models import User
from events import audit
from events.models import Event
from sales import email_texts
from sales.models import EmailText, Voucher
from taxes import rules
from tests.browser.test_i18n_event_editing_flow import ALLOWED, owner_logs_in_then_reads_pseudo
from tests.browser.test_i18n_flow import PSEUDO_LOCALE, PseudoWalk, vltava_sessions  # noqa: F401
from tests.factories import make_date, make_ticket_type, only_date
from tests.support.dates import buy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENT = "/manage/prague-nights/events/vltava-sessions"
# The event's data on these pages: its currency's code in the price labels, a hidden ticket
# type, the vouchers' codes, the buyer, the copy the event was duplicated as, the websites that
# may show the widget, the event's tax rule (named after its template).
DATA = (
    "EUR",
    "Backstage",
    "RIVER10",
    "FIVEOFF",
    "Ana",
    "ana@example.com",
    "Vltava Encore",
    "https://jazz.example.org",
    "https://www.example.org",
    "https://*.example.org",
    "https://",
)
# The email texts' placeholders are written as they are, in every language.
PLACEHOLDER = "{event}"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


walk = PseudoWalk((*ALLOWED, *DATA))


def test_the_pseudo_locale_shows_no_unwrapped_string_on_the_event_settings(
    page: Page,
    live_server,
    vltava_sessions,  # noqa: F811
):
    event = vltava_sessions
    Event.objects.filter(pk=event.pk).update(locales=["en", "de"])
    standard = event.ticket_types.get(name="Standard")
    make_ticket_type(event, name="Backstage", price=Decimal("50.00"), capacity=10, hidden=True)
    river = Voucher.objects.create(event=event, code="RIVER10", value=Decimal("10"), max_usages=3)
    five_off = Voucher.objects.create(
        event=event, code="FIVEOFF", kind=Voucher.Kind.AMOUNT, value=Decimal("5.00"), max_usages=1
    )
    five_off.ticket_types.add(standard)
    order = buy(only_date(event), {standard.pk: 1}, email="ana@example.com")
    rule = rules.from_template(event.organizer, "physical_admission")
    Event.objects.filter(pk=event.pk).update(tax_rule=rule)
    owner_logs_in_then_reads_pseudo(page, live_server.url, event.organizer)
    owner = User.objects.get(email="olga@example.com")
    audit.record(event, "duplicated", user=owner, label=owner.email, copy="copy", copy_title="Vltava Encore")
    server = live_server.url

    # The event editor of a single date: its links, ticket types, vouchers, details, taxes
    # and history.
    assert walk.visit(page, f"{server}{EVENT}/", '[data-testid="event-history"]', rule.name) == []
    expect(page.get_by_test_id("event-taxes")).to_be_visible()
    # A ticket type's editor, in the event's second language too, and a new one's form.
    row = page.get_by_test_id("managed-ticket-type").filter(has_text="Standard")
    row.locator("button[aria-expanded]").click()
    form = page.locator(f'[data-testid="ticket-type-form-{standard.pk}"]')
    expect(form).to_be_visible()
    form.get_by_test_id("language-tab-de").click()
    expect(form.locator("input").first).to_be_visible()
    assert walk.untranslated(page, rule.name) == []
    page.locator('section[aria-labelledby="ticket-types-heading"] > div > button').click()
    expect(page.get_by_test_id("ticket-type-form-new")).to_be_visible()
    assert walk.untranslated(page, rule.name) == []
    # Deleting a ticket type without orders, and a voucher, each asks first.
    gallery = page.get_by_test_id("managed-ticket-type").filter(has_text="Gallery Pass")
    gallery.locator("button.text-red-700").click()
    assert walk.asked_first(page, rule.name) == []
    page.get_by_test_id("voucher").filter(has_text="RIVER10").locator("button").click()
    assert walk.asked_first(page, rule.name) == []

    # Several dates: sales per date and the vouchers' dates.
    river.dates.add(make_date(event))
    assert walk.visit(page, f"{server}{EVENT}/", '[data-testid="voucher-dates"]', rule.name) == []
    expect(page.get_by_test_id("date-count")).to_contain_text("2")

    # The email texts: Maticko's own confirmation, then one edited (its change listed), in the
    # event's second language, the placeholders, the preview and the reset's question.
    assert walk.visit(page, f"{server}{EVENT}/emails/", '[data-testid="email-text-form"]', PLACEHOLDER) == []
    email_texts.save(
        event, EmailText.Kind.CONFIRMATION, "Your seats for {event}", "See you, {buyer_name}!", actor=owner
    )
    assert walk.visit(page, f"{server}{EVENT}/emails/", '[data-testid="email-changes"]', PLACEHOLDER) == []
    editor = page.get_by_test_id("email-text-form")
    editor.locator("summary").click()
    expect(page.get_by_test_id("placeholders")).to_be_visible()
    assert walk.untranslated(page, PLACEHOLDER) == []
    editor.locator('button[type="button"]').first.click()
    expect(page.get_by_test_id("email-preview")).to_be_visible()
    page.get_by_test_id("email-preview").locator("summary").click()
    assert walk.untranslated(page, PLACEHOLDER, order.code) == []
    editor.locator("button.text-red-700").click()
    assert walk.asked_first(page, PLACEHOLDER, order.code) == []
    page.get_by_test_id("language-tab-de").click()
    expect(editor.locator("h2")).to_contain_text("Deutsch")
    assert walk.untranslated(page, PLACEHOLDER, order.code) == []

    # The organizer's shop widget: the websites, their history, the snippet as a button.
    set_embed_origins(event.organizer, ["https://jazz.example.org"], owner)
    set_embed_origins(event.organizer, [], owner)
    # The snippet is HTML to paste (its text node: the first one shown), with this site's address.
    page.goto(f"{server}/manage/prague-nights/widget/")
    snippet = page.get_by_test_id("widget-snippet")
    assert walk.untranslated(page, snippet.text_content() or "", server) == []
    page.locator("details summary").click()
    expect(page.get_by_test_id("widget-changes")).to_be_visible()
    assert walk.untranslated(page, snippet.text_content() or "", server) == []
    page.locator('input[name="widget-style"]').nth(1).check()
    expect(page.locator("button[data-organizer]")).to_be_visible()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    snippet.locator("xpath=following-sibling::div//button").click()
    expect(page.locator('span[role="status"]')).not_to_have_text("")
    assert walk.untranslated(page, snippet.text_content() or "", server) == []
