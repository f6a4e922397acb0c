"""Races on PostgreSQL with real threads: stock freed at the same moment in several
transactions (refunds, released holds, the waiting list's sweep) is offered once per unit,
first entries first, and never oversold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db.models import Sum

from events.models import DateTicketType
from sales import order_actions, pricing, purchase, stock
from sales.audit import Actor
from tests.factories import allocated, make_event, make_ticket_type, only_date
from tests.support.races import run_together
from waitlist import services
from waitlist.models import Entry, Offer, WaitlistSettings

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 4


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def sold_out_shop(n: int, capacity: int):
    event = make_event(slug=f"race-{n}", payment_methods=["demo"])
    ticket_type = make_ticket_type(event, price=Decimal("15.00"), capacity=capacity, max_per_order=4)
    WaitlistSettings.objects.create(event=event, enabled=True)
    return event, ticket_type, only_date(event)


def waiting(date, ticket_type, emails_and_quantities) -> list[Entry]:
    entries = []
    for email, quantity in emails_and_quantities:
        entry = services.join(date, ticket_type, email, quantity).entry
        services.confirm(services.link_token(entry, services.CONFIRM_SALT))
        entries.append(entry)
    return entries


def check_never_oversold(date, ticket_type) -> None:
    row = DateTicketType.objects.get(date=date, ticket_type=ticket_type)
    open_offers = Offer.objects.filter(hold__date=date, status=Offer.Status.OPEN)
    live = open_offers.aggregate(n=Sum("quantity"))["n"] or 0
    assert row.allocated <= row.capacity
    assert allocated(date) == row.allocated
    # Every open offer is one entry's, once.
    per_entry = Counter(open_offers.values_list("entry_id", flat=True))
    assert all(count == 1 for count in per_entry.values())
    assert live <= row.capacity


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_refunds_at_once_offer_each_freed_ticket_to_one_entry(round_):
    _, ticket_type, date = sold_out_shop(round_, capacity=2)
    details = pricing.BuyerDetails(name="Ana", email="buyer@example.com", payment_method="demo")
    orders = [
        purchase.place_order(date, {ticket_type.pk: 1}, details, base_url="http://testserver/").order
        for _ in range(2)
    ]
    entries = waiting(date, ticket_type, [(f"w{i}@example.com", 1) for i in range(3)])

    def refund(order) -> Callable[[], None]:
        def task() -> None:
            order_actions.refund(order, Actor(system="race"), amount=order.total)

        return task

    run_together(*(refund(order) for order in orders))

    statuses = [Entry.objects.get(pk=e.pk).status for e in entries]
    assert statuses == [Entry.Status.OFFERED, Entry.Status.OFFERED, Entry.Status.WAITING]
    assert Offer.objects.filter(status=Offer.Status.OPEN).count() == 2
    check_never_oversold(date, ticket_type)
    assert allocated(date) == 2


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_release_racing_the_sweep_and_a_confirmation_makes_one_offer_per_unit(round_):
    _, ticket_type, date = sold_out_shop(100 + round_, capacity=3)
    holds = [stock.hold(date, {ticket_type.pk: 1}) for _ in range(3)]
    # A pair first: it waits while fewer than 2 are free; the singles behind it fit.
    entries = waiting(
        date, ticket_type, [("pair@example.com", 2), ("one@example.com", 1), ("two@example.com", 1)]
    )
    late = services.join(date, ticket_type, "late@example.com", 1).entry
    late_token = services.link_token(late, services.CONFIRM_SALT)

    def release(hold) -> Callable[[], None]:
        def task() -> None:
            stock.release(hold)

        return task

    def sweep() -> None:
        services.sweep()

    def confirm_late() -> None:
        services.confirm(late_token)

    run_together(release(holds[0]), release(holds[1]), sweep, confirm_late)
    # Whatever order the four ran in: each freed ticket came back once and was offered once.
    check_never_oversold(date, ticket_type)
    offered = Offer.objects.filter(status=Offer.Status.OPEN)
    assert offered.aggregate(n=Sum("quantity"))["n"] == 2
    assert allocated(date) == 3
    # Each release offers its ticket in its own transaction, so two are never free at once
    # for the pair: it waits, and the singles behind it get one each (FIFO among entries that
    # fit); "late", confirmed last, stays behind them.
    assert set(offered.values_list("entry__email", flat=True)) == {"one@example.com", "two@example.com"}
    assert Entry.objects.get(pk=entries[0].pk).status == Entry.Status.WAITING
    assert Entry.objects.get(pk=late.pk).status == Entry.Status.WAITING
