"""Races on real PostgreSQL with real threads: the on-sale rush must never oversell or duplicate.

Each test starts many buyers at once (a barrier releases them together), each
in its own thread with its own database connection.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from checkin import sync
from checkin.models import CheckInList
from core import statements
from events import dates as event_dates
from events.models import DateTicketType, Event, EventDate, TicketType
from sales import exceptions, pricing, purchase, stock
from sales.models import Hold, Order, Ticket, Voucher
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
    from checkin.models import CheckIn

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


# --- A series: stock per date -----------------------------------------------------------


def weekly_series(weeks: int = 8, capacity: int = 100, **event_fields) -> tuple[TicketType, list[EventDate]]:
    """An event on ``weeks`` weekly dates (all but the first made by ``add_dates``) with one
    ticket type of ``capacity`` per date."""
    event = make_event(**event_fields)
    ticket_type = make_ticket_type(event, capacity=capacity)
    first = event.dates.get()
    week = dt.timedelta(weeks=1)
    later = event_dates.add_dates(
        event,
        [
            event_dates.DateTimes(first.starts_at + n * week, first.ends_at + n * week)
            for n in range(1, weeks)
        ],
    )
    series = [first, *later]
    assert DateTicketType.objects.filter(ticket_type=ticket_type, capacity=capacity).count() == weeks
    return ticket_type, series


def load_date(date_id: int) -> EventDate:
    return EventDate.objects.select_related("event").get(pk=date_id)


def date_buyer(quantities: dict[int, int], codes: list[str], date_of: Callable[[int], EventDate]):
    """A buyer ``i`` of ``quantities`` on ``date_of(i)``; the codes of created orders go to ``codes``."""
    lock = threading.Lock()

    def attempt(i: int) -> str:
        date = date_of(i)
        details = pricing.BuyerDetails(
            name=f"Buyer {i}", email=f"buyer{i}@example.com", payment_method="demo"
        )
        try:
            placed = purchase.place_order(date, quantities, details, base_url="http://testserver/")
        except exceptions.OrderConflict as exc:
            return f"{date.pk} refused: {exc}"
        with lock:
            codes.append(placed.order.code)
        return f"{date.pk} ok"

    return attempt


def sold_on(date: EventDate) -> int:
    return Ticket.objects.filter(order__date=date, order__status__in=Order.HOLDING_STOCK).count()


def counters_of(date: EventDate) -> tuple[int, list[int]]:
    """The date's counter and its ticket types' counters there."""
    rows = DateTicketType.objects.filter(date=date).order_by("ticket_type_id")
    return allocated(date), list(rows.values_list("allocated", flat=True))


@pytest.mark.parametrize("override", ["date_capacity", "ticket_type_capacity_on_the_date"])
def test_200_buyers_race_for_a_series_date_of_50_while_another_date_sells(override):
    ticket_type, series = weekly_series()
    rushed, other, untouched = (
        series[3],
        series[5],
        [d for d in series if d.pk not in (series[3].pk, series[5].pk)],
    )
    if override == "date_capacity":
        EventDate.objects.filter(pk=rushed.pk).update(capacity=50)
    else:
        DateTicketType.objects.filter(date=rushed, ticket_type=ticket_type).update(capacity=50)
    codes: list[str] = []

    # Every sixth buyer buys on the other date: 200 on the rushed one, 40 on the other.
    results = race(
        240,
        date_buyer({ticket_type.pk: 1}, codes, lambda i: load_date(other.pk if i % 6 == 5 else rushed.pk)),
    )

    assert results[f"{rushed.pk} ok"] == 50
    assert results[f"{other.pk} ok"] == 40
    refusals = sum(n for outcome, n in results.items() if outcome.startswith(f"{rushed.pk} refused: Sorry,"))
    assert refusals == 150
    assert sum(results.values()) == 240
    assert sold_on(rushed) == 50
    assert counters_of(rushed) == (50, [50])
    assert sold_on(other) == 40
    assert counters_of(other) == (40, [40])
    for date in untouched:
        assert counters_of(date) == (0, [0])
        assert not Order.objects.filter(date=date).exists()
    # Every order a buyer was told about exists, once; none exists that no buyer was told about.
    assert len(codes) == len(set(codes)) == 90
    assert set(Order.objects.values_list("code", flat=True)) == set(codes)
    assert Order.objects.filter(date=rushed).count() == 50
    assert Order.objects.values("buyer_email").distinct().count() == 90


def test_holds_race_on_two_dates_at_once_and_each_date_keeps_its_own_stock():
    ticket_type, series = weekly_series(weeks=3)
    first, second, third = series
    DateTicketType.objects.filter(date=first, ticket_type=ticket_type).update(capacity=30)
    EventDate.objects.filter(pk=second.pk).update(capacity=20)

    def attempt(i: int) -> str:
        date = load_date((first, second)[i % 2].pk)
        try:
            stock.hold(date, {ticket_type.pk: 1})
        except stock.SoldOut:
            return f"{date.pk} sold out"
        return f"{date.pk} held"

    results = race(100, attempt)

    assert results == {
        f"{first.pk} held": 30,
        f"{first.pk} sold out": 20,
        f"{second.pk} held": 20,
        f"{second.pk} sold out": 30,
    }
    assert counters_of(first) == (30, [30])
    assert counters_of(second) == (20, [20])
    assert counters_of(third) == (0, [0])

    # The first date's holds expire: its next buyers get their stock back, the second's do not.
    Hold.objects.filter(date=first).update(expires_at=timezone.now())
    results = race(60, attempt)

    assert results == {f"{first.pk} held": 30, f"{second.pk} sold out": 30}
    assert Hold.objects.filter(date=first, status=Hold.Status.RELEASED).count() == 30
    assert Hold.objects.filter(date=first, status=Hold.Status.LIVE).count() == 30
    assert Hold.objects.filter(date=second, status=Hold.Status.LIVE).count() == 20
    assert counters_of(first) == (30, [30])
    assert counters_of(second) == (20, [20])


@pytest.mark.parametrize("writer", ["statement", "orm"])
def test_no_order_is_written_on_a_date_after_its_cancellation_commits(monkeypatch, writer):
    if writer == "orm":
        monkeypatch.setattr(statements, "available", lambda: False)
    ticket_type, series = weekly_series(weeks=2, capacity=1000)
    date, next_week = series
    # Every buyer read the date while it was on sale: only the claim can stop them.
    read_before = [load_date(date.pk) for _ in range(200)]
    seen_by_cancel: list[int] = []
    failures: list[BaseException] = []

    def cancel_once_sales_run() -> None:
        try:
            deadline = time.monotonic() + 60
            while Order.objects.filter(date=date).count() < 15:
                assert time.monotonic() < deadline, "the buyers never started"
                time.sleep(0.002)
            with transaction.atomic():
                EventDate.objects.filter(pk=date.pk).update(status=EventDate.Status.CANCELLED)
                # This transaction holds the date's row now: every purchase that took its
                # stock before has committed, every later one waits for this COMMIT.
                seen_by_cancel.extend(Order.objects.filter(date=date).values_list("pk", flat=True))
        except BaseException as exc:  # reported by the test's thread
            failures.append(exc)
        finally:
            connection.close()

    canceller = threading.Thread(target=cancel_once_sales_run)
    canceller.start()
    codes: list[str] = []
    results = race(200, date_buyer({ticket_type.pk: 1}, codes, lambda i: read_before[i]))
    canceller.join()

    assert not failures
    orders = set(Order.objects.filter(date=date).values_list("pk", flat=True))
    assert orders == set(seen_by_cancel)
    refused = results[f"{date.pk} refused: This date has been cancelled; tickets are no longer sold."]
    assert results[f"{date.pk} ok"] == len(orders) == len(codes)
    assert results[f"{date.pk} ok"] + refused == 200
    assert len(orders) >= 15
    assert refused > 0  # the race went on past the cancellation
    assert counters_of(date) == (len(orders), [len(orders)])
    assert sold_on(date) == len(orders)
    assert counters_of(next_week) == (0, [0])


def paid_ticket_at_a_synced_door(slug: str) -> tuple[Ticket, CheckInList]:
    """A paid ticket of a new event and its check-in list, as a device holds it after a sync
    (the ticket's door key is known)."""
    event = make_event(slug=slug)
    ticket_type = make_ticket_type(event, capacity=10)
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    order = purchase.place_order(
        only_date(event), {ticket_type.pk: 1}, details, base_url="http://testserver/"
    ).order
    door = CheckInList.objects.create(event=event, name="Door")
    sync.snapshot(door)
    return order.tickets.get(), door


def test_devices_uploading_one_tickets_offline_entries_at_once_keep_one_admission():
    """Twelve devices upload an offline entry of the same ticket while eight scan it online,
    all at once: one admission, every offline entry kept (the others flagged), each upload
    answered once and a second round of the same uploads changes nothing."""
    import uuid

    from checkin import devices, offline
    from checkin import services as checkin
    from checkin.door_keys import door_key
    from checkin.models import CheckIn

    ticket, door = paid_ticket_at_a_synced_door("offline-rush")
    event = door.event
    phones = [
        devices.create_device(event, name=f"Phone {n}", gate=f"G{n}", lists=None, actor=None)[0]
        for n in range(12)
    ]
    start = timezone.now() - dt.timedelta(minutes=30)
    scans = [
        offline.OfflineScan(
            uuid.uuid4(), door_key(ticket.secret), door.pk, "entry", start + dt.timedelta(seconds=n)
        )
        for n in range(12)
    ]

    def attempt(i: int) -> str:
        if i < 12:
            return offline.apply_batch(phones[i], [scans[i]])[0]["result"]
        check_in_list = CheckInList.objects.select_related("event__organizer").get(pk=door.pk)
        return "online " + checkin.scan(check_in_list, secret=ticket.secret).outcome

    results = race(20, attempt)

    assert CheckIn.objects.admissions().filter(ticket=ticket).count() == 1
    offline_rows = CheckIn.objects.filter(ticket=ticket, offline=True)
    assert offline_rows.count() == 12
    assert results["online admitted"] + results["online already_checked_in"] == 8
    assert results["accepted"] + results["conflict"] == 12
    again = race(12, lambda i: offline.apply_batch(phones[i], [scans[i]])[0]["result"])
    assert again == {"duplicate": 12}
    assert CheckIn.objects.filter(ticket=ticket).count() == 12 + results["online admitted"]


def test_an_upload_waiting_on_an_online_admission_lets_it_commit():
    """An online admission not yet committed, and a device's upload of an offline entry of
    the same ticket waiting for it: the admission commits (its foreign key check does not
    wait for the upload's lock on the ticket) and the upload's entry is the double."""
    import uuid

    from checkin import devices, offline
    from checkin import services as checkin
    from checkin.door_keys import door_key
    from checkin.models import CheckIn
    from tests.support.races import run_together

    ticket, door = paid_ticket_at_a_synced_door("door-locks")
    event = door.event
    phone = devices.create_device(event, name="Phone", gate="Side", lists=None, actor=None)[0]
    scan = offline.OfflineScan(
        uuid.uuid4(), door_key(ticket.secret), door.pk, "entry", timezone.now() - dt.timedelta(minutes=5)
    )
    admitted = threading.Event()
    answers: dict[str, object] = {}

    def upload_waits() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # read afresh in this transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0] > 0

    def online() -> None:
        with transaction.atomic():
            check_in_list = CheckInList.objects.select_related("event__organizer").get(pk=door.pk)
            answers["online"] = checkin.scan(check_in_list, secret=ticket.secret).outcome
            admitted.set()
            deadline = time.monotonic() + 10
            while not upload_waits() and time.monotonic() < deadline:
                time.sleep(0.05)
            answers["upload waited"] = upload_waits()

    def upload() -> None:
        assert admitted.wait(10)
        answers["upload"] = offline.apply_batch(phone, [scan])[0]

    run_together(online, upload)

    assert answers["online"] == "admitted"
    assert answers["upload waited"]
    assert answers["upload"] == {"nonce": str(scan.nonce), "result": "conflict", "reason": "double_admission"}
    assert CheckIn.objects.admissions().filter(ticket=ticket, offline=False).count() == 1
    assert (
        CheckIn.objects.filter(ticket=ticket, offline=True, flag=CheckIn.Flag.DOUBLE_ADMISSION).count() == 1
    )
