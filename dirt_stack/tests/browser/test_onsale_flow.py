"""The on-sale room in Chromium: a visitor joins before the sale and sees the countdown,
the sale opens, the page says "your turn", the visitor reserves and buys; the token
copied into a second browser gets nowhere; the organizer pauses, resumes and changes
the rate in the console."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Membership
from onsale import services as onsale
from onsale.models import QueueEntry, Room, RoomChange
from sales.models import Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SALE_STARTS_IN = dt.timedelta(seconds=8)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.ALTCHA_MAX_NUMBER = 2_000


def test_a_visitor_queues_gets_the_turn_and_buys_and_a_copied_token_gets_nowhere(
    page: Page, browser: Browser, live_server
):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="big-night", title="Big Night", payment_methods=["demo"])
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=100)
    now = timezone.now()
    onsale.configure(
        event,
        actor=None,
        actor_label="test",
        enabled=True,
        queue_opens_at=now - dt.timedelta(minutes=1),
        sale_starts_at=now + SALE_STARTS_IN,
        admissions_per_minute=600,
    )

    page.goto(f"{live_server.url}/events/big-night/")
    expect(page.get_by_test_id("room-join")).to_be_visible()
    expect(page.get_by_role("button", name="Get 1 ticket")).to_have_count(0)
    page.get_by_role("link", name="Join the queue").click()

    join = page.get_by_test_id("queue-join")
    expect(join).to_be_enabled(timeout=20_000)  # once the proof of work is solved
    join.click()
    status = page.get_by_test_id("queue-status")
    expect(status).to_have_attribute("data-state", "before_open")
    expect(page.get_by_test_id("queue-countdown")).to_have_text(re.compile(r"^0:0\d$"))
    expect(page.get_by_test_id("queue-draw-note")).to_contain_text("random place")
    assert QueueEntry.objects.get().prequeued

    # The sale opens; the page's polling (and the ticker it wakes) gives the turn.
    expect(status).to_have_attribute("data-state", "your_turn", timeout=30_000)
    expect(status).to_contain_text("It’s your turn")

    # The admission cookie copied into another browser: refused there.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    token = cookies[f"maticko_admission_{event.pk}"]
    thief = browser.new_context()
    try:
        thief.add_cookies([{"name": f"maticko_admission_{event.pk}", "value": token, "url": live_server.url}])
        other = thief.new_page()
        other.goto(f"{live_server.url}/events/big-night/")
        expect(other.get_by_test_id("room-join")).to_be_visible()
        refused = thief.request.post(
            f"{live_server.url}/api/v1/events/big-night/orders",
            data={
                "lines": [{"ticket_type_id": event.ticket_types.get().pk, "quantity": 1}],
                "buyer": {"name": "Thief", "email": "thief@example.com"},
                "payment_method": "demo",
            },
            headers={"Admission-Token": token},
        )
        assert refused.status == 403
        assert refused.json()["reason"] == "other_browser"
    finally:
        thief.close()
    assert not Order.objects.exists()

    page.get_by_test_id("queue-go").click()
    expect(page.get_by_test_id("room-your-turn")).to_be_visible()
    page.get_by_label("Number of Standard tickets").select_option("1")
    page.get_by_role("button", name="Get 1 ticket").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    assert QueueEntry.objects.get().status == QueueEntry.Status.USED
    page.get_by_label("Your name").fill("Mira Buyer")
    page.get_by_label("Email").fill("mira@example.com")
    page.get_by_label("Card (demo)").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")


def test_the_organizer_pauses_resumes_and_changes_the_rate(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", title="Harbour Gala")
    make_ticket_type(event, name="Entry", price=Decimal("30.00"))
    make_member(
        organizer, role=Membership.Role.MANAGER, email="olga@example.com", password="olga-pass-phrase"
    )

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/gig/")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="On-sale room").click()
    expect(page.get_by_test_id("room-state")).to_have_text("Not set up")

    page.get_by_label("Use the on-sale room for this event").check()
    page.get_by_label("Queue opens (Europe/Prague)").fill("2030-12-01T10:00")
    page.get_by_label("Sale starts (Europe/Prague)").fill("2030-12-01T09:00")
    page.get_by_test_id("room-save").click()
    expect(page.get_by_text("The queue must open at or before the sale starts.")).to_be_visible()
    page.get_by_label("Sale starts (Europe/Prague)").fill("2030-12-01T11:00")
    page.get_by_test_id("room-save").click()
    expect(page.get_by_test_id("room-state")).to_have_text("Not active")

    page.get_by_test_id("room-pause").click()
    expect(page.get_by_test_id("room-state")).to_contain_text("Paused")
    page.get_by_test_id("room-resume").click()
    expect(page.get_by_test_id("room-pause")).to_be_visible()
    page.get_by_role("spinbutton", name="Admissions per minute").first.fill("45")
    page.get_by_test_id("room-rate").click()
    expect(page.get_by_test_id("room-changes")).to_contain_text("Rate changed")
    room = Room.objects.get(event=event)
    assert room.admissions_per_minute == 45
    assert not room.paused
    actions = list(RoomChange.objects.filter(room=room).order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["paused", "resumed", "rate_changed"]
    assert RoomChange.objects.filter(room=room, actor_label="olga@example.com").count() == len(actions)
