"""The back office's event pages in the pseudo-locale, in Chromium.

An owner of the organizer walks the pages that edit an event in `en-x-pseudo` (see
`test_i18n_flow.py`): every message shows with its letters accented, so any visible text or
label left in plain English is a string nobody wrapped. Only the event's and organizer's own
texts, the buyers' details and what the server writes (`data-server-text`) may stay plain.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from events.models import Event
from sales import order_actions
from sales.models import Voucher
from tests.browser.test_i18n_flow import PSEUDO_LOCALE, PseudoWalk, untranslated, vltava_sessions  # noqa: F401
from tests.factories import make_member, only_date
from tests.support.dates import buy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER_EMAIL = "olga@example.com"
# The owner's name in the header and the event's time zone are data, not the page's text.
# The languages are named each in itself, in every language (lib/i18n's list).
LANGUAGE_NAMES = ("English", "Deutsch", "Français", "Español", "Čeština")
ALLOWED = (OWNER_EMAIL, "Olga Owner", "Europe/Prague", *LANGUAGE_NAMES)
EVENT = "/manage/prague-nights/events/vltava-sessions"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


def owner_logs_in_then_reads_pseudo(page: Page, server_url: str, organizer) -> None:
    """Olga, the organizer's owner, logs in (in English), then chooses the pseudo-locale."""
    make_member(
        organizer,
        role=Membership.Role.OWNER,
        email=OWNER_EMAIL,
        password="olga-pass-phrase",
        full_name="Olga Owner",
    )
    page.goto(f"{server_url}/accounts/login/?next=/manage/")
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server_url}/manage/**")
    page.context.add_cookies([{"name": "maticko_locale", "value": PSEUDO_LOCALE, "url": server_url}])


walk = PseudoWalk(ALLOWED)


def test_the_pseudo_locale_shows_no_unwrapped_string_on_the_event_pages(
    page: Page,
    live_server,
    vltava_sessions,  # noqa: F811
):
    event = vltava_sessions
    standard = event.ticket_types.get(name="Standard")
    Voucher.objects.create(event=event, code="RIVER10", max_usages=3)
    buy(only_date(event), {standard.pk: 1}, email="ana@example.com")
    bank = buy(only_date(event), {standard.pk: 1}, method="offline", email="bob@example.com")
    clerk = make_member(event.organizer, role=Membership.Role.MANAGER, email="clerk@example.com")
    order_actions.mark_paid(bank, order_actions.Actor(user=clerk), base_url=live_server.url)
    buy(only_date(event), {standard.pk: 1}, method="offline", email="cy@example.com")
    owner_logs_in_then_reads_pseudo(page, live_server.url, event.organizer)
    server = live_server.url

    assert walk.visit(page, f"{server}/manage/prague-nights/events/new/", 'input[name="title"]') == []
    # A second language: the tabs, the translated fields and their fallback hint.
    page.get_by_label("Deutsch").check()
    page.get_by_test_id("language-tab-de").click()
    expect(page.locator('input[name="title-de"]')).to_be_visible()
    assert walk.untranslated(page) == []
    # The dates: adding one, a rule with its preview, one date's editor, its move and its
    # cancellation (it has orders), and the editor of the selected dates.
    assert walk.visit(page, f"{server}{EVENT}/dates/", '[data-testid="date-row"]') == []
    page.get_by_test_id("add-date").click()
    expect(page.get_by_test_id("add-date-form")).to_be_visible()
    page.get_by_test_id("add-rule").click()
    page.get_by_test_id("rule-form").locator('input[type="date"]').first.fill("2031-10-06")
    expect(page.get_by_test_id("preview-summary")).to_be_visible()
    assert walk.untranslated(page) == []
    row = page.get_by_test_id("date-row").first
    for panel, shown in enumerate(("date-editor", "move-date-form", "cancel-date-panel")):
        row.locator("button").nth(panel).click()
        expect(page.get_by_test_id(shown)).to_be_visible()
        assert walk.untranslated(page) == []
    row.locator('input[type="checkbox"]').check()
    page.get_by_test_id("edit-selected").click()
    expect(page.get_by_test_id("bulk-editor")).to_be_visible()
    assert walk.untranslated(page) == []

    # The questions: none yet, the new question's form, then the question in the list.
    assert walk.visit(page, f"{server}{EVENT}/questions/", '[data-testid="answer-settings"]') == []
    page.locator("main button[aria-expanded]").first.click()
    form = page.get_by_test_id("question-form")
    form.locator("input").first.fill("Dietary needs")
    assert walk.untranslated(page) == []
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("question")).to_have_count(1)
    assert walk.untranslated(page, "Dietary needs") == []

    assert walk.visit(page, f"{server}{EVENT}/duplicate/", '[data-testid="duplicate-summary"]') == []
    # The widget page of a draft (the snippet generator of a published event, WidgetSnippet,
    # is the organizer widget page's and is walked with it).
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    assert walk.visit(page, f"{server}{EVENT}/widget/", '[data-testid="widget-origins"]') == []
    Event.objects.filter(pk=event.pk).update(status=Event.Status.PUBLISHED)

    assert walk.visit(page, f"{server}{EVENT}/cancel/", '[data-testid="cancel-impact"]') == []
    page.locator("textarea").fill("The river is flooded.")
    page.locator('form button[type="submit"]').click()
    expect(page.get_by_test_id("manual-refunds")).to_be_visible()
    buyers = ("Ana", "Bob", "ana@example.com", "bob@example.com", "cy@example.com", bank.code)
    assert untranslated(page, *buyers, *ALLOWED) == []
