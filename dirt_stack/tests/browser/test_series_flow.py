"""A series in Chromium: a buyer picks one date from the calendar and buys; the order page,
the email and the PDF ticket show that date; the door admits the ticket on that date's
check-in list and refuses it on another date's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pypdf
import pypdfium2
import pytest
import zxingcpp
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership
from checkin.models import CheckInList
from core import outbox
from events.models import EventDate
from sales.models import Order
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENING = dt.datetime(2031, 12, 4, 18, 30, tzinfo=dt.UTC)  # Thursday 4 December, 19:30 in Prague


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def make_series():
    organizer = make_organizer(slug="acme")
    event = make_event(
        organizer=organizer,
        slug="concerts",
        title="Winter Concerts",
        starts_at=EVENING,
        venue_name="Rudolfinum",
    )
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50)
    second = EVENING + dt.timedelta(days=7)
    chosen = make_date(
        event, starts_at=second, admission_at=second - dt.timedelta(minutes=30), venue_name="Municipal House"
    )
    cancelled = make_date(event)  # Thursday 18 December
    EventDate.objects.filter(pk=cancelled.pk).update(status=EventDate.Status.CANCELLED)
    return organizer, event, event.dates.order_by("starts_at").first(), chosen


def test_buy_for_one_date_of_a_series_and_get_in_on_that_date_only(page: Page, live_server, tmp_path):
    organizer, event, first, chosen = make_series()
    make_member(
        organizer, role=Membership.Role.DOOR_STAFF, email="door@example.com", password="door-pass-phrase"
    )
    first_list = CheckInList.objects.create(event=event, date=first, name="Thursday 4 December")
    CheckInList.objects.create(event=event, date=chosen, name="Thursday 11 December")

    # The buyer opens the series and picks the 11th from the calendar, by keyboard.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/events/concerts/")
    calendar = page.get_by_role("grid", name="December 2031")
    expect(calendar).to_be_visible()
    expect(page.get_by_text("Choose a date to see its tickets.")).to_be_visible()
    expect(calendar.get_by_role("button", name="Thursday 18 December, 19:30, cancelled")).to_have_attribute(
        "aria-disabled", "true"
    )
    calendar.get_by_role("button", name="Thursday 4 December, 19:30, on sale").focus()
    page.keyboard.press("ArrowRight")
    next_date = calendar.get_by_role("button", name="Thursday 11 December, 19:30, on sale")
    expect(next_date).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/events/concerts/?date={chosen.pk}")
    your_date = page.get_by_test_id("chosen-date")
    expect(your_date).to_contain_text("Thu, 11 Dec 2031, 19:30")
    expect(your_date).to_contain_text("Doors 19:00")
    expect(your_date).to_contain_text("Municipal House")
    page.get_by_label("Number of Standard tickets").select_option("1")
    page.get_by_role("button", name="Get 1 ticket").click()

    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.get_by_test_id("order-date")).to_contain_text("Thu, 11 Dec 2031, 19:30")
    page.get_by_label("Your name").fill("Petra Buyer")
    page.get_by_label("Email", exact=True).fill("petra@example.com")
    page.get_by_label("Card (demo)").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Place order").click()

    # The order page.
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    order_date = page.get_by_test_id("order-date")
    expect(order_date).to_contain_text("Thu, 11 Dec 2031, 19:30")
    expect(order_date).to_contain_text("Doors 19:00")
    expect(order_date).to_contain_text("Municipal House")
    expect(page.get_by_test_id("ticket-qr")).to_be_visible()
    order = Order.objects.get()
    assert order.date_id == chosen.pk

    # The confirmation email.
    outbox.deliver_pending()
    (email,) = mail.outbox
    assert "Thursday, December 11, 2031, 7:30\u202fPM CET" in email.body
    assert "Doors open 7:00\u202fPM" in email.body
    assert "Municipal House" in email.body

    # The PDF ticket.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download tickets (PDF)").click()
    pdf_path = tmp_path / "tickets.pdf"
    download.value.save_as(pdf_path)
    (pdf_page,) = pypdf.PdfReader(pdf_path).pages
    text = pdf_page.extract_text().replace("\u202f", " ").replace("\xa0", " ")
    assert "Thursday, December 11, 2031, 7:30 PM CET" in text
    assert "Municipal House" in text
    (qr,) = zxingcpp.read_barcodes(pypdfium2.PdfDocument(pdf_path)[0].render(scale=2).to_pil())
    assert qr.text == order.tickets.get().secret

    # The door, on the 11th: admitted.
    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/concerts/checkin/")
    page.get_by_label("Email").fill("door@example.com")
    page.get_by_label("Password").fill("door-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Scan a ticket")).to_be_visible()
    expect(page.get_by_label("Entrance")).to_have_value(f"list:{first_list.pk}")  # the first list
    chosen_list = chosen.check_in_lists.get()
    page.get_by_label("Entrance").select_option(value=f"list:{chosen_list.pk}")
    expect(page).to_have_url(f"{live_server.url}/manage/acme/events/concerts/checkin/?list={chosen_list.pk}")

    result = page.get_by_test_id("scan-result")
    page.get_by_label("Ticket code").fill(qr.text)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(result).to_contain_text("Admitted")
    expect(result).to_contain_text("Petra Buyer")

    # The door, on the 4th: refused.
    page.get_by_label("Entrance").select_option(value=f"list:{first_list.pk}")
    expect(page.get_by_label("Entrance")).to_have_value(f"list:{first_list.pk}")
    page.get_by_label("Ticket code").fill(qr.text)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(result).to_contain_text("Refused")
    expect(result).to_contain_text("Wrong date: this ticket is for Thu 11 Dec 2031, 19:30.")


def test_on_a_small_screen_dates_are_a_list_and_the_date_can_be_changed(page: Page, live_server):
    _, _, first, chosen = make_series()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/events/concerts/")
    options = page.get_by_test_id("date-option")
    expect(options).to_have_count(3)
    expect(options.nth(2)).to_contain_text("Cancelled")
    expect(options.nth(2).get_by_role("link")).to_have_count(0)  # a cancelled date cannot be opened
    expect(page.get_by_role("button", name="List")).to_have_attribute("aria-pressed", "true")

    options.nth(0).get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/events/concerts/?date={first.pk}")
    expect(page.get_by_test_id("chosen-date")).to_contain_text("Thu, 4 Dec 2031, 19:30")
    expect(page.get_by_label("Number of Standard tickets")).to_be_visible()

    page.get_by_role("button", name="Change date").click()
    expect(page.get_by_label("Number of Standard tickets")).to_be_hidden()
    expect(options.nth(0).get_by_role("link")).to_be_focused()  # the chosen date
    page.get_by_role("link", name="Thu, 11 Dec 2031, 19:30").click()
    expect(page).to_have_url(f"{live_server.url}/events/concerts/?date={chosen.pk}")
    expect(page.get_by_test_id("chosen-date")).to_contain_text("Municipal House")

    # The calendar on a small screen, too.
    page.get_by_role("button", name="Change date").click()
    page.get_by_role("button", name="Calendar").click()
    expect(page.get_by_role("grid", name="December 2031")).to_be_visible()
    expect(page.get_by_role("button", name="Thursday 11 December, 19:30, on sale, chosen")).to_be_visible()
