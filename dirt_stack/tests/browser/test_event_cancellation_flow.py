"""An organizer in Chromium cancels a whole event: the confirmation says what will happen,
then the progress page shows every order settled and the bank transfer to pay back by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership
from events.models import Event
from sales import order_actions
from sales.models import Order
from tests.browser.test_dates_flow import manager_logs_in
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type, only_date
from tests.support.dates import FIRST, buy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


def test_organizer_cancels_an_event_and_sees_its_orders_settled(page: Page, live_server):
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", title="Harbour Jazz", starts_at=FIRST)
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=40)
    first, second = only_date(event), make_date(event)
    card = buy(first, {standard.pk: 2}, email="ana@example.com")
    bank = buy(second, {standard.pk: 1}, method="offline", email="bob@example.com")
    clerk = make_member(organizer, role=Membership.Role.MANAGER, email="clerk@example.com")
    order_actions.mark_paid(bank, order_actions.Actor(user=clerk), base_url=live_server.url)
    unpaid = buy(second, {standard.pk: 1}, method="offline", email="cy@example.com")
    mail.outbox.clear()

    manager_logs_in(page, live_server.url, organizer, "/manage/acme/events/gig/")
    page.get_by_role("link", name="Cancel event").click()

    impact = page.get_by_test_id("cancel-impact")
    expect(impact).to_contain_text("Sales stop on 2 dates")
    expect(impact).to_contain_text("3 orders from 3 buyers are settled")
    expect(impact).to_contain_text("1 paid order is refunded automatically")
    expect(impact).to_contain_text("1 bank transfer (€20.00) must be paid back by hand")
    expect(impact).to_contain_text("1 unpaid order is cancelled")
    expect(impact).to_contain_text("All 4 tickets become void")
    page.get_by_label("Reason (told to every buyer)").fill("The harbour is flooded.")
    page.get_by_role("button", name="Cancel the event, refund and email every buyer").click()

    expect(page.get_by_role("heading", name="“Harbour Jazz” is cancelled")).to_be_visible()
    expect(page.get_by_test_id("cancellation-status")).to_have_text("Done: 3 of 3 orders settled.")
    expect(page.get_by_test_id("manual-refunds")).to_contain_text(bank.code)
    expect(page.get_by_test_id("manual-refunds")).to_contain_text("bob@example.com")

    assert Event.objects.get(pk=event.pk).status == Event.Status.CANCELLED
    statuses = {o.code: o.status for o in Order.objects.filter(event=event)}
    assert statuses == {card.code: "refunded", bank.code: "refunded", unpaid.code: "cancelled"}
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "bob@example.com", "cy@example.com"]

    # Back in the editor, the button leads to the progress again.
    page.get_by_role("link", name="Harbour Jazz").first.click()
    page.get_by_role("link", name="Cancellation").click()
    expect(page.get_by_test_id("cancellation-status")).to_have_text("Done: 3 of 3 orders settled.")
