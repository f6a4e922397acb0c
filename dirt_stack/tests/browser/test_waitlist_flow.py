"""The waiting list in Chromium: a buyer joins from a sold-out event page, confirms through
the emailed link, a refund frees a ticket, and the offer's link leads to a checkout that buys
it at the offer's price; the organizer turns the list on, sees its entries and removes one."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership
from sales import order_actions
from sales.audit import Actor
from sales.models import Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date
from tests.support.dates import buy
from waitlist import services
from waitlist.models import Entry, Offer, WaitlistSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings, live_server):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.SITE_URL = live_server.url


def emailed_link(to: str, kind: str) -> str:
    for message in reversed(mail.outbox):
        if to in message.to:
            found = re.search(rf"https?://[^/\s]+(/waitlist/{kind}/[^/\s]+/)", str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"No {kind} link emailed to {to}.")


def test_join_confirm_get_an_offer_after_a_refund_and_buy_it(page: Page, live_server):
    event = make_event(slug="sold-out-gig", title="Sold Out Gig", currency="EUR", payment_methods=["demo"])
    entry_type = make_ticket_type(event, name="Entry", price=Decimal("18.00"), capacity=1)
    WaitlistSettings.objects.create(event=event, enabled=True)
    order = buy(only_date(event), {entry_type.pk: 1})

    page.goto(f"{live_server.url}/events/sold-out-gig/")
    join = page.get_by_test_id("waitlist-join")
    expect(join.get_by_role("heading", name="Join the waiting list")).to_be_visible()
    join.get_by_label("Email").fill("wanda@example.com")
    join.get_by_role("button", name="Join the waiting list").click()
    expect(page.get_by_role("status").first).to_contain_text("we sent you an email")
    assert Entry.objects.get().status == Entry.Status.PENDING

    page.goto(live_server.url + emailed_link("wanda@example.com", "confirm"))
    page.get_by_role("button", name="Confirm my place").click()
    expect(page.get_by_test_id("waitlist-status")).to_have_text("You are on the waiting list.")

    order_actions.refund(order, Actor(system="test"), amount=order.total)
    offer = Offer.objects.get()
    assert offer.unit_price == Decimal("18.00")

    page.goto(live_server.url + emailed_link("wanda@example.com", "offer"))
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.get_by_test_id("order-total")).to_have_text("€18.00")
    page.get_by_label("Your name").fill("Wanda Waiter")
    page.get_by_label("Email").fill("wanda@example.com")
    page.get_by_label("Card (demo)").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    bought = Order.objects.get(buyer_email="wanda@example.com")
    assert bought.total == Decimal("18.00")
    assert bought.hold_id == offer.hold_id
    # The offer's link is spent once bought.
    page.goto(live_server.url + emailed_link("wanda@example.com", "offer"))
    expect(page.get_by_test_id("waitlist-status")).to_contain_text("It was bought")


def test_the_organizer_turns_the_list_on_sees_the_entries_and_removes_one(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", title="Harbour Gala")
    entry_type = make_ticket_type(event, name="Entry", price=Decimal("30.00"), capacity=1)
    buy(only_date(event), {entry_type.pk: 1})
    make_member(
        organizer, role=Membership.Role.MANAGER, email="olga@example.com", password="olga-pass-phrase"
    )

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/gig/")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Waiting list").click()
    page.get_by_label("Offer a waiting list on sold-out ticket types").check()
    page.get_by_label("Hours an offer holds its tickets").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 1.")).to_be_visible()
    page.get_by_label("Hours an offer holds its tickets").fill("12")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The waiting list's settings are saved.")).to_be_visible()
    assert WaitlistSettings.objects.filter(event=event, enabled=True, offer_hours=12).exists()

    services.join(only_date(event), entry_type, "wendy@example.com", 1)
    page.reload()
    table = page.get_by_test_id("waitlist-entries")
    expect(table).to_contain_text("wendy@example.com")
    expect(table).to_contain_text("Awaiting confirmation")
    page.once("dialog", lambda dialog: dialog.accept())
    table.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("wendy@example.com is off the waiting list.")).to_be_visible()
    expect(table).to_contain_text("Removed")
    assert Entry.objects.get().status == Entry.Status.REMOVED
