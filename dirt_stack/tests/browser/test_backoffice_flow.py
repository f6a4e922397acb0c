"""An organizer in Chromium: find an order by attendee, refund one ticket, see the dashboard and history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from sales import pricing, purchase
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


def test_refund_one_ticket_and_see_the_dashboard_and_audit_change(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", title="Harbour Gala", currency="EUR")
    entry = make_ticket_type(event, name="Entry", price=Decimal("30.00"))
    make_member(
        organizer, role=Membership.Role.MANAGER, email="olga@example.com", password="olga-pass-phrase"
    )
    for names in (["Ivo Other"], ["Klara Target", "Karel Friend"]):
        details = pricing.BuyerDetails(
            name=names[0], email="b@example.com", payment_method="demo", attendee_names=names
        )
        purchase.place_order(only_date(event), {entry.pk: len(names)}, details, base_url=live_server.url)

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/gig/dashboard/")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("revenue-gross")).to_have_text("€90.00")
    expect(page.get_by_test_id("revenue-refunded")).to_have_text("—")

    page.get_by_role("link", name="Orders", exact=True).click()
    page.get_by_placeholder("Order code, email or attendee").fill("klara")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("order-row")).to_have_count(1)
    page.get_by_test_id("order-row").get_by_role("link").click()

    target = page.get_by_test_id("admin-ticket").filter(has_text="Klara Target")
    target.get_by_label("refund").check()
    page.get_by_label("Reason").fill("cannot attend")
    page.get_by_role("button", name="Refund", exact=True).click()
    confirmation = page.get_by_test_id("confirm-dialog")
    expect(confirmation).to_contain_text("Refund order")
    confirmation.get_by_role("button", name="Refund").click()
    expect(page.get_by_role("status")).to_contain_text("Refunded; the buyer gets an email")
    expect(target).to_contain_text("VOID")
    expect(page.get_by_test_id("order-status")).to_have_text("Partly refunded")
    expect(page.get_by_test_id("refund")).to_contain_text("refunded · 1 ticket · cannot attend")
    expect(page.get_by_test_id("refunded-amount")).to_contain_text("€30.00")
    expect(page.get_by_test_id("audit-entry").first).to_contain_text("olga@example.com")
    expect(page.get_by_test_id("audit-entry").first).to_contain_text("Refunded €30.00 (1 ticket)")

    page.goto(f"{live_server.url}/manage/acme/events/gig/dashboard/")
    expect(page.get_by_test_id("revenue-refunded")).to_have_text("€30.00")
    expect(page.get_by_test_id("revenue-net")).to_have_text("€60.00")
    expect(page.get_by_test_id("stat-sold")).to_contain_text("2 /")


def test_team_page_shows_refusals_and_confirms_before_removing(page: Page, live_server):
    organizer = make_organizer(slug="acme", name="Acme Arts")
    make_member(organizer, email="owen@example.com", password="owen-pass-phrase")
    make_member(organizer, role=Membership.Role.MANAGER, email="mia@example.com")

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/members/")
    page.get_by_label("Email").fill("owen@example.com")
    page.get_by_label("Password").fill("owen-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("member")).to_have_count(2)

    # The only owner cannot demote themselves: the server's reason is shown.
    page.get_by_label("Role of owen@example.com").select_option("manager")
    expect(page.get_by_role("alert")).to_contain_text("at least one owner")
    expect(page.get_by_label("Role of owen@example.com")).to_have_value("owner")

    mia = page.get_by_test_id("member").filter(has_text="mia@example.com")
    confirmation = page.get_by_test_id("confirm-dialog")
    # The shared confirmation: focus on Cancel, Escape cancels, nothing is removed.
    mia.get_by_role("button", name="Remove").click()
    expect(confirmation).to_contain_text("Remove mia@example.com from Acme Arts?")
    expect(confirmation.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(confirmation).to_have_count(0)
    expect(mia.get_by_role("button", name="Remove")).to_be_focused()
    mia.get_by_role("button", name="Remove").click()
    confirmation.get_by_role("button", name="Cancel").click()
    expect(confirmation).to_have_count(0)
    expect(page.get_by_test_id("member")).to_have_count(2)
    assert Membership.objects.filter(organizer=organizer, user__email="mia@example.com").exists()

    mia.get_by_role("button", name="Remove").click()
    confirmation.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("mia@example.com was removed from the team.")
    expect(page.get_by_test_id("member")).to_have_count(1)
