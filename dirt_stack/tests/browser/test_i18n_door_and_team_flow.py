"""The door and the team's pages in the pseudo-locale, in Chromium.

An owner of the organizer walks them in `en-x-pseudo` (see `test_i18n_flow.py`): every
message shows with its letters accented, so any visible text or label left in plain English
is a string nobody wrapped. The walk: the check-in lists (a list for every date, one for a
date and a ticket type, a date without a list; deleting one asked first; a new list's ticket
types, then the server's flash message), the scanner (a ticket admitted, scanned again, its
undo asked first, an unknown code refused, the search), the organizer's page with its
settings, the team (removing a member and withdrawing an invitation asked first), and the
API tokens (a used, expiring token whose creator left, a revoked one, a new one shown once,
revoking asked first). Only the test's own data and what the server writes
(`data-server-text`: flash messages, the scanner's refusal, role labels) may stay plain.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import services as accounts
from accounts import tokens
from accounts.models import ApiToken, Membership
from checkin.models import CheckInList
from sales import order_actions
from tests.browser.test_i18n_event_editing_flow import owner_logs_in_then_reads_pseudo
from tests.browser.test_i18n_flow import PseudoWalk, vltava_sessions  # noqa: F401
from tests.factories import make_date, make_member, only_date
from tests.support.dates import buy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORGANIZER = "/manage/prague-nights"
EVENT = f"{ORGANIZER}/events/vltava-sessions"
# The owner, the event's zone, and the people, lists and tokens the test makes.
OWN_TEXTS = (
    "olga@example.com",
    "Olga Owner",
    "Europe/Prague",
    "Ana Novak",
    "ana@example.com",
    "Carl Clerk",
    "clerk@example.com",
    "dana@example.com",
    "leaver@example.com",
    "North gate",
    "Gallery door",
    "Side door",
    "Box office app",
    "Old kiosk",
    "Partner app",
)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


walk = PseudoWalk(OWN_TEXTS)


def test_the_pseudo_locale_shows_no_unwrapped_string_on_the_door_and_team_pages(
    page: Page,
    live_server,
    vltava_sessions,  # noqa: F811
):
    event = vltava_sessions
    organizer = event.organizer
    first = only_date(event)
    make_date(event, starts_at=first.starts_at + dt.timedelta(days=7))
    standard = event.ticket_types.get(name="Standard")
    gallery = event.ticket_types.get(name="Gallery Pass")
    north = CheckInList.objects.create(event=event, name="North gate")
    CheckInList.objects.create(
        event=event, date=first, name="Gallery door", all_ticket_types=False
    ).ticket_types.add(gallery)
    paid = buy(first, {standard.pk: 1}, email="ana@example.com")
    ticket = paid.tickets.get()
    clerk = make_member(
        organizer, role=Membership.Role.MANAGER, email="clerk@example.com", full_name="Carl Clerk"
    )
    order_actions.change_attendee(ticket, "Ana Novak", order_actions.Actor(user=clerk))
    owner_logs_in_then_reads_pseudo(page, live_server.url, organizer)
    olga = organizer.memberships.get(role=Membership.Role.OWNER).user
    accounts.invite_member(organizer=organizer, email="dana@example.com", role="door_staff", invited_by=olga)
    used, _ = tokens.create_token(
        organizer=organizer,
        name="Partner app",
        role="manager",
        created_by=make_member(organizer, email="leaver@example.com"),
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
    Membership.objects.filter(user__email="leaver@example.com").delete()
    revoked, _ = tokens.create_token(
        organizer=organizer, name="Old kiosk", role="door_staff", created_by=olga
    )
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    server = live_server.url
    # The header a program sends (the same in every language), and the tokens' first
    # characters, which their rows show.
    api_texts = ("Authorization: Bearer", used.prefix, revoked.prefix)

    # The check-in lists: deleting one asks first; a new list for some ticket types, then
    # the server's flash message.
    assert walk.visit(page, f"{server}{EVENT}/checkin-lists/", '[data-testid="date-without-list"]') == []
    page.get_by_test_id("checkin-list").first.locator("button").click()
    assert walk.asked_first(page) == []
    form = page.locator("main form")
    form.locator("input").first.fill("Side door")
    form.locator('input[type="checkbox"]').first.uncheck()
    expect(form.locator("fieldset")).to_be_visible()
    assert walk.untranslated(page) == []
    form.locator("fieldset input[type=checkbox]").first.check()
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("checkin-list")).to_have_count(3)
    expect(page.locator("[data-server-text][role=status]")).to_be_visible()
    assert walk.untranslated(page) == []

    # The scanner: a ticket admitted, then scanned again, its undo asked first; an unknown
    # code refused (the server's reason); the search.
    assert walk.visit(page, f"{server}{EVENT}/checkin/?list={north.pk}", '[data-testid="list-picker"]') == []
    code = page.locator("#ticket-code")
    for outcome in ("admitted", "already_checked_in"):
        code.fill(ticket.secret)
        code.press("Enter")
        expect(page.locator(f'[data-outcome="{outcome}"]')).to_be_visible()
        assert walk.untranslated(page, paid.code) == []
    expect(page.get_by_test_id("first-check-in")).to_be_visible()
    page.get_by_test_id("scan-result").locator("button").click()
    assert walk.asked_first(page, paid.code) == []
    code.fill("not-a-ticket-of-this-event")
    code.press("Enter")
    expect(page.locator('[data-outcome="refused"]')).to_be_visible()
    assert walk.untranslated(page) == []
    page.locator("#ticket-search").fill("Ana")
    page.locator("#ticket-search").press("Enter")
    expect(page.get_by_test_id("search-hit")).to_have_count(1)
    assert walk.untranslated(page, paid.code) == []

    # The organizer's page with its settings.
    assert walk.visit(page, f"{server}{ORGANIZER}/", 'input[type="email"]', "Vltava Sessions") == []

    # The team: removing a member and withdrawing the invitation are asked first.
    assert walk.visit(page, f"{server}{ORGANIZER}/members/", '[data-testid="invitation"]') == []
    page.get_by_test_id("member").filter(has_text="clerk@example.com").locator("button").click()
    assert walk.asked_first(page) == []
    page.get_by_test_id("invitation").locator("button").click()
    assert walk.asked_first(page) == []

    # The API tokens: a new one shown once (and the server's flash message), revoking asked first.
    assert (
        walk.visit(page, f"{server}{ORGANIZER}/api-tokens/", '[data-testid="creator-left"]', *api_texts) == []
    )
    token_form = page.locator("main form")
    token_form.locator("input").first.fill("Box office app")
    token_form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("new-token")).to_be_visible()
    new = ApiToken.objects.get(name="Box office app")
    secret = page.get_by_test_id("new-token").inner_text()
    assert secret.startswith(new.prefix)
    # The secret before its prefix: each allowed text is taken out in turn.
    assert walk.untranslated(page, *api_texts, secret, new.prefix) == []
    page.get_by_test_id("api-token").filter(has_text="Partner app").locator("button").click()
    assert walk.asked_first(page, *api_texts, secret, new.prefix) == []
