"""What a visitor sees in a real Chromium: React renders the pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_event, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_renders_upcoming_events_with_react(page: Page, live_server):
    make_event(title="Harbour Lights Festival", venue_name="Pier 9")
    make_event(title="Winter Chess Open", venue_name="Library")

    page.goto(live_server.url + "/")

    expect(page.get_by_role("heading", name="Upcoming events")).to_be_visible()
    expect(page.get_by_test_id("event-title")).to_have_text(["Harbour Lights Festival", "Winter Chess Open"])
    expect(page).to_have_title("Upcoming events · Maticko")


def test_event_link_opens_the_event_page(page: Page, live_server):
    make_event(title="Harbour Lights Festival", slug="harbour-lights", venue_name="Pier 9")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Harbour Lights Festival").click()
    expect(page).to_have_url(live_server.url + "/events/harbour-lights/")
    expect(page.get_by_role("heading", name="Harbour Lights Festival")).to_be_visible()
    expect(page.get_by_text("Pier 9")).to_be_visible()


def test_log_in_with_an_inertia_form_then_log_out(page: Page, live_server):
    make_user(email="dana@example.com", password="s3cret-pass-word", full_name="Dana Novak")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Log in").click()

    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct email and password")

    page.get_by_label("Password").fill("s3cret-pass-word")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_have_text("You are logged in.")
    expect(page.get_by_test_id("current-user")).to_have_text("Dana Novak")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_an_inverted_date_range_is_explained(page: Page, live_server):
    make_event(title="Harbour Lights Festival")
    page.goto(live_server.url + "/")
    page.get_by_label("From").fill("2031-06-30")
    page.get_by_label("To", exact=True).fill("2031-06-01")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("alert")).to_have_text(
        "The “To” date is before the “From” date: pick a “To” date on or after it."
    )
    expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("No events match your search.")).to_have_count(0)
