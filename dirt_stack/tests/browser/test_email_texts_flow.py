"""Email texts and messages in Chromium: an organizer edits the order confirmation (with
placeholders) and previews it, a buyer named ``<b>x</b>`` buys a ticket and gets the new text
with the placeholders filled and the name escaped; then a message to the buyers of one ticket
type reaches exactly them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership
from messaging.models import MessageRecipient
from sales import pricing, purchase
from sales.models import AuditEntry, EmailText, Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings, live_server):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.SITE_URL = live_server.url


def test_edit_the_confirmation_buy_and_message_one_ticket_type(page: Page, live_server):
    organizer = make_organizer(slug="acme", name="Acme Events")
    starts = timezone.now() + dt.timedelta(days=20)
    event = make_event(
        organizer=organizer,
        slug="gig",
        title="Harbour Gala",
        currency="EUR",
        payment_methods=["demo"],
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
    )
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=100)
    vip = make_ticket_type(event, name="VIP", price=Decimal("60.00"), capacity=100)
    make_member(
        organizer, role=Membership.Role.MANAGER, email="olga@example.com", password="olga-pass-phrase"
    )

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/gig/")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Emails").click()
    expect(page.get_by_role("heading", name="Emails", exact=True)).to_be_visible()
    editor = page.get_by_test_id("email-text-form")
    expect(editor.get_by_label("Subject")).to_have_value("Your tickets for {event}")

    editor.get_by_label("Subject").fill("{buyer_name}: you are in for {event}")
    editor.get_by_label("Text (Markdown)").fill("Dear **{buyer_name}**, {whoops}")
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_text("Unknown placeholder {whoops}")).to_be_visible()
    editor.get_by_label("Text (Markdown)").fill(
        "Dear **{buyer_name}**,\n\nyour {tickets} for {event} ({total}) are booked. See you at {venue}!"
    )
    editor.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("email-preview")
    expect(preview).to_contain_text("Preview with sample values")
    expect(preview).to_contain_text("Alex Example: you are in for Harbour Gala")
    editor.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The text of the email “Order confirmation” is saved.")).to_be_visible()
    assert EmailText.objects.filter(event=event, kind="confirmation").exists()

    browser = page.context.browser
    assert browser is not None
    buyer = browser.new_page()
    buyer.goto(f"{live_server.url}/events/gig/")
    buyer.get_by_label("Number of Standard tickets").select_option("2")
    buyer.get_by_role("button", name="Get 2 tickets").click()
    expect(buyer.get_by_role("heading", name="Checkout")).to_be_visible()
    buyer.get_by_label("Your name").fill("<b>x</b>")
    buyer.get_by_label("Email").fill("bx@example.com")
    buyer.get_by_label("Card (demo)").check()
    buyer.get_by_label("Card number").fill("4242 4242 4242 4242")
    buyer.get_by_role("button", name="Place order").click()
    expect(buyer.get_by_test_id("order-status")).to_have_text("Paid")
    order = Order.objects.get(buyer_email="bx@example.com")

    (email,) = mail.outbox
    assert email.subject == "<b>x</b>: you are in for Harbour Gala"
    assert isinstance(email, EmailMultiAlternatives)
    html = next(str(content) for content, kind in email.alternatives if kind == "text/html")
    assert "Dear <strong>&lt;b&gt;x&lt;/b&gt;</strong>" in html
    assert "<b>x</b>" not in html
    assert "your 2 × Standard for Harbour Gala (€40.00) are booked. See you at Town Hall!" in html
    assert f"/orders/{order.code}/{order.secret}/" in html  # the order's link stays
    assert email.body.startswith("Dear **<b>x</b>**,")

    # Two VIP buyers and one more Standard buyer; the message goes to VIP buyers only.
    for name, email_address, type_id in (
        ("Vera", "vera@example.com", vip.pk),
        ("Vik", "vik@example.com", vip.pk),
        ("Stan", "stan@example.com", standard.pk),
    ):
        details = pricing.BuyerDetails(name=name, email=email_address, payment_method="demo")
        purchase.place_order(only_date(event), {type_id: 1}, details, base_url=live_server.url)
    mail.outbox.clear()

    page.goto(f"{live_server.url}/manage/acme/events/gig/")
    page.get_by_role("link", name="Messages to buyers").click()
    form = page.get_by_test_id("message-form")
    form.get_by_label("Ticket type").select_option(label="VIP")
    form.get_by_label("Subject").fill("Your VIP lounge at {event}")
    form.get_by_label("Message (Markdown)").fill("Hello {buyer_name}, the lounge opens at 18:00.")
    form.get_by_role("button", name="Preview and count").click()
    expect(page.get_by_test_id("recipient-count")).to_have_text("2 recipients")
    form.get_by_role("button", name="Send…").click()
    page.get_by_role("dialog").get_by_role("button", name="Send").click()
    expect(page.get_by_text("The message is on its way to 2 buyers.")).to_be_visible()
    expect(page.get_by_test_id("messages")).to_contain_text("Your VIP lounge at {event}")

    assert sorted(message.to[0] for message in mail.outbox) == ["vera@example.com", "vik@example.com"]
    assert {message.subject for message in mail.outbox} == {"Your VIP lounge at Harbour Gala"}
    assert set(MessageRecipient.objects.values_list("status", flat=True)) == {"sent"}
    vip_orders = Order.objects.filter(buyer_email__in=["vera@example.com", "vik@example.com"])
    assert AuditEntry.objects.filter(order__in=vip_orders, action="message_sent").count() == 2
