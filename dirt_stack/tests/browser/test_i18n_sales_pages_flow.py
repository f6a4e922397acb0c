"""The back office's sales pages in the pseudo-locale, in Chromium.

An owner of the organizer walks an event's sales in `en-x-pseudo` (see `test_i18n_flow.py`):
every message shows with its letters accented, so any visible text or label left in plain
English is a string nobody wrapped. The event has two dates and orders of every kind (paid
and partly refunded, with an attendee renamed and an answer; a pending bank transfer; a
cancelled one), a sold-out ticket type with a waiting list (an offer and a waiting entry),
and a paused on-sale room. The walk: the dashboard (with its chart's tooltip), the orders
list (with the bulk cancellation's confirmation), an order's page (the attendee name's form
and the refund's confirmation), the pending transfer's page (marking it paid, asked first),
the on-sale room and the waiting list. Only the test's own data and what the server writes
(`data-server-text`) may stay plain.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership
from events.models import EventDate
from onsale import services as onsale
from questions.models import Question
from sales import order_actions
from sales.models import Order
from tests.browser.test_i18n_event_editing_flow import owner_logs_in_then_reads_pseudo
from tests.browser.test_i18n_flow import PseudoWalk, vltava_sessions  # noqa: F401
from tests.factories import make_date, make_member, make_ticket_type, only_date
from tests.support.dates import buy
from waitlist import services as waitlist
from waitlist.models import Entry, Offer, WaitlistSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENT = "/manage/prague-nights/events/vltava-sessions"
# The owner in the header, the event's zone, and the people, names and answers of the
# test's orders and waiting list.
OWN_TEXTS = (
    "olga@example.com",
    "Olga Owner",
    "Europe/Prague",
    "Balcony",
    "Ana Novak",
    "Ana",
    "ana@example.com",
    "Bob",
    "bob@example.com",
    "Cy",
    "cy@example.com",
    "dana@example.com",
    "eva@example.com",
    "Dietary needs",
    "Vegan",
    "EUR",
)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


walk = PseudoWalk(OWN_TEXTS)


def sold_out_balcony_with_a_waiting_list(date: EventDate, clerk: order_actions.Actor) -> None:
    """Balcony (one seat on ``date``) sold to Cy, then cancelled after Dana and Eva confirmed their
    places on its waiting list: Dana is offered the seat, Eva waits."""
    balcony = make_ticket_type(date.event, name="Balcony", capacity=1)
    WaitlistSettings.objects.create(event=date.event, enabled=True)
    seat = buy(date, {balcony.pk: 1}, email="cy@example.com")
    for email in ("dana@example.com", "eva@example.com"):
        entry = waitlist.join(date, balcony, email, 1).entry
        waitlist.confirm(waitlist.link_token(entry, waitlist.CONFIRM_SALT))
    order_actions.cancel(seat, clerk)
    waitlist.offer_free_stock(date.pk, [balcony.pk])
    assert Offer.objects.filter(entry__email="dana@example.com", status=Offer.Status.OPEN).exists()
    assert Entry.objects.filter(email="eva@example.com", status=Entry.Status.WAITING).exists()


def test_the_pseudo_locale_shows_no_unwrapped_string_on_the_sales_pages(
    page: Page,
    live_server,
    vltava_sessions,  # noqa: F811
):
    event = vltava_sessions
    standard = event.ticket_types.get(name="Standard")
    first = only_date(event)
    make_date(event, starts_at=first.starts_at + dt.timedelta(days=7))
    clerk = order_actions.Actor(
        user=make_member(event.organizer, role=Membership.Role.MANAGER, email="clerk@example.com")
    )
    question = Question.objects.create(event=event, label="Dietary needs")
    paid = buy(first, {standard.pk: 2}, email="ana@example.com")
    Order.objects.filter(pk=paid.pk).update(
        answers={
            "order": [{"question": question.pk, "label": "Dietary needs", "kind": "text", "value": "Vegan"}],
            "tickets": [[], []],
        }
    )
    ticket = paid.tickets.order_by("pk")[0]
    order_actions.change_attendee(ticket, "Ana Novak", clerk)
    order_actions.refund(paid, clerk, tickets=[ticket.pk], base_url=live_server.url)
    transfer = buy(first, {standard.pk: 1}, method="offline", email="bob@example.com")
    sold_out_balcony_with_a_waiting_list(first, clerk)
    now = timezone.now()
    room = onsale.configure(
        event,
        actor=None,
        actor_label="olga@example.com",
        enabled=True,
        queue_opens_at=now + dt.timedelta(days=1),
        sale_starts_at=now + dt.timedelta(days=2),
    )
    onsale.pause(room, actor=None, actor_label="olga@example.com")
    owner_logs_in_then_reads_pseudo(page, live_server.url, event.organizer)
    server = live_server.url
    # The orders' codes and the demo payment's reference.
    codes = (
        paid.code,
        transfer.code,
        Order.objects.get(buyer_email="cy@example.com").code,
        paid.payments.get().reference,
    )

    # The dashboard: the figures, the dates, the revenue, the ticket types, and the chart
    # with its tooltip.
    assert walk.visit(page, f"{server}{EVENT}/dashboard/", '[data-testid="dashboard-date-row"]') == []
    page.locator(".recharts-bar-rectangle").first.hover()
    expect(page.locator(".recharts-tooltip-wrapper")).to_be_visible()
    assert walk.untranslated(page) == []

    # The orders, and cancelling the chosen bank transfer, asked first.
    assert walk.visit(page, f"{server}{EVENT}/orders/", '[data-testid="order-row"]', *codes) == []
    page.get_by_test_id("order-row").locator('input[type="checkbox"]').check()
    page.get_by_test_id("cancel-chosen").click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    assert walk.untranslated(page, *codes) == []
    page.keyboard.press("Escape")

    # The paid order: its answers, payments, refund and history; the attendee name's form;
    # the refund's confirmation for a ticket.
    assert walk.visit(page, f"{server}{EVENT}/orders/{paid.code}/", '[data-testid="refund"]', *codes) == []
    expect(page.get_by_test_id("audit-entry").first).to_be_visible()
    ticket_rows = page.get_by_test_id("admin-ticket")
    ticket_rows.first.locator("button").first.click()
    expect(ticket_rows.first.locator("form")).to_be_visible()
    ticket_rows.nth(1).locator('input[type="checkbox"]').check()
    page.get_by_test_id("refund-submit").click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    assert walk.untranslated(page, *codes) == []
    page.keyboard.press("Escape")

    # The pending bank transfer: marking it paid asks first.
    assert (
        walk.visit(page, f"{server}{EVENT}/orders/{transfer.code}/", '[data-testid="mark-paid"]', *codes)
        == []
    )
    page.get_by_test_id("mark-paid").click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    assert walk.untranslated(page, *codes) == []
    page.keyboard.press("Escape")

    # The paused on-sale room with its log, and the waiting list with an offer.
    assert walk.visit(page, f"{server}{EVENT}/room/", '[data-testid="room-changes"]') == []
    expect(page.get_by_test_id("room-resume")).to_be_visible()
    assert walk.visit(page, f"{server}{EVENT}/waitlist/", '[data-testid="waitlist-entries"]', *codes) == []
    expect(page.get_by_test_id("waitlist-entries").locator("tbody tr")).to_have_count(2)
