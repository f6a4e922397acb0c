"""A series in the back office, clicked in Chromium: the dashboard and orders of one date,
a check-in list made for a date at the door, and a voucher valid on one date."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from checkin.models import CheckInList
from sales import pricing, purchase
from sales.models import Voucher
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type, only_date


def day_label(moment: dt.datetime) -> re.Pattern[str]:
    """A day as the pages show it ("25 Sep 2033"): the browser's locale data may abbreviate
    some months longer ("Sept" in en-GB), so the month matches by its first three letters."""
    return re.compile(rf"{moment.day} {moment.strftime('%b')}\w* {moment.year}")


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def test_one_dates_dashboard_orders_list_at_the_door_and_voucher(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="run", title="Summer Run", timezone="Europe/Prague")
    entry = make_ticket_type(event, name="Entry", price=Decimal("8.00"), capacity=20)
    first, second = only_date(event), make_date(event)
    make_member(
        organizer, role=Membership.Role.MANAGER, email="m@example.com", password="manager-pass-phrase"
    )

    def buy(date, n, email):
        details = pricing.BuyerDetails(name=email.split("@")[0], email=email, payment_method="demo")
        return purchase.place_order(date, {entry.pk: n}, details, base_url=live_server.url).order

    first_order = buy(first, 2, "ana@example.com")
    second_order = buy(second, 3, "bo@example.com")
    second_label = day_label(second.starts_at.astimezone(event.tz))

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/run/dashboard/")
    page.get_by_label("Email").fill("m@example.com")
    page.get_by_label("Password").fill("manager-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("stat-sold")).to_have_text("5 / 40")
    expect(page.get_by_test_id("dashboard-date-row")).to_have_count(2)

    # The dashboard of the second date.
    date_select = page.get_by_label("Date")
    date_select.select_option(str(second.pk))
    expect(page).to_have_url(re.compile(rf"\?date={second.pk}$"))
    expect(page.get_by_test_id("dashboard-date")).to_have_text(second_label)
    expect(page.get_by_test_id("stat-sold")).to_have_text("3 / 20")
    expect(page.get_by_test_id("dashboard-date-row")).to_have_count(0)

    # Its orders, and the exports that follow the filter.
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_test_id("order-row")).to_have_count(1)
    expect(page.get_by_test_id("order-row")).to_contain_text(second_order.code)
    expect(page.get_by_role("link", name="Export orders (CSV)")).to_have_attribute(
        "href", f"/manage/acme/events/run/export/orders.csv?date={second.pk}"
    )
    page.get_by_label("Date").select_option("")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("order-row")).to_have_count(2)
    page.get_by_role("link", name=first_order.code).click()
    expect(page.get_by_test_id("order-for-date")).to_contain_text(
        day_label(first.starts_at.astimezone(event.tz))
    )

    # At the door: a list for the second date, made from the scanner's picker.
    page.goto(f"{live_server.url}/manage/acme/events/run/checkin/")
    expect(page.get_by_text("Scan a ticket")).to_be_visible()
    picker = page.get_by_test_id("list-picker")
    picker.select_option(f"date:{second.pk}")
    expect(page.get_by_test_id("counter")).to_contain_text("0 / 3")
    second_list = CheckInList.objects.get(event=event, date=second)
    expect(picker).to_have_value(f"list:{second_list.pk}")
    page.get_by_label("Ticket code").fill(first_order.tickets.first().secret)
    page.get_by_role("button", name="Check", exact=True).click()
    result = page.get_by_test_id("scan-result")
    expect(result).to_contain_text("Refused")
    expect(result).to_contain_text("Wrong date")
    page.get_by_label("Ticket code").fill(second_order.tickets.first().secret)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(result).to_contain_text("Admitted")
    expect(page.get_by_test_id("counter")).to_contain_text("1 / 3")

    # A voucher valid on the first date only.
    page.goto(f"{live_server.url}/manage/acme/events/run/")
    page.get_by_label("Code").fill("FIRST")
    page.get_by_label(day_label(first.starts_at.astimezone(event.tz))).check()
    page.get_by_role("button", name="Create voucher").click()
    expect(page.get_by_test_id("voucher-dates")).to_be_visible()
    voucher = Voucher.objects.get(event=event, code="FIRST")
    assert list(voucher.dates.values_list("pk", flat=True)) == [first.pk]
