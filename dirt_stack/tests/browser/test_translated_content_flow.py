"""An organizer in Chromium enables German on an event, writes its German title and a German
ticket type name in their tabs, and a German reader of the API gets them; French, enabled
and empty, falls back to English."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from events.models import Event, TicketType
from tests.browser.test_dates_flow import manager_logs_in
from tests.factories import make_event, make_organizer, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")


def test_organizer_translates_the_title_and_a_ticket_type(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(
        organizer=organizer,
        slug="jazz",
        title="Harbour Jazz",
        starts_at=dt.datetime(2031, 3, 7, 19, 30, tzinfo=PRAGUE),
    )
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=40)

    manager_logs_in(page, live_server.url, organizer, "/manage/acme/events/jazz/")
    languages = page.get_by_test_id("event-languages")
    expect(languages.get_by_label("English")).to_be_checked()
    expect(page.get_by_test_id("language-tab-de")).to_have_count(0)  # one language: no tabs
    languages.get_by_label("Deutsch").check()
    languages.get_by_label("Français").check()
    page.get_by_test_id("language-tab-de").click()
    page.get_by_label("Title (Deutsch)").fill("Hafen-Jazz")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_text("Event saved.")).to_be_visible()

    event.refresh_from_db()
    assert event.locales == ["en", "de", "fr"]
    assert event.translations == {"de": {"title": "Hafen-Jazz"}}
    assert event.title == "Harbour Jazz"

    # After the reload the German tab shows what was saved; the English title is untouched.
    page.get_by_test_id("language-tab-de").first.click()
    expect(page.get_by_label("Title (Deutsch)")).to_have_value("Hafen-Jazz")
    page.get_by_test_id("language-tab-en").first.click()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Harbour Jazz")

    # The ticket type's German name, in its own form's tab.
    ticket_type = page.get_by_test_id("managed-ticket-type").first
    ticket_type.get_by_role("button", name="Edit").click()
    form = page.get_by_test_id(f"ticket-type-form-{standard.pk}")
    form.get_by_test_id("language-tab-de").click()
    form.get_by_label("Name (Deutsch)").fill("Stehplatz")
    form.get_by_role("button", name="Save ticket type").click()
    expect(page.get_by_test_id(f"ticket-type-form-{standard.pk}")).to_have_count(0)
    assert TicketType.objects.get(pk=standard.pk).translations == {"de": {"name": "Stehplatz"}}

    Event.objects.filter(pk=event.pk).update(status=Event.Status.PUBLISHED)
    german = Client().get("/api/v1/events/jazz", headers={"Accept-Language": "de"}).json()
    assert german["title"] == "Hafen-Jazz"
    assert [t["name"] for t in german["ticket_types"]] == ["Stehplatz"]
    french = Client().get("/api/v1/events/jazz?locale=fr").json()
    assert french["title"] == "Harbour Jazz"
    assert [t["name"] for t in french["ticket_types"]] == ["Standard"]
