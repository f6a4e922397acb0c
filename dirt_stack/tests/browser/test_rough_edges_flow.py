"""The buyer's rough edges in Chromium: a refused reservation leaves the address on the
event page; "Apply" keeps the chosen quantities and shows the discounted prices; cards
and the event page show availability; the checkout's countdown speaks at sensible
moments and extends once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import DateTicketType
from sales.models import Hold, Voucher
from tests.factories import make_event, make_ticket_type, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def test_a_refused_reservation_stays_on_the_event_page_and_reloads(page: Page, live_server, settings):
    settings.MAX_TICKETS_PER_ORDER = 3
    event = make_event(slug="big-night", title="Big Night", currency="EUR")
    make_ticket_type(event, name="Standing", price=Decimal("10.00"), capacity=100, max_per_order=10)
    make_ticket_type(event, name="Seated", price=Decimal("20.00"), capacity=100, max_per_order=10)

    page.goto(f"{live_server.url}/events/big-night/")
    page.get_by_label("Number of Standing tickets").select_option("2")
    page.get_by_label("Number of Seated tickets").select_option("2")
    page.get_by_role("button", name="Get 4 tickets").click()
    expect(page.get_by_text("at most 3 tickets")).to_be_visible()
    assert "/hold/" not in page.url
    assert page.url.startswith(f"{live_server.url}/events/big-night/")
    response = page.reload()
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", name="Big Night")).to_be_visible()


def test_apply_keeps_the_quantities_and_shows_the_discounted_prices(page: Page, live_server):
    event = make_event(slug="jazz", title="Jazz", currency="EUR")
    make_ticket_type(event, name="Standing", price=Decimal("450.00"), capacity=100)
    vip = make_ticket_type(event, name="VIP", price=Decimal("1400.00"), capacity=10)
    voucher = Voucher.objects.create(event=event, code="JAZZ20", kind="percent", value=Decimal("20"))
    voucher.ticket_types.add(vip)

    page.goto(f"{live_server.url}/events/jazz/")
    page.get_by_label("Number of Standing tickets").select_option("2")
    page.get_by_label("Voucher code").fill("jazz20")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Voucher applied: the discounted prices are shown.")).to_be_visible()
    expect(page.get_by_label("Number of Standing tickets")).to_have_value("2")
    vip_row = page.get_by_test_id("ticket-type").filter(has_text="VIP")
    expect(vip_row.get_by_test_id("ticket-type-original-price")).to_contain_text("1,400.00")
    expect(vip_row.get_by_test_id("ticket-type-price")).to_contain_text("1,120.00")
    standing_row = page.get_by_test_id("ticket-type").filter(has_text="Standing")
    expect(standing_row.get_by_test_id("ticket-type-original-price")).to_have_count(0)
    expect(page.get_by_role("button", name="Get 2 tickets")).to_be_enabled()

    # An unknown code keeps them too.
    page.get_by_label("Voucher code").fill("NOPE")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status").filter(has_text="voucher")).to_be_visible()
    expect(page.get_by_label("Number of Standing tickets")).to_have_value("2")
    expect(vip_row.get_by_test_id("ticket-type-original-price")).to_have_count(0)


def test_home_cards_and_the_event_page_show_availability(page: Page, live_server):
    sold_out = make_event(slug="poetry", title="Poetry Night", currency="EUR")
    make_ticket_type(sold_out, name="Seat", price=Decimal("12.00"), capacity=5)
    DateTicketType.objects.filter(ticket_type__event=sold_out).update(allocated=5)
    few = make_event(slug="zurich-jazz", title="Jazz in Zürich", currency="EUR")
    make_ticket_type(few, name="Seat", price=Decimal("30.00"), capacity=40)
    DateTicketType.objects.filter(ticket_type__event=few).update(allocated=37)

    page.goto(f"{live_server.url}/")
    poetry = page.get_by_role("listitem").filter(has_text="Poetry Night")
    expect(poetry.get_by_test_id("event-availability")).to_have_text("Sold out")
    jazz = page.get_by_role("listitem").filter(has_text="Jazz in Zürich")
    expect(jazz.get_by_test_id("event-availability")).to_have_text("Only 3 left")

    page.get_by_label("Search events").fill("zurich")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("event-title")).to_have_text(["Jazz in Zürich"])
    page.get_by_test_id("event-title").click()
    expect(page.get_by_role("heading", name="Jazz in Zürich")).to_be_visible()
    expect(page.get_by_test_id("sale-state").first).to_have_text("Only 3 left")


def test_the_countdown_speaks_at_five_and_one_minute_and_extends_once(page: Page, live_server):
    event = make_event(slug="last-seats", title="Last Seats", currency="EUR", hold_minutes=10)
    make_ticket_type(event, name="Entry", price=Decimal("10.00"), capacity=10)

    page.goto(f"{live_server.url}/events/last-seats/")
    page.get_by_label("Number of Entry tickets").select_option("2")
    page.get_by_role("button", name="Get 2 tickets").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    announcement = page.get_by_test_id("countdown-announcement")
    expect(announcement).to_have_attribute("aria-live", "polite")
    expect(announcement).to_have_text("")  # nothing to say with ten minutes left
    expect(page.get_by_role("timer")).to_have_attribute("aria-live", "off")
    expect(page.get_by_role("button", name="Need more time?")).to_have_count(0)

    # Four minutes left: the polite region says so once; still too early to extend.
    hold = Hold.objects.get()
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() + dt.timedelta(minutes=4))
    page.reload()
    expect(announcement).to_have_text("Less than 5 minutes left to complete your order.")
    expect(page.get_by_role("button", name="Need more time?")).to_have_count(0)

    # Fifty seconds left: the last minute is announced and the extension offered.
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() + dt.timedelta(seconds=50))
    page.reload()
    expect(announcement).to_have_text("Less than 1 minute left to complete your order.")
    page.get_by_label("Your name").fill("Mira Buyer")
    page.get_by_role("button", name="Need more time? Add 10 minutes").click()
    expect(page.get_by_role("status")).to_contain_text("reserved for 10 more minutes")
    expect(page.get_by_test_id("countdown")).to_contain_text("reserved for 10:")
    expect(page.get_by_role("button", name="Need more time?")).to_have_count(0)
    expect(page.get_by_label("Your name")).to_have_value("Mira Buyer")
    hold.refresh_from_db()
    assert hold.expires_at > timezone.now() + dt.timedelta(minutes=10)


def test_at_phone_width_the_menu_button_reaches_my_orders_and_the_account(page: Page, live_server):
    make_user(email="mira@example.com", password="mira-pass-phrase", full_name="Mira Buyer")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Sell tickets").focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(page.get_by_role("link", name="Sell tickets")).to_have_count(0)

    menu.click()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("mira@example.com")
    page.get_by_label("Password").fill("mira-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in.")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Account security (Mira Buyer)")).to_be_visible()
    page.get_by_role("link", name="My orders").click()
    expect(page).to_have_url(f"{live_server.url}/orders/")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
