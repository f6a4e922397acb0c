"""Cancelling and moving one date of a series (sales.date_changes): only that date's buyers are
refunded, cancelled and emailed; the other dates' orders, tickets, check-ins and stock stay."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from accounts.models import Membership
from backoffice import reports
from checkin import services as checkin
from checkin.models import CheckIn, CheckInList
from core.models import OutboxMessage
from events.models import DateTicketType, EventDate
from sales import date_changes, exceptions, order_actions, quotas
from sales.models import AuditEntry, Hold, Order, Refund, Ticket
from tests.factories import (
    allocated,
    make_date,
    make_event,
    make_member,
    make_organizer,
    make_ticket_type,
    only_date,
)
from tests.support.dates import FIRST, buy, delivered_mail, harbour_jazz, hold
from tests.support.races import run_together

pytestmark = pytest.mark.django_db

BASE_URL = "http://testserver/"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


# The buyers of A's orders that are still open (ed's was cancelled), whom changes to A concern.
A_BUYERS = ["ana@example.com", "bob@example.com", "cora@example.com", "dan@example.com"]


@pytest.fixture
def series():
    """Two dates (A, B) of one event with orders of every kind on each, and a check-in on B."""
    gig = harbour_jazz()
    event, standard, a, b, manager = gig["event"], gig["standard"], gig["a"], gig["b"], gig["manager"]
    guest = make_ticket_type(event, name="Guest list", price=Decimal("0.00"), capacity=10)

    on_a = {
        "paid": buy(a, {standard.pk: 2}, email="ana@example.com"),
        "partly_refunded": buy(a, {standard.pk: 2}, email="bob@example.com"),
        "pending": buy(a, {standard.pk: 1}, method="offline", email="cora@example.com"),
        "free": buy(a, {guest.pk: 1}, email="dan@example.com"),
        "cancelled": buy(a, {standard.pk: 1}, email="ed@example.com"),
    }
    first_ticket = on_a["partly_refunded"].tickets.order_by("pk")[0]
    order_actions.refund(
        on_a["partly_refunded"], order_actions.Actor(user=manager), tickets=[first_ticket.pk]
    )
    order_actions.cancel(on_a["cancelled"], order_actions.Actor(user=manager))
    a_hold = hold(a, {standard.pk: 3})

    on_b = {
        "paid": buy(b, {standard.pk: 2}, email="eve@example.com"),
        "pending": buy(b, {standard.pk: 1}, method="offline", email="fay@example.com"),
    }
    b_hold = hold(b, {standard.pk: 1})
    door = CheckInList.objects.create(event=event, name="Door")
    b_ticket = on_b["paid"].tickets.order_by("pk")[0]
    assert checkin.scan(door, secret=b_ticket.secret).outcome == "admitted"
    delivered_mail()  # the order confirmations, out of the way
    return {
        **gig,
        "guest": guest,
        "on_a": on_a,
        "on_b": on_b,
        "a_hold": a_hold,
        "b_hold": b_hold,
        "door": door,
        "b_ticket": b_ticket,
    }


def state_of(date: EventDate) -> dict:
    """Everything about a date that cancelling another date must leave alone."""
    return {
        "date": EventDate.objects.values("status", "allocated", "capacity").get(pk=date.pk),
        "stock": sorted(DateTicketType.objects.filter(date=date).values_list("ticket_type_id", "allocated")),
        "orders": sorted(Order.objects.filter(date=date).values_list("code", "status", "refunded_amount")),
        "tickets": sorted(Ticket.objects.filter(order__date=date).values_list("pk", "voided_at")),
        "holds": sorted(Hold.objects.filter(date=date).values_list("pk", "status")),
        "check_ins": sorted(
            CheckIn.objects.filter(ticket__order__date=date).values_list("pk", "reverted_at")
        ),
    }


def cancel(series, **kwargs) -> date_changes.DateCancellation:
    return date_changes.cancel_date(series["a"], by=series["manager"], base_url=BASE_URL, **kwargs)


def test_cancelling_a_date_refunds_cancels_releases_and_emails_only_that_dates_buyers(series):
    on_a = series["on_a"]
    b_before = state_of(series["b"])

    result = cancel(series, reason="The band is ill.")

    assert result.newly_cancelled
    assert (result.orders_refunded, result.orders_cancelled, result.emails_queued) == (3, 1, 4)
    assert result.tickets_released == 3
    assert result.refunds_failed == []
    # The date is off sale and its stock is all back.
    a = EventDate.objects.get(pk=series["a"].pk)
    assert a.status == EventDate.Status.CANCELLED
    assert allocated(a) == 0
    assert set(DateTicketType.objects.filter(date=a).values_list("allocated", flat=True)) == {0}
    assert Hold.objects.get(pk=series["a_hold"].pk).status == Hold.Status.RELEASED
    # Paid orders are refunded in full, through the provider, every ticket void.
    statuses = {name: Order.objects.get(pk=order.pk).status for name, order in on_a.items()}
    assert statuses == {
        "paid": "refunded",
        "partly_refunded": "refunded",
        "pending": "cancelled",
        "free": "refunded",
        "cancelled": "cancelled",
    }
    assert Order.objects.get(pk=on_a["paid"].pk).refunded_amount == Decimal("40.00")
    last_refund = Refund.objects.filter(order=on_a["partly_refunded"]).latest("created_at")
    assert last_refund.amount == Decimal("20.00")
    assert last_refund.reference.startswith("demo_refund_")
    assert last_refund.reason == "Date cancelled: The band is ill."
    assert not Ticket.objects.filter(order__date=a, voided_at__isnull=True, order__status="paid").exists()
    # One audit entry per affected order, none for the order cancelled before.
    entries = AuditEntry.objects.filter(action="date_cancelled")
    assert sorted(e.order.buyer_email for e in entries) == A_BUYERS
    assert entries.get(order=on_a["paid"]).detail["amount"] == "40.00"
    assert entries.get(order=on_a["paid"]).actor_label == "olga@example.com"
    # Emails: one per affected order of this date, none to the other date's buyers.
    sent = delivered_mail()
    assert sorted(m.to[0] for m in sent) == A_BUYERS
    by_buyer = {m.to[0]: m for m in sent}
    ana = by_buyer["ana@example.com"]
    assert ana.subject == "Cancelled: Harbour Jazz on Friday, October 3, 2031"
    assert "on Friday, October 3, 2031, 7:30\u202fPM CEST is cancelled" in ana.body
    assert "The band is ill." in ana.body
    assert "We have refunded €40.00" in ana.body
    assert ana.reply_to == ["hello@acme.example"]
    assert "We have refunded €20.00" in by_buyer["bob@example.com"].body
    assert "Please do not pay for it" in by_buyer["cora@example.com"].body
    assert "there is nothing to refund" in by_buyer["dan@example.com"].body
    assert isinstance(ana, EmailMultiAlternatives)
    assert "is cancelled" in str(ana.alternatives[0][0])
    # The other date: untouched in every way.
    assert state_of(series["b"]) == b_before


def test_the_door_the_dashboard_and_the_counts_agree_after_a_date_is_cancelled(series):
    cancel(series)
    event, door = series["event"], series["door"]
    # The door refuses the cancelled date's tickets and still knows the other date's.
    a_ticket = series["on_a"]["paid"].tickets.order_by("pk")[0]
    refused = checkin.scan(door, secret=a_ticket.secret)
    assert refused.outcome == "refused"
    assert "Void" in refused.message
    assert checkin.scan(door, secret=series["b_ticket"].secret).outcome == "already_checked_in"
    other_b = series["on_b"]["paid"].tickets.exclude(pk=series["b_ticket"].pk).get()
    assert checkin.scan(door, secret=other_b.secret).outcome == "admitted"
    # The dashboard counts the other date's sales only (2 paid, 1 pending there).
    figures = reports.dashboard(event)
    standard = next(t for t in figures.ticket_types if t.id == series["standard"].pk)
    assert standard.sold == 3
    assert quotas.sold_counts(event, series["a"]) == {}
    assert quotas.sold_per_date(event) == {series["b"].pk: 3}
    assert figures.check_in.expected == 2  # the paid order's two tickets on the other date
    assert figures.check_in.checked_in == 2


def test_cancelling_twice_does_nothing_more(series):
    cancel(series)
    delivered_mail()
    refunds, entries, messages = (
        Refund.objects.count(),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
    )

    again = cancel(series)

    assert again == date_changes.DateCancellation(newly_cancelled=False)
    assert (Refund.objects.count(), AuditEntry.objects.count(), OutboxMessage.objects.count()) == (
        refunds,
        entries,
        messages,
    )


def test_a_purchase_after_the_cancellation_finds_the_date_off_sale(series):
    cancel(series)
    a = EventDate.objects.get(pk=series["a"].pk)
    a.event = series["event"]
    with pytest.raises(exceptions.OrderConflict, match="This date has been cancelled"):
        buy(a, {series["standard"].pk: 1})
    # The other date still sells.
    assert buy(series["b"], {series["standard"].pk: 1}).status == Order.Status.PAID


def test_a_refund_that_fails_leaves_its_order_paid_and_is_retried_by_cancelling_again(series):
    # A payment method this installation no longer has: its refund cannot be made.
    paid = series["on_a"]["paid"]
    Order.objects.filter(pk=paid.pk).update(payment_method="retired")

    first = cancel(series)

    assert first.refunds_failed == [paid.code]
    assert first.orders_refunded == 2
    assert Order.objects.get(pk=paid.pk).status == Order.Status.PAID
    # Recorded before the provider was asked, and kept as failed with the error.
    failed = Refund.objects.get(order=paid)
    assert failed.status == Refund.Status.FAILED
    assert "retired" in failed.error
    assert Ticket.objects.filter(order=paid, voided_at__isnull=True).count() == 2
    assert "ana@example.com" not in [m.to[0] for m in delivered_mail()]

    Order.objects.filter(pk=paid.pk).update(payment_method="demo")
    second = cancel(series)

    assert (second.newly_cancelled, second.orders_refunded, second.refunds_failed) == (False, 1, [])
    assert Order.objects.get(pk=paid.pk).status == Order.Status.REFUNDED
    # The failed refund was retried (not a second refund beside it).
    assert list(Refund.objects.filter(order=paid).values_list("status", flat=True)) == ["succeeded"]
    assert [m.to[0] for m in delivered_mail()].count("ana@example.com") == 1


# --- Moving a date ---------------------------------------------------------------------------


def move(series, starts_at: dt.datetime, hours: int = 3, admission_at: dt.datetime | None = None):
    return date_changes.move_date(
        series["a"],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        admission_at=admission_at,
        by=series["manager"],
        base_url=BASE_URL,
    )


def test_moving_a_date_emails_its_pending_and_paid_buyers_the_new_time(series):
    event = series["event"]
    new_start = dt.datetime(2031, 10, 17, 18, 0, tzinfo=dt.UTC)  # 20:00 in Prague

    moved = move(series, new_start, admission_at=new_start - dt.timedelta(minutes=30))

    assert moved == date_changes.DateMove(changed=True, emails_queued=4)
    a = EventDate.objects.get(pk=series["a"].pk)
    assert a.starts_at == new_start
    event.refresh_from_db()
    assert event.starts_at == EventDate.objects.filter(event=event).order_by("starts_at")[0].starts_at
    sent = delivered_mail()
    assert sorted(m.to[0] for m in sent) == A_BUYERS
    ana = next(m for m in sent if m.to[0] == "ana@example.com")
    # A subject is one line of plain spaces (core.text.single_line).
    assert ana.subject == "New time: Harbour Jazz is now on Friday, October 17, 2031, 8:00 PM CEST"
    assert "Before: Friday, October 3, 2031, 7:30\u202fPM CEST" in ana.body
    assert "Now: Friday, October 17, 2031, 8:00\u202fPM CEST to 11:00\u202fPM" in ana.body
    assert "Doors open 7:30\u202fPM" in ana.body
    assert AuditEntry.objects.filter(action="date_moved").count() == 4


def test_moving_a_date_to_the_same_times_emails_nobody(series):
    a = series["a"]
    moved = date_changes.move_date(
        a, starts_at=a.starts_at, ends_at=a.ends_at, admission_at=None, by=None, base_url=BASE_URL
    )
    assert moved == date_changes.DateMove(changed=False)
    assert delivered_mail() == []


def test_a_date_is_not_moved_backwards_nor_once_cancelled(series):
    start = dt.datetime(2031, 10, 17, 18, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="cannot end before"):
        move(series, start, hours=-1)
    with pytest.raises(ValidationError, match="Doors cannot open after"):
        move(series, start, admission_at=start + dt.timedelta(minutes=5))
    cancel(series)
    delivered_mail()
    with pytest.raises(ValidationError, match="cancelled"):
        move(series, start)
    assert delivered_mail() == []


def post_event(client: Client, event, **changes) -> int:
    data = {
        "title": event.title,
        "slug": event.slug,
        "description": "",
        "venue_name": "Town Hall",
        "venue_address": "",
        "is_online": False,
        "timezone": "Europe/Prague",
        "currency": "EUR",
        "capacity": "",
        **changes,
    }
    response = client.post(
        f"/manage/{event.organizer.slug}/events/{event.slug}/",
        json.dumps(data),
        content_type="application/json",
        headers={"X-Inertia": "true"},
    )
    return response.status_code


def test_editing_a_single_date_events_times_in_the_editor_emails_its_buyers():
    organizer = make_organizer(slug="solo")
    event = make_event(organizer=organizer, slug="solo-gig", title="Solo Night", starts_at=FIRST)
    standard = make_ticket_type(event, price=Decimal("15.00"))
    date = only_date(event)
    EventDate.objects.filter(pk=date.pk).update(admission_at=FIRST - dt.timedelta(minutes=30))
    buy(date, {standard.pk: 1}, email="ana@example.com")
    delivered_mail()
    client = Client()
    client.force_login(make_member(organizer, role=Membership.Role.MANAGER))

    # Same times: nobody is emailed.
    assert post_event(client, event, starts_at="2031-10-03T19:30", ends_at="2031-10-03T22:30") == 302
    assert delivered_mail() == []

    assert post_event(client, event, starts_at="2031-10-04T20:00", ends_at="2031-10-04T23:00") == 302

    date.refresh_from_db()
    assert date.starts_at == dt.datetime(2031, 10, 4, 18, 0, tzinfo=dt.UTC)
    # The doors keep opening half an hour before.
    assert date.admission_at == dt.datetime(2031, 10, 4, 17, 30, tzinfo=dt.UTC)
    (moved,) = delivered_mail()
    assert moved.to == ["ana@example.com"]
    assert "Now: Saturday, October 4, 2031, 8:00\u202fPM CEST" in moved.body


def test_saving_a_series_in_the_editor_leaves_its_dates_and_buyers_alone(series):
    client = Client()
    client.force_login(series["manager"])
    before = sorted(EventDate.objects.filter(event=series["event"]).values_list("pk", "starts_at", "ends_at"))

    assert (
        post_event(client, series["event"], title="Harbour Jazz Nights", starts_at="2040-01-01T10:00") == 302
    )

    after = sorted(EventDate.objects.filter(event=series["event"]).values_list("pk", "starts_at", "ends_at"))
    assert after == before
    assert delivered_mail() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_order_outlives_a_cancellation_that_races_purchases(settings):
    """Buyers racing the cancellation either bought before it (and are refunded and emailed)
    or find the date off sale; none keeps a ticket for the cancelled date."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    event = make_event(starts_at=FIRST)
    standard = make_ticket_type(event, price=Decimal("10.00"), capacity=500)
    a = only_date(event)
    b = make_date(event)
    manager = make_member(event.organizer, role=Membership.Role.MANAGER)
    outcomes: list[str] = []

    def buyer(i: int) -> None:
        for n in range(3):
            try:
                buy(a, {standard.pk: 1}, email=f"b{i}-{n}@example.com")
                outcomes.append("bought")
            except exceptions.OrderConflict:
                outcomes.append("off sale")

    def organizer() -> None:
        date_changes.cancel_date(a, by=manager, base_url=BASE_URL)
        outcomes.append("cancelled")

    run_together(*(partial(buyer, i) for i in range(16)), organizer)

    assert outcomes.count("cancelled") == 1
    assert len(outcomes) == 16 * 3 + 1
    # A purchase that took stock before the status changed held the date's row until it
    # committed, so the cancellation found its order; every later one found the date off sale.
    assert not Order.objects.filter(date=a, status__in=Order.HOLDING_STOCK).exists()
    assert EventDate.objects.get(pk=a.pk).allocated == 0
    bought = outcomes.count("bought")
    assert Order.objects.filter(date=a, status=Order.Status.REFUNDED).count() == bought
    assert AuditEntry.objects.filter(action="date_cancelled").count() == bought
    assert OutboxMessage.objects.filter(kind="date_cancelled").count() == bought
    assert EventDate.objects.get(pk=b.pk).status == EventDate.Status.ON_SALE
