"""The proof of work in Chromium: a date under pressure, the ALTCHA widget solves its
challenge in the browser, the buyer reserves and buys; a bank transfer confirmed by email."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import DateTicketType
from sales.models import Hold, Order, SpentChallenge
from tests.factories import make_event, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.ALTCHA_MAX_NUMBER = 2_000


def test_under_pressure_the_browser_solves_the_proof_of_work_and_buys(page: Page, live_server):
    event = make_event(slug="big-night", title="Big Night", payment_methods=["demo", "offline"])
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=100)
    DateTicketType.objects.filter(date__event=event).update(
        pressure_until=timezone.now() + dt.timedelta(minutes=5)
    )

    page.goto(f"{live_server.url}/events/big-night/")
    expect(page.get_by_test_id("proof-of-work")).to_be_visible()
    page.get_by_label("Number of Standard tickets").select_option("2")
    reserve = page.get_by_role("button", name="Get 2 tickets")
    expect(reserve).to_be_enabled(timeout=20_000)  # once the widget has solved its challenge
    reserve.click()

    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    assert SpentChallenge.objects.count() == 1
    assert Hold.objects.get().client_hash
    page.get_by_label("Your name").fill("Mira Buyer")
    page.get_by_label("Email").fill("mira@example.com")
    page.get_by_label("Card (demo)").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")


def test_a_bank_transfer_is_confirmed_from_its_email(page: Page, live_server):
    event = make_event(slug="quiet-night", payment_methods=["offline"])
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=100)

    page.goto(f"{live_server.url}/events/quiet-night/")
    expect(page.get_by_test_id("proof-of-work")).to_have_count(0)  # no pressure: no work
    page.get_by_label("Number of Standard tickets").select_option("1")
    page.get_by_role("button", name="Get 1 ticket").click()
    page.get_by_label("Your name").fill("Bo Buyer")
    page.get_by_label("Email").fill("bo@example.com")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_test_id("awaiting-confirmation")).to_contain_text("Confirm your order")

    order = Order.objects.get()
    assert order.awaiting_confirmation
    (email,) = mail.outbox
    link = re.search(r"http://\S+/orders/\S+/confirm/\S+/", str(email.body))
    assert link is not None
    page.goto(link.group(0))
    page.get_by_test_id("confirm-order").click()
    expect(page.get_by_role("status")).to_contain_text("your order is confirmed")
    order.refresh_from_db()
    assert not order.awaiting_confirmation
    assert order.payment_deadline > timezone.now() + dt.timedelta(days=2)


def test_the_organizer_cancels_a_hoarders_bank_transfers_at_once(page: Page, live_server):
    from accounts.models import Membership
    from sales import hoarding, pricing, purchase
    from tests.factories import allocated, make_member, make_organizer, only_date

    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", payment_methods=["offline", "demo"])
    entry = make_ticket_type(event, name="Entry", price=Decimal("30.00"), capacity=100)
    make_member(
        organizer, role=Membership.Role.MANAGER, email="olga@example.com", password="olga-pass-phrase"
    )
    bot = hoarding.Buyer(hoarding.client_hash("203.0.113.9"))
    for i, method in enumerate(["offline", "offline", "offline", "demo"]):
        details = pricing.BuyerDetails(name=f"Bot {i}", email=f"bot{i}@example.com", payment_method=method)
        purchase.place_order(only_date(event), {entry.pk: 2}, details, base_url=live_server.url, buyer=bot)

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/gig/orders/")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Status").select_option("pending")
    page.get_by_label("Payment").select_option("offline")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("order-row")).to_have_count(3)
    expect(page.get_by_test_id("order-row").first).to_contain_text("not confirmed by email")
    page.get_by_role("button", name="Choose all unpaid bank transfers").click()
    page.get_by_role("button", name="Cancel 3 chosen").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Cancel orders").click()
    expect(page.get_by_role("status")).to_contain_text("3 unpaid bank transfers cancelled")
    expect(page.get_by_test_id("order-row")).to_have_count(0)
    assert Order.objects.filter(status=Order.Status.CANCELLED).count() == 3
    assert allocated(event) == 2  # the paid order's
