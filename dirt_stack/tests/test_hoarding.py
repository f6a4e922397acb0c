"""No hoarding (sales.hoarding, ADR 0016): a buyer's share of a date's stock, the bank
transfer's confirmation window, and the proof of work it leads to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from events.models import DateTicketType, EventDate
from sales import hoarding, pricing, purchase, stock, sweeper
from sales.models import BuyerLoad, Hold, Order
from tests.factories import allocated, make_event, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = hoarding.client_hash("203.0.113.7")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.BUYER_SHARE_MIN_TICKETS = 10
    settings.BUYER_SHARE_MAX_TICKETS = 100
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def event():
    event = make_event(slug="rush", payment_methods=["offline", "demo"])
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=150)
    make_ticket_type(event, name="Seat", price=Decimal("30.00"), capacity=50)
    return event


def details(email: str, method: str = "offline") -> pricing.BuyerDetails:
    return pricing.BuyerDetails(name="Bot", email=email, payment_method=method)


def order(event, email: str, n: int, *, client: str = CLIENT, method: str = "offline", solved: bool = False):
    ticket_type = event.ticket_types.get(name="Standing")
    return purchase.place_order(
        only_date(event),
        {ticket_type.pk: n},
        details(email, method),
        base_url="http://testserver/",
        buyer=hoarding.Buyer(client, solved=solved),
    )


def test_limit_is_the_share_of_the_date_stock_with_a_floor_and_a_cap(event, settings):
    date = only_date(event)
    assert hoarding.buyer_limit(date) == 20  # 10 % of 200
    event.buyer_share_percent = 1
    assert hoarding.buyer_limit(date) == 10  # the floor
    event.buyer_share_percent, event.max_tickets_per_buyer = 100, 30
    assert hoarding.buyer_limit(date) == 30  # the event's cap
    event.max_tickets_per_buyer = None
    settings.BUYER_SHARE_MAX_TICKETS = 50
    assert hoarding.buyer_limit(date) == 50  # the platform's cap
    event.max_tickets_per_buyer = 4
    assert hoarding.buyer_limit(date) == 4  # a cap under the floor wins


def test_one_client_cannot_hold_more_than_its_share_across_emails(event):
    for i in range(2):
        order(event, f"bot{i}@example.com", 10)
    with pytest.raises(hoarding.BuyerLimitReached) as refused:
        order(event, "bot2@example.com", 1)
    assert refused.value.limit == 20
    assert "at most 20 tickets" in str(refused.value)
    assert allocated(event) == 20
    # Having tripped it, the client must now solve a challenge for everything on the date.
    with pytest.raises(hoarding.ChallengeRequired):
        order(event, "bot3@example.com", 1)


def test_one_email_cannot_hold_more_than_its_share_across_clients(event):
    order(event, "same@example.com", 10, client=hoarding.client_hash("198.51.100.1"))
    order(event, "same@example.com", 10, client=hoarding.client_hash("198.51.100.2"))
    with pytest.raises(hoarding.BuyerLimitReached):
        order(event, "Same@Example.COM", 1, client=hoarding.client_hash("198.51.100.3"))


def test_paid_orders_do_not_count_and_expired_stock_is_recounted(event):
    for i in range(4):
        order(event, f"fan{i}@example.com", 10, method="demo")  # paid at once: bought, not held
    order(event, "slow@example.com", 10)
    order(event, "slow2@example.com", 10)
    Order.objects.filter(buyer_email__startswith="slow").update(
        payment_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    # The count says 20; the truth is 0 once the orders are overdue: recounted, not refused.
    placed = order(event, "back@example.com", 10)
    assert placed.order.status == Order.Status.PENDING
    load = BuyerLoad.objects.get(key=hoarding.Key("client", CLIENT).stored)
    assert load.tickets == 10
    assert load.challenge_until is None


def test_holds_count_towards_the_clients_share(event):
    date = only_date(event)
    standing = event.ticket_types.get(name="Standing")
    buyer = hoarding.Buyer(CLIENT)
    purchase.start_checkout(date, {standing.pk: 10}, buyer=buyer)
    order(event, "x@example.com", 10)
    with pytest.raises(hoarding.BuyerLimitReached):
        purchase.start_checkout(date, {standing.pk: 1}, buyer=buyer)
    assert Hold.objects.count() == 1


def test_a_solved_challenge_lets_a_flagged_client_within_its_share(event):
    hoarding.demand_challenge(only_date(event), hoarding.Buyer(CLIENT))
    with pytest.raises(hoarding.ChallengeRequired):
        order(event, "a@example.com", 2)
    assert order(event, "a@example.com", 2, solved=True).order.pk


def test_without_a_buyer_services_are_not_limited(event):
    standing = event.ticket_types.get(name="Standing")
    for i in range(3):
        purchase.place_order(
            only_date(event), {standing.pk: 10}, details(f"o{i}@example.com"), base_url="http://testserver/"
        )
    assert allocated(event) == 30


# --- The bank transfer's confirmation window ------------------------------------------------


def test_an_anonymous_bank_transfer_holds_its_tickets_for_the_first_window_only(event, settings):
    settings.BANK_TRANSFER_CONFIRM_MINUTES = 60
    placed = order(event, "buyer@example.com", 2)
    new = placed.order
    assert new.awaiting_confirmation
    assert new.payment_deadline <= timezone.now() + dt.timedelta(minutes=60)
    # Unconfirmed past the window: the sweeper expires it and the stock comes back.
    Order.objects.filter(pk=new.pk).update(payment_deadline=timezone.now() - dt.timedelta(seconds=1))
    sweeper.sweep()
    new.refresh_from_db()
    assert new.status == Order.Status.EXPIRED
    assert allocated(event) == 0


def test_an_event_may_turn_the_confirmation_window_off(event):
    event.confirm_bank_transfers = False
    event.save()
    new = order(event, "buyer@example.com", 2).order
    assert not new.awaiting_confirmation
    assert new.payment_deadline > timezone.now() + dt.timedelta(days=2)


def test_stock_take_marks_a_ticket_type_under_pressure(event, settings):
    """The rush is counted on the row each take writes, the ticket type's on the date."""
    settings.PRESSURE_TAKES_PER_MINUTE = 3
    date = only_date(event)
    seat = event.ticket_types.get(name="Seat")
    row = DateTicketType.objects.get(date=date, ticket_type=seat)
    for _ in range(2):
        stock.hold(date, {seat.pk: 1})
    row.refresh_from_db()
    assert not row.under_pressure
    assert not hoarding.date_under_pressure(date)
    stock.hold(date, {seat.pk: 1})
    row.refresh_from_db()
    assert row.under_pressure
    assert row.rush_count == 3
    assert hoarding.date_under_pressure(date)
    assert hoarding.date_under_pressure(EventDate.objects.with_pressure().get(pk=date.pk))
    assert hoarding.challenge_due(date, hoarding.Buyer("client"), [row])
    assert not hoarding.challenge_due(date, hoarding.Buyer("client", solved=True), [row])


