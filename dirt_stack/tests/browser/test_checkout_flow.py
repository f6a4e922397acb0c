"""A buyer's checkout in Chromium: reserve, pay with the demo card and a voucher; an expiring hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import DateTicketType, TicketType
from sales.models import Hold, Order, Voucher
from tests.factories import allocated, make_event, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def test_buy_two_tickets_with_the_demo_card_and_a_voucher(page: Page, live_server):
    event = make_event(slug="harbour-lights", title="Harbour Lights", currency="EUR")
    make_ticket_type(event, name="Standard", price=Decimal("24.00"), capacity=100)
    Voucher.objects.create(event=event, code="FRIENDS", kind="percent", value=Decimal("25"), max_usages=5)

    page.goto(f"{live_server.url}/events/harbour-lights/")
    page.get_by_label("Voucher code").fill("friends")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Voucher applied: the discounted prices are shown.")).to_be_visible()
    page.get_by_label("Number of Standard tickets").select_option("2")
    page.get_by_role("button", name="Get 2 tickets").click()

    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.get_by_test_id("countdown")).to_contain_text("Your tickets are reserved for 9:5")
    expect(page.get_by_test_id("order-total")).to_have_text("€36.00")  # 2 x 24.00, less 25 %
    page.get_by_label("Your name").fill("Mira Buyer")
    page.get_by_label("Email").fill("mira@example.com")
    page.get_by_label("Card (demo)").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("status")).to_contain_text("Your order is confirmed")
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("ticket")).to_have_count(2)
    order = Order.objects.get()
    assert page.url == f"{live_server.url}/orders/{order.code}/{order.secret}/"
    assert order.voucher is not None
    assert (order.total, order.voucher.code) == (Decimal("36.00"), "FRIENDS")
    (email,) = mail.outbox
    assert email.to == ["mira@example.com"]
    assert f"/orders/{order.code}/{order.secret}/" in email.body


def test_an_expired_hold_tells_the_buyer_and_lets_them_try_again(page: Page, live_server):
    event = make_event(slug="last-call", title="Last Call")
    ticket_type = make_ticket_type(event, name="Entry", price=Decimal("10.00"), capacity=3)

    page.goto(f"{live_server.url}/events/last-call/")
    page.get_by_label("Number of Entry tickets").select_option("3")
    page.get_by_role("button", name="Get 3 tickets").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()

    # Time runs out: the hold ends in two seconds and the page counts down to it.
    Hold.objects.update(expires_at=timezone.now() + dt.timedelta(seconds=2))
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("Your reservation has expired", timeout=10_000)
    expect(page.get_by_role("button", name="Place order")).to_be_disabled()

    page.get_by_role("button", name="Choose them again").click()
    expect(page.get_by_role("heading", name="Last Call")).to_be_visible()
    page.get_by_label("Number of Entry tickets").select_option("3")
    page.get_by_role("button", name="Get 3 tickets").click()
    expect(page.get_by_test_id("countdown")).to_be_visible()
    ticket_type.refresh_from_db()
    assert allocated(ticket_type) == 3  # the expired hold gave its stock back


def test_submitting_after_expiry_shows_the_expired_page(page: Page, live_server):
    event = make_event(slug="too-late")
    make_ticket_type(event, name="Entry", price=Decimal("0.00"), capacity=3)
    page.goto(f"{live_server.url}/events/too-late/")
    page.get_by_label("Number of Entry tickets").select_option("1")
    page.get_by_role("button", name="Get 1 ticket").click()
    page.get_by_label("Your name").fill("Late Larry")
    page.get_by_label("Email").fill("larry@example.com")
    Hold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page.get_by_role("button", name="Get my tickets").click()
    expect(page.get_by_role("heading", name="Your reservation has expired")).to_be_visible()
    assert Order.objects.count() == 0


def test_back_and_reload_after_the_purchase_land_on_the_finished_order(page: Page, live_server):
    event = make_event(slug="community-day", title="Community Day")
    make_ticket_type(event, name="Free entry", price=Decimal("0.00"), capacity=10)

    page.goto(f"{live_server.url}/events/community-day/")
    page.get_by_label("Number of Free entry tickets").select_option("1")
    page.get_by_role("button", name="Get 1 ticket").click()
    expect(page.get_by_test_id("countdown")).to_be_visible()
    checkout_url = page.url
    page.get_by_label("Your name").fill("Mira Buyer")
    page.get_by_label("Email").fill("mira@example.com")
    page.get_by_role("button", name="Get my tickets").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    order = Order.objects.get()
    order_url = f"{live_server.url}/orders/{order.code}/{order.secret}/"
    assert page.url == order_url

    # Back: the checkout's history entry cannot be restored; its address leads to the order.
    page.go_back()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("countdown")).to_have_count(0)
    expect(page).to_have_url(order_url)
    # A reload, or the checkout's address typed again: the order, never "tickets released".
    page.reload()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    page.goto(checkout_url)
    expect(page).to_have_url(order_url)
    expect(page.get_by_text("reservation has expired")).to_have_count(0)
    expect(page.get_by_test_id("ticket")).to_have_count(1)
    assert Order.objects.count() == 1


def test_an_empty_checkout_shows_every_error_at_once_and_focuses_the_first(page: Page, live_server):
    event = make_event(slug="names-gig", title="Names Gig", collect_attendee_names=True)
    make_ticket_type(event, name="Free entry", price=Decimal("0.00"), capacity=10)

    page.goto(f"{live_server.url}/events/names-gig/")
    page.get_by_label("Number of Free entry tickets").select_option("2")
    page.get_by_role("button", name="Get 2 tickets").click()
    expect(page.get_by_test_id("countdown")).to_be_visible()
    page.get_by_role("button", name="Get my tickets").click()

    # One round trip reports the name, the email and the attendees, each announced.
    alerts = page.get_by_role("alert")
    expect(alerts).to_have_count(3)
    expect(alerts.nth(0)).to_have_text("Enter your name.")
    expect(alerts.nth(1)).to_have_text("Enter a valid email address.")
    expect(alerts.nth(2)).to_have_text("Enter the name of every attendee.")
    name = page.get_by_label("Your name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("Enter your name.")
    expect(page.get_by_label("Name on ticket 2")).to_have_accessible_description(
        "Enter the name of every attendee."
    )

    # Fixing the name alone moves the focus to the next field at fault.
    name.fill("Mira Buyer")
    page.get_by_role("button", name="Get my tickets").click()
    expect(page.get_by_label("Email")).to_be_focused()
    expect(alerts).to_have_count(2)
    assert Order.objects.count() == 0


def test_a_hidden_ticket_code_can_be_entered_when_the_public_tickets_are_sold_out(page: Page, live_server):
    event = make_event(slug="crew-gig", title="Crew Gig", currency="EUR")
    general = make_ticket_type(event, name="General", price=Decimal("10.00"), capacity=1)
    crew = make_ticket_type(event, name="Crew", price=Decimal("0.00"), capacity=5, hidden=True)
    DateTicketType.objects.filter(ticket_type=general).update(allocated=1)
    Voucher.objects.create(event=event, code="CREW", kind="percent", value=Decimal("0")).ticket_types.add(
        crew
    )

    page.goto(f"{live_server.url}/events/crew-gig/")
    expect(page.get_by_test_id("ticket-type-name")).to_have_text(["General"])
    expect(page.get_by_label("Number of General tickets")).to_have_count(0)  # sold out
    page.get_by_label("Voucher code").fill("crew")
    page.get_by_role("button", name="Apply").click()
    page.get_by_label("Number of Crew tickets").select_option("1")
    page.get_by_role("button", name="Get 1 ticket").click()
    expect(page.get_by_test_id("countdown")).to_be_visible()
    assert Hold.objects.get().voucher == Voucher.objects.get(code="CREW")

    # Only hidden types on sale: no public ticket at all, and still the box.
    TicketType.objects.filter(pk=general.pk).update(hidden=True)
    page.goto(f"{live_server.url}/events/crew-gig/")
    expect(page.get_by_text("Tickets are not available yet.")).to_be_visible()
    expect(page.get_by_label("Voucher code")).to_be_visible()
