"""Races on real PostgreSQL with real threads: the on-sale rush must never oversell or duplicate.

Each test starts many buyers at once (a barrier releases them together), each
in its own thread with its own database connection.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from events.models import Event
from sales import exceptions, pricing, purchase
from sales.models import Order, Ticket, Voucher
from tests.factories import allocated, make_event, make_ticket_type, only_date

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def race(n: int, attempt: Callable[[int], str]) -> Counter[str]:
    """Run ``attempt(i)`` for i in range(n) on THREADS threads released together."""
    barrier = threading.Barrier(min(n, THREADS))

    def run(i: int) -> str:
        try:
            if i < THREADS:
                barrier.wait(timeout=30)
            return attempt(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return Counter(pool.map(run, range(n)))


def buyer(event_id: int, quantities: dict[int, int], **kwargs) -> Callable[[int], str]:
    def attempt(i: int) -> str:
        event = Event.objects.get(pk=event_id)
        details = pricing.BuyerDetails(
            name=f"Buyer {i}", email=f"buyer{i}@example.com", payment_method="demo"
        )
        try:
            purchase.place_order(
                only_date(event), quantities, details, base_url="http://testserver/", **kwargs
            )
        except exceptions.OrderConflict as exc:
            return "conflict: " + str(exc).split(" is ")[0]
        return "ok"

    return attempt


def test_200_buyers_race_for_the_last_50_tickets():
    event = make_event(slug="rush")
    ticket_type = make_ticket_type(event, capacity=50, price=Decimal("30.00"))

    results = race(200, buyer(event.pk, {ticket_type.pk: 1}))

    assert results["ok"] == 50
    assert sum(results.values()) == 200
    assert all(k == "ok" or k.startswith("conflict") for k in results)
    ticket_type.refresh_from_db()
    assert allocated(ticket_type) == 50
    assert Ticket.objects.filter(ticket_type=ticket_type).count() == 50
    assert Order.objects.filter(event=event).count() == 50
    assert allocated(event) == 50


def test_event_capacity_shared_by_two_ticket_types_is_never_exceeded():
    event = make_event(slug="shared", capacity=50)
    standing = make_ticket_type(event, name="Standing", capacity=40)
    seated = make_ticket_type(event, name="Seated", capacity=40)

    def attempt(i: int) -> str:
        chosen = standing if i % 2 else seated
        return buyer(event.pk, {chosen.pk: 1 + i % 2})(i)

    race(200, attempt)

    sold: Counter[int] = Counter()
    for ticket in Ticket.objects.filter(order__event=event):
        sold[ticket.ticket_type_id] += 1
    assert sum(sold.values()) == 50  # every seat of the venue, not one more
    assert sold[standing.pk] <= 40
    assert sold[seated.pk] <= 40
    assert allocated(event) == 50
    for ticket_type in (standing, seated):
        assert allocated(ticket_type) == sold[ticket_type.pk]


def test_50_racers_on_a_voucher_with_10_uses_redeem_it_10_times():
    event = make_event(slug="voucher-rush")
    ticket_type = make_ticket_type(event, capacity=500)
    voucher = Voucher.objects.create(
        event=event, code="EARLY", kind="percent", value=Decimal("20"), max_usages=10
    )

    results = race(50, buyer(event.pk, {ticket_type.pk: 1}, voucher_code="EARLY"))

    assert results["ok"] == 10
    assert Voucher.objects.get(pk=voucher.pk).redeemed == 10
    assert Order.objects.filter(voucher=voucher).count() == 10
    # Refused buyers took no stock.
    assert allocated(ticket_type) == 10


def test_20_identical_requests_with_one_idempotency_key_make_one_order():
    event = make_event(slug="double-click")
    ticket_type = make_ticket_type(event, capacity=100)
    codes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> str:
        details = pricing.BuyerDetails(name="Same Buyer", email="same@example.com", payment_method="demo")
        placed = purchase.place_order(
            only_date(Event.objects.get(pk=event.pk)),
            {ticket_type.pk: 2},
            details,
            base_url="http://testserver/",
            idempotency_key="click-once",
        )
        with lock:
            codes.append(placed.order.code)
        return "created" if placed.created else "replayed"

    results = race(20, attempt)

    assert results == {"created": 1, "replayed": 19}
    assert len(set(codes)) == 1
    assert Order.objects.filter(event=event).count() == 1
    assert allocated(ticket_type) == 2


def test_holds_race_and_expired_holds_return_their_stock():
    from sales import stock

    event = make_event(slug="holds")
    ticket_type = make_ticket_type(event, capacity=30)

    def attempt(i: int) -> str:
        try:
            stock.hold(only_date(Event.objects.get(pk=event.pk)), {ticket_type.pk: 1})
        except stock.SoldOut:
            return "sold out"
        return "held"

    assert race(100, attempt) == {"held": 30, "sold out": 70}
    # Every hold expires: the next buyers get the stock back without any worker running.
    from django.utils import timezone

    from sales.models import Hold

    Hold.objects.filter(event=event).update(expires_at=timezone.now())
    assert race(60, attempt) == {"held": 30, "sold out": 30}
    assert allocated(ticket_type) == 30


def test_20_scanners_racing_on_one_ticket_admit_it_once():
    from checkin import services as checkin
    from checkin.models import CheckIn, CheckInList

    event = make_event(slug="door-rush")
    ticket_type = make_ticket_type(event, capacity=10)
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    order = purchase.place_order(
        only_date(event), {ticket_type.pk: 1}, details, base_url="http://testserver/"
    ).order
    secret = order.tickets.get().secret
    lists = [CheckInList.objects.create(event=event, name=f"Door {n}") for n in range(4)]

    def attempt(i: int) -> str:
        check_in_list = CheckInList.objects.select_related("event__organizer").get(pk=lists[i % 4].pk)
        return checkin.scan(check_in_list, secret=secret).outcome

    results = race(20, attempt)

    assert results == {"admitted": 1, "already_checked_in": 19}
    assert CheckIn.objects.filter(ticket__order=order).count() == 1