@pytest.mark.postgres
def test_fifty_parallel_attempts_from_one_client_stay_within_its_share(event):
    """Orders and holds racing from one client, each with another email: the share holds."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    standing = event.ticket_types.get(name="Standing")
    barrier = Barrier(25)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            if i % 2:
                order(event, f"bot{i}@example.com", 3)
            else:
                date = only_date(event)
                purchase.start_checkout(date, {standing.pk: 3}, buyer=hoarding.Buyer(CLIENT))
            outcomes.append("ok")
        except (hoarding.BuyerLimitReached, hoarding.ChallengeRequired) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    with ThreadPoolExecutor(25) as pool:
        list(pool.map(attempt, range(50)))
    key = hoarding.Key("client", CLIENT)
    held = hoarding.held(only_date(event).pk, key, timezone.now())
    assert held <= 20
    assert allocated(event) == held == 3 * outcomes.count("ok")
    assert outcomes.count("ok") == 6


def test_the_sweeper_forgets_expired_spent_challenges():
    from sales.models import SpentChallenge

    now = timezone.now()
    SpentChallenge.objects.create(signature="old", expires_at=now - dt.timedelta(seconds=1))
    SpentChallenge.objects.create(signature="live", expires_at=now + dt.timedelta(minutes=5))
    sweeper.sweep()
    assert list(SpentChallenge.objects.values_list("signature", flat=True)) == ["live"]


def test_an_unconfirmed_transfer_does_not_admit_even_where_unpaid_transfers_do(event):
    from sales.models import Ticket

    event.organizer.admit_unpaid_bank_transfers = True
    event.organizer.save()
    new = order(event, "buyer@example.com", 1).order
    new = Order.objects.select_related("event__organizer", "date").get(pk=new.pk)
    assert not new.admits_holders
    assert not Ticket.objects.admissible().filter(order=new).exists()
    Order.objects.filter(pk=new.pk).update(awaiting_confirmation=False)
    new.refresh_from_db()
    assert new.admits_holders
    assert Ticket.objects.admissible().filter(order=new).exists()


def test_a_client_hash_is_the_keyed_hash_of_its_address_under_the_current_secret(settings):
    from django.utils.crypto import salted_hmac

    first = hoarding.client_hash("203.0.113.7")
    assert first == salted_hmac("sales.hoarding.client", "203.0.113.7").hexdigest()
    assert hoarding.client_hash("203.0.113.8") != first
    assert hoarding.client_hash("") == ""
    settings.SECRET_KEY = "another secret key, long enough for the tests"
    again = hoarding.client_hash("203.0.113.7")
    assert again == salted_hmac("sales.hoarding.client", "203.0.113.7").hexdigest()
    assert again != first
