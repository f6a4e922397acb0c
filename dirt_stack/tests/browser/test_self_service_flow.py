"""A buyer in Chromium helps themselves: changes a ticket's attendee name on the order page
(the door then shows the new name), and from an order link that leads nowhere finds the
order links again by email."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from checkin.services import door_list, scan
from sales import pricing, purchase
from sales.models import AuditEntry, Ticket
from tests.factories import make_event, make_ticket_type, only_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_buyer_renames_a_ticket_then_finds_the_order_links_again(page: Page, live_server):
    event = make_event(
        slug="harbour",
        title="Harbour Lights",
        starts_at=timezone.now() + dt.timedelta(days=5),
        collect_attendee_names=True,
        name_change_deadline_hours=2,
        payment_methods=["demo"],
    )
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"))
    details = pricing.BuyerDetails(
        name="Mira Buyer",
        email="mira@example.com",
        payment_method="demo",
        attendee_names=["Mira Buyer", "Old Friend"],
    )
    order = purchase.place_order(
        only_date(event), {standard.pk: 2}, details, base_url="http://testserver/"
    ).order
    friend = Ticket.objects.get(order=order, attendee_name="Old Friend")

    page.goto(f"{live_server.url}/orders/{order.code}/{order.secret}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    names = page.get_by_label("Attendee name")
    expect(names).to_have_count(2)
    second = names.nth(1)
    expect(second).to_have_value("Old Friend")
    second.fill("New Friend")
    page.get_by_role("button", name="Save the name").nth(1).click()
    expect(page.get_by_role("status")).to_contain_text("The attendee's name is saved.")
    expect(page.get_by_label("Attendee name").nth(1)).to_have_value("New Friend")
    friend.refresh_from_db()
    assert friend.attendee_name == "New Friend"
    assert AuditEntry.objects.filter(order=order, action="attendee_changed").count() == 1
    answer = scan(door_list(event), secret=friend.secret)
    assert answer.ticket is not None
    assert answer.ticket["attendee_name"] == "New Friend"

    # A link cut short: the 404 page leads to "Find my tickets".
    page.goto(f"{live_server.url}/orders/{order.code}/not-the-secret/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Find my tickets").first.click()
    expect(page.get_by_role("heading", name="Find my tickets")).to_be_visible()
    page.get_by_label("Email").fill("Mira@Example.com")
    mail.outbox.clear()
    page.get_by_role("button", name="Email me my order links").click()
    expect(page.get_by_role("status")).to_contain_text("we have emailed it their links")
    (sent,) = mail.outbox
    found = re.search(r"http://\S+/orders/([\w-]+)/([\w-]+)/", str(sent.body))  # secrets are URL-safe base64
    assert found is not None
    assert found.groups() == (order.code, order.secret)
