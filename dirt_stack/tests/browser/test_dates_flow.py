"""An organizer in Chromium: dates from a rule (previewed before they are added), then one
date cancelled, its buyer refunded and emailed while the other dates keep selling; one date
added, edited, moved, and several changed at once, each form staying open on an error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership, Organizer
from events.models import DateTicketType, EventDate
from sales.models import Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date
from tests.support.dates import FIRST, buy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


def manager_logs_in(page: Page, server_url: str, organizer: Organizer, path: str) -> None:
    """Olga, a manager of ``organizer``, logs in and lands on ``path``."""
    make_member(
        organizer, role=Membership.Role.MANAGER, email="olga@example.com", password="olga-pass-phrase"
    )
    page.goto(f"{server_url}/accounts/login/?next={path}")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()


def test_add_dates_from_a_rule_with_a_preview_then_cancel_one_date(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", title="Harbour Jazz", starts_at=FIRST)
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=40)
    first = only_date(event)
    paid = buy(first, {standard.pk: 2}, email="ana@example.com")
    mail.outbox.clear()

    manager_logs_in(page, live_server.url, organizer, "/manage/acme/events/gig/")
    expect(page.get_by_test_id("date-count")).to_contain_text("1 date")
    page.get_by_role("link", name="manage dates").click()
    expect(page.get_by_role("heading", name="Dates")).to_be_visible()
    expect(page.get_by_test_id("date-row")).to_have_count(1)

    # Every Friday for 8 weeks from the following week, skipping 24 October.
    page.get_by_role("button", name="Add dates from a rule").click()
    page.get_by_label("Fri", exact=True).check()
    page.get_by_label("First day").fill("2031-10-06")
    page.get_by_label("Number of dates").fill("8")
    page.get_by_label("Skip a day").fill("2031-10-24")
    page.get_by_role("button", name="Skip it").click()
    expect(page.get_by_test_id("preview-summary")).to_have_text("7 new dates")
    expect(page.get_by_test_id("preview-date")).to_have_count(7)
    expect(page.get_by_test_id("preview-date").first).to_contain_text("10 Oct 2031")
    assert event.dates.count() == 1  # the preview saved nothing
    page.get_by_role("button", name="Add 7 dates").click()
    expect(page.get_by_role("status")).to_contain_text("7 dates added")
    expect(page.get_by_test_id("date-row")).to_have_count(8)

    # Cancel the first date: the confirmation says whom it affects.
    row = page.get_by_test_id("date-row").first
    row.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("cancel-impact")).to_contain_text("1 order from 1 buyer")
    expect(page.get_by_test_id("cancel-impact")).to_contain_text("refunded in full")
    page.get_by_label("Reason (told to the buyers)").fill("The harbour is closed.")
    page.get_by_role("button", name="Cancel this date").click()
    expect(page.get_by_role("status")).to_contain_text("is cancelled: 1 order refunded")
    expect(page.get_by_test_id("date-status").first).to_have_text("Cancelled")
    expect(page.get_by_test_id("date-status").nth(1)).to_have_text("On sale")

    assert Order.objects.get(pk=paid.pk).status == Order.Status.REFUNDED
    assert EventDate.objects.get(pk=first.pk).status == EventDate.Status.CANCELLED
    assert EventDate.objects.filter(event=event, status=EventDate.Status.ON_SALE).count() == 7
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "The harbour is closed." in mail.outbox[0].body


def test_add_edit_and_move_one_date_then_change_both(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", title="Harbour Jazz", starts_at=FIRST)
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=40)
    first = only_date(event)
    manager_logs_in(page, live_server.url, organizer, "/manage/acme/events/gig/dates/")
    expect(page.get_by_role("heading", name="Dates")).to_be_visible()

    # A new date ending before it starts is refused and the form stays; corrected, it is added.
    page.get_by_role("button", name="Add a date").click()
    form = page.get_by_test_id("add-date-form")
    form.get_by_label("Starts").fill("2031-10-10T19:30")
    form.get_by_label("Ends").fill("2031-10-10T18:00")
    form.get_by_label("Capacity of this date").fill("30")
    form.get_by_label("Venue (if not the event's)").fill("Dock 5")
    form.get_by_role("button", name="Add the date").click()
    expect(form.get_by_label("Ends")).to_have_attribute("aria-invalid", "true")
    assert event.dates.count() == 1
    form.get_by_label("Ends").fill("2031-10-10T22:30")
    form.get_by_role("button", name="Add the date").click()
    expect(page.get_by_role("status")).to_contain_text("Date added")
    expect(page.get_by_test_id("add-date-form")).to_have_count(0)
    expect(page.get_by_test_id("date-row")).to_have_count(2)
    second = EventDate.objects.get(event=event, capacity=30)
    assert (second.venue_name, second.admission_at) == ("Dock 5", None)

    # The second date's Standard tickets: a capacity of 0 is refused, 25 at 25.00 is saved.
    page.get_by_test_id("date-row").nth(1).get_by_role("button", name="Edit").click()
    editor = page.get_by_test_id("date-editor")
    editor.get_by_label("Standard capacity").fill("0")
    editor.get_by_role("button", name="Save the date").click()
    expect(editor.get_by_label("Standard capacity")).to_have_attribute("aria-invalid", "true")
    editor.get_by_label("Standard capacity").fill("25")
    editor.get_by_label("Standard price").fill("25.00")
    editor.get_by_label("Sales", exact=True).select_option("sold_out")
    editor.get_by_role("button", name="Save the date").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    expect(page.get_by_test_id("date-editor")).to_have_count(0)
    offer = DateTicketType.objects.get(date=second, ticket_type=standard)
    assert (offer.capacity, offer.price) == (25, Decimal("25.00"))
    assert EventDate.objects.get(pk=second.pk).status == EventDate.Status.SOLD_OUT

    # The first date moves a day later, doors half an hour before.
    page.get_by_test_id("date-row").first.get_by_role("button", name="Move").click()
    move = page.get_by_test_id("move-date-form")
    move.get_by_label("New start").fill("2031-10-04T20:00")
    move.get_by_label("New end").fill("2031-10-04T23:00")
    move.get_by_label("Doors open").fill("2031-10-04T19:30")
    move.get_by_role("button", name="Move the date").click()
    expect(page.get_by_role("status")).to_contain_text("Date moved to")
    expect(page.get_by_test_id("move-date-form")).to_have_count(0)
    moved = EventDate.objects.get(pk=first.pk)
    assert moved.starts_at == dt.datetime(2031, 10, 4, 18, 0, tzinfo=dt.UTC)
    assert moved.admission_at == dt.datetime(2031, 10, 4, 17, 30, tzinfo=dt.UTC)

    # Both dates at once: no change is refused, then a capacity and a price for each.
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Edit 2 selected").click()
    bulk = page.get_by_test_id("bulk-editor")
    bulk.get_by_role("button", name="Change 2 dates").click()
    expect(bulk.get_by_role("alert")).to_contain_text("at least one change")
    bulk.get_by_label("Capacity of each date").fill("35")
    bulk.get_by_label("Standard price").fill("22.50")
    bulk.get_by_role("button", name="Change 2 dates").click()
    expect(page.get_by_role("status")).to_contain_text("2 dates changed")
    expect(page.get_by_test_id("bulk-editor")).to_have_count(0)
    assert list(event.dates.values_list("capacity", flat=True)) == [35, 35]
    prices = DateTicketType.objects.filter(date__event=event).values_list("price", flat=True)
    assert list(prices) == [Decimal("22.50"), Decimal("22.50")]
