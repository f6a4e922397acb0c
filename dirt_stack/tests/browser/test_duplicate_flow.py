"""An organizer in Chromium duplicates a two-date event from its page: the new draft opens
with the event's ticket types, and its dates moved to the chosen start."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from events.models import Event
from sales.models import Voucher
from tests.browser.test_dates_flow import manager_logs_in
from tests.factories import make_date, make_event, make_organizer, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")


def test_organizer_duplicates_an_event_into_a_draft_with_moved_dates(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(
        organizer=organizer,
        slug="jazz",
        title="Harbour Jazz",
        starts_at=dt.datetime(2031, 3, 7, 19, 30, tzinfo=PRAGUE),
    )
    make_date(event, starts_at=dt.datetime(2031, 3, 14, 19, 30, tzinfo=PRAGUE))
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=40, position=0)
    make_ticket_type(event, name="Front row", price=Decimal("45.00"), capacity=8, position=1)
    Voucher.objects.create(event=event, code="FRIENDS", max_usages=3)

    manager_logs_in(page, live_server.url, organizer, "/manage/acme/events/jazz/")
    page.get_by_role("link", name="Duplicate").click()

    expect(page.get_by_role("heading", name="Duplicate “Harbour Jazz”")).to_be_visible()
    expect(page.get_by_test_id("duplicate-summary")).to_contain_text("2 ticket types")
    expect(page.get_by_label("Title")).to_have_value("Harbour Jazz (copy)")
    page.get_by_label("Title").fill("Harbour Jazz: spring")
    page.get_by_label("New start (Europe/Prague)").fill("2031-04-04T20:00")
    page.get_by_label("Copy the vouchers too (1; same codes, unused)").check()
    page.get_by_role("button", name="Create the copy").click()

    # The new draft's editor.
    expect(page).to_have_url(f"{live_server.url}/manage/acme/events/harbour-jazz-spring/")
    expect(page.get_by_role("status")).to_contain_text("was created as a draft copy of “Harbour Jazz”")
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    expect(page.get_by_test_id("managed-ticket-type")).to_have_count(2)
    expect(page.get_by_test_id("managed-ticket-type").first).to_contain_text("Standard")
    expect(page.get_by_test_id("managed-ticket-type").nth(1)).to_contain_text("Front row")
    expect(page.get_by_test_id("date-count")).to_contain_text("2 dates")
    expect(page.get_by_test_id("event-history")).to_contain_text("olga@example.com")
    expect(page.get_by_test_id("event-history")).to_contain_text("Duplicated from “Harbour Jazz”")

    # Its dates, a week apart as before, from the new start (summer time: still 20:00).
    page.get_by_test_id("date-count").get_by_role("link").click()
    expect(page.get_by_test_id("date-row")).to_have_count(2)
    expect(page.get_by_test_id("date-when").first).to_contain_text("4 Apr 2031")
    expect(page.get_by_test_id("date-when").first).to_contain_text("20:00")
    expect(page.get_by_test_id("date-when").nth(1)).to_contain_text("11 Apr 2031")

    # The original's history links to its copy.
    page.goto(f"{live_server.url}/manage/acme/events/jazz/")
    page.get_by_test_id("event-history").get_by_role("link", name="“Harbour Jazz: spring”").click()
    expect(page).to_have_url(f"{live_server.url}/manage/acme/events/harbour-jazz-spring/")

    copy = Event.objects.get(slug="harbour-jazz-spring")
    assert copy.status == Event.Status.DRAFT
    assert list(copy.vouchers.values_list("code", flat=True)) == ["FRIENDS"]
    assert Event.objects.get(slug="jazz").status == Event.Status.PUBLISHED
