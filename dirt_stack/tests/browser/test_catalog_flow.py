"""An organizer's first event, end to end in Chromium, and what a visitor then finds."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from events.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_create_organizer_event_ticket_types_publish_and_find_it(page: Page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sell tickets").click()

    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text("Check your email")
    (email,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/signup/confirm/\?token=\S+)", str(email.body))
    assert link is not None
    page.goto(live_server.url + link.group(1))
    page.get_by_label("Your name").fill("Olga Organizer")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")

    page.get_by_role("link", name="Create an organizer").click()
    page.get_by_label("Name", exact=True).fill("Harbour Collective")
    page.get_by_label("Contact email").fill("hello@harbour.test")
    page.get_by_role("button", name="Create the organizer").click()
    expect(page.get_by_role("heading", name="Harbour Collective")).to_be_visible()

    page.get_by_role("link", name="New event").click()
    page.get_by_label("Title").fill("Lantern Night Market")
    page.get_by_label("Description").fill("Street food and **lanterns** by the water.")
    page.get_by_label("Venue", exact=True).fill("Harbour Quay")
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_label("Starts").fill("2031-09-12T18:00")
    page.get_by_label("Ends").fill("2031-09-12T17:00")
    page.get_by_role("button", name="Create the event").click()
    expect(page.get_by_text("The event cannot end before it starts.")).to_be_visible()
    page.get_by_label("Ends").fill("2031-09-12T23:30")
    page.get_by_role("button", name="Create the event").click()
    expect(page.get_by_role("status")).to_contain_text("Event created as a draft")

    new_type = page.get_by_test_id("ticket-type-form-new")
    new_type.get_by_label("Name", exact=True).fill("General admission")
    new_type.get_by_label("Price (EUR)").fill("15.00")
    new_type.get_by_label("Capacity", exact=True).fill("300")
    new_type.get_by_role("button", name="Add ticket type").click()
    expect(page.get_by_test_id("managed-ticket-type")).to_have_count(1)

    page.get_by_role("button", name="Add a ticket type").click()
    new_type = page.get_by_test_id("ticket-type-form-new")
    new_type.get_by_label("Name", exact=True).fill("Lantern workshop")
    new_type.get_by_label("Price (EUR)").fill("-3")
    new_type.get_by_label("Capacity", exact=True).fill("20")
    new_type.get_by_role("button", name="Add ticket type").click()
    expect(new_type.get_by_text("greater than or equal to 0")).to_be_visible()
    new_type.get_by_label("Price (EUR)").fill("35.50")
    new_type.get_by_role("button", name="Add ticket type").click()
    expect(page.get_by_test_id("managed-ticket-type")).to_have_count(2)

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("is published")
    expect(page.get_by_test_id("event-status")).to_have_text("published")
    assert Event.objects.get(slug="lantern-night-market").status == Event.Status.PUBLISHED

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_placeholder("Search by name, venue or organizer").fill("lantern")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("event-title")).to_have_text(["Lantern Night Market"])
    page.get_by_role("link", name="Lantern Night Market").click()
    expect(page.get_by_test_id("ticket-type-name")).to_have_text(["General admission", "Lantern workshop"])
    expect(page.get_by_test_id("ticket-type-price")).to_have_text(["€15.00", "€35.50"])
    expect(page.locator("strong", has_text="lanterns")).to_be_visible()
    expect(page).to_have_title("Lantern Night Market · Maticko")
