"""From purchase to the door in Chromium: the PDF ticket, then the scanner admits it once."""

from __future__ import annotations

from decimal import Decimal

import pypdf
import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import Page, expect

from accounts.models import Membership
from sales import lifecycle, pricing, purchase
from sales.models import Ticket
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def test_buy_download_the_pdf_and_get_admitted_once(page: Page, live_server, tmp_path):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", title="Night Market", collect_attendee_names=True)
    entry = make_ticket_type(event, name="Entry", price=Decimal("8.00"))
    make_member(
        organizer, role=Membership.Role.DOOR_STAFF, email="door@example.com", password="door-pass-phrase"
    )
    details = pricing.BuyerDetails(
        name="Void Buyer", email="v@example.com", payment_method="demo", attendee_names=["Vic Void"]
    )
    void_order = purchase.place_order(
        only_date(event), {entry.pk: 1}, details, base_url=live_server.url
    ).order
    lifecycle.cancel(void_order)

    # The buyer.
    page.goto(f"{live_server.url}/events/gig/")
    page.get_by_label("Number of Entry tickets").select_option("1")
    page.get_by_role("button", name="Get 1 ticket").click()
    page.get_by_label("Your name").fill("Petra Buyer")
    page.get_by_label("Email", exact=True).fill("petra@example.com")
    page.get_by_label("Name on ticket 1").fill("Pavel Attendee")
    page.get_by_label("Card (demo)").check()
    page.get_by_label("Card number").fill("4242424242424242")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("ticket-qr")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download tickets (PDF)").click()
    pdf_path = tmp_path / "tickets.pdf"
    download.value.save_as(pdf_path)
    (pdf_page,) = pypdf.PdfReader(pdf_path).pages
    assert "Pavel Attendee" in pdf_page.extract_text()
    (qr,) = zxingcpp.read_barcodes(pypdfium2.PdfDocument(pdf_path)[0].render(scale=2).to_pil())
    ticket = Ticket.objects.get(attendee_name="Pavel Attendee")
    assert qr.text == ticket.secret

    # The door.
    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/gig/checkin/")
    page.get_by_label("Email").fill("door@example.com")
    page.get_by_label("Password").fill("door-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Scan a ticket")).to_be_visible()

    page.get_by_label("Ticket code").fill(qr.text)
    page.get_by_role("button", name="Check", exact=True).click()
    result = page.get_by_test_id("scan-result")
    expect(result).to_contain_text("Admitted")
    expect(result).to_contain_text("Pavel Attendee")
    expect(page.get_by_test_id("counter")).to_contain_text("1 / 1")

    page.get_by_label("Ticket code").fill(qr.text)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(result).to_contain_text("Already checked in")
    expect(page.get_by_test_id("first-check-in")).to_contain_text("at Main entrance")

    page.get_by_label("Ticket code").fill(void_order.tickets.get().secret)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(result).to_contain_text("Refused")
    expect(result).to_contain_text("Void: the order was cancelled.")
    expect(page.locator("[data-outcome=refused]")).to_be_visible()
