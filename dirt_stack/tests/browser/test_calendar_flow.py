"""A buyer in Chromium adds the order's date to a calendar: the order page's "Add to calendar"
downloads an .ics with the date in the event's zone; moving the date gives a newer file for
the same calendar entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from sales import date_changes
from tests.factories import make_event, make_ticket_type, only_date
from tests.support.dates import buy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENING = dt.datetime(2031, 12, 4, 18, 30, tzinfo=dt.UTC)  # Thursday 4 December, 19:30 in Prague


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def downloaded_event(page: Page, tmp_path):
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    (entry,) = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    return download.value.suggested_filename, entry


def test_add_the_order_to_a_calendar_and_update_it_after_a_move(page: Page, live_server, tmp_path):
    event = make_event(slug="concert", title="Winter Concert", starts_at=EVENING, venue_name="Rudolfinum")
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"))
    date = only_date(event)
    order = buy(date, {standard.pk: 1})

    page.goto(f"{live_server.url}/orders/{order.code}/{order.secret}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    filename, entry = downloaded_event(page, tmp_path)
    assert filename == f"concert-{order.code}.ics"
    assert str(entry["summary"]) == "Winter Concert"
    assert entry["dtstart"].params["TZID"] == "Europe/Prague"
    assert f"{entry.decoded('dtstart'):%Y-%m-%d %H:%M}" == "2031-12-04 19:30"  # wall clock in Prague
    assert str(entry["location"]) == "Rudolfinum"
    assert entry["sequence"] == 0

    later = EVENING + dt.timedelta(hours=1)
    date_changes.move_date(
        date,
        starts_at=later,
        ends_at=later + dt.timedelta(hours=2),
        admission_at=None,
        by=None,
        base_url=live_server.url,
    )
    page.reload()
    _, moved = downloaded_event(page, tmp_path)
    assert str(moved["uid"]) == str(entry["uid"])
    assert moved["sequence"] == 1
    assert f"{moved.decoded('dtstart'):%Y-%m-%d %H:%M}" == "2031-12-04 20:30"
