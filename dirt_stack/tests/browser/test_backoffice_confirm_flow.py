"""The back office's destructive actions ask first, in one shared dialog (B16), and the
event form says when a ticked payment method is not set up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from events.models import TicketType
from sales.models import Voucher
from tests.factories import make_event, make_member, make_organizer, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""


def test_deleting_asks_first_and_stripe_without_keys_is_flagged(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    make_member(organizer, email="owen@example.com", password="owen-pass-phrase")
    event = make_event(organizer=organizer, slug="gig", title="Gig", payment_methods=["stripe", "offline"])
    make_ticket_type(event, name="Balcony", price=Decimal("10.00"))
    Voucher.objects.create(event=event, code="SPRING", kind="percent", value=Decimal("10"))

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/gig/")
    page.get_by_label("Email").fill("owen@example.com")
    page.get_by_label("Password").fill("owen-pass-phrase")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_test_id("payment-method-not-configured-stripe")).to_contain_text("STRIPE_SECRET_KEY")
    expect(page.get_by_test_id("payment-method-not-configured-offline")).to_have_count(0)

    confirmation = page.get_by_test_id("confirm-dialog")
    page.get_by_role("button", name="Delete").first.click()
    expect(confirmation).to_contain_text("Delete the ticket type “Balcony”?")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    # Focus stays in the modal dialog.
    expect(confirmation.locator(":focus")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(confirmation).to_have_count(0)
    assert TicketType.objects.filter(name="Balcony").exists()

    page.get_by_role("button", name="Delete").first.click()
    confirmation.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text("Ticket type “Balcony” deleted.")
    assert not TicketType.objects.filter(name="Balcony").exists()

    page.get_by_role("button", name="Delete").last.click()
    expect(confirmation).to_contain_text("Delete voucher SPRING?")
    confirmation.get_by_role("button", name="Cancel").click()
    assert Voucher.objects.filter(code="SPRING").exists()
