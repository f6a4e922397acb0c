"""A card payment through Stripe in Chromium when Stripe is down at first: the order is
kept, its page says until when, and "Pay now" sends the buyer to Stripe's page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from sales.models import Order
from tests import stripe_stub
from tests.factories import allocated, make_event, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stripe_api(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    settings.PURCHASE_RATE_LIMIT = 0
    with stripe_stub.running() as stub:
        settings.STRIPE_API_BASE = stub.page_base = stub.base_url
        yield stub


def test_stripe_down_then_pay_now(page: Page, live_server, stripe_api):
    event = make_event(slug="night-train", title="Night Train", currency="EUR")
    ticket_type = make_ticket_type(event, name="Seat", price=Decimal("30.00"), capacity=10)
    stripe_api.mode = "down"

    page.goto(f"{live_server.url}/events/night-train/")
    page.get_by_label("Number of Seat tickets").select_option("2")
    page.get_by_role("button", name="Get 2 tickets").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    page.get_by_label("Your name").fill("Mira Buyer")
    page.get_by_label("Email").fill("mira@example.com")
    page.get_by_label("Card (Stripe)").check()
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("alert")).to_contain_text("We could not reach the card payment service")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending payment")
    order = Order.objects.get()
    assert page.url == f"{live_server.url}/orders/{order.code}/{order.secret}/"
    assert allocated(ticket_type) == 2

    stripe_api.mode = "up"
    page.get_by_test_id("pay-now").click()
    page.wait_for_url(f"{stripe_api.base_url}/c/pay/**")
    session_id = Order.objects.get().payments.get().reference
    expect(page.get_by_role("heading")).to_have_text(f"Pay {session_id}")
