"""Cancelling a whole event (sales.event_cancellation): every order on every date settled in
batches through the outbox, every buyer emailed once, every ticket refused at the door, the
counts at zero; resumable without refunding twice; its back-office pages and organizer API."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.test import Client

from accounts import tokens
from accounts.models import Membership
from backoffice import reports
from checkin.models import CheckInList
from core import outbox
from core.models import OutboxMessage
from events import services as event_services
from events.models import DateTicketType, Event, EventDate
from sales import event_cancellation, exceptions, order_actions, quotas
from sales.models import AuditEntry, EventCancellation, Hold, Order, Refund, Ticket
from tests.factories import make_event, make_member, make_ticket_type, only_date
from tests.support.api import call
from tests.support.dates import FIRST, buy, delivered_mail, harbour_jazz, hold
from tests.support.races import run_together

pytestmark = pytest.mark.django_db

BASE_URL = "http://testserver/"
INERTIA = {"X-Inertia": "true"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


@pytest.fixture
def gig():
    """Harbour Jazz on two dates with paid (card), partly refunded, pending, bank-transfer paid
    and free orders on A, a paid and a pending one on B, a cart on A; the confirmations sent."""
    gig = harbour_jazz()
    event, standard, a, b, manager = gig["event"], gig["standard"], gig["a"], gig["b"], gig["manager"]
    guest = make_ticket_type(event, name="Guest list", price=Decimal("0.00"), capacity=10)
    actor = order_actions.Actor(user=manager)
    orders = {
        "paid": buy(a, {standard.pk: 2}, email="ana@example.com"),
        "partly_refunded": buy(a, {standard.pk: 2}, email="bob@example.com"),
        "pending": buy(a, {standard.pk: 1}, method="offline", email="cora@example.com"),
        "bank": buy(a, {standard.pk: 1}, method="offline", email="dan@example.com"),
        "free": buy(a, {guest.pk: 1}, email="eli@example.com"),
        "paid_b": buy(b, {standard.pk: 3}, email="fay@example.com"),
        "pending_b": buy(b, {standard.pk: 1}, method="offline", email="gus@example.com"),
    }
    first = orders["partly_refunded"].tickets.order_by("pk")[0]
    order_actions.refund(orders["partly_refunded"], actor, tickets=[first.pk])
    order_actions.mark_paid(orders["bank"], actor, base_url=BASE_URL)
    cart = hold(a, {standard.pk: 3})
    CheckInList.objects.create(event=event, name="Door")
    delivered_mail()
    return {**gig, "guest": guest, "orders": orders, "cart": cart}


def cancel(gig, reason: str = "The harbour is flooded.", by=None) -> EventCancellation:
    return event_cancellation.cancel_event(
        gig["event"], by=by or gig["manager"], base_url=BASE_URL, reason=reason
    )


def run_outbox() -> None:
    """Deliver every pending message, the batches each batch queues included."""
    while outbox.deliver_pending():
        pass


def batch_messages(pending: bool = True) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(kind=event_cancellation.SETTLE_BATCH, sent_at__isnull=pending).order_by(
            "pk"
        )
    )


def assert_fully_settled(gig) -> None:
    """Every order settled once: the door refuses every ticket, the counts are zero."""
    event = gig["event"]
    orders = {name: Order.objects.get(pk=o.pk) for name, o in gig["orders"].items()}
    assert {name: o.status for name, o in orders.items()} == {
        "paid": "refunded",
        "partly_refunded": "refunded",
        "pending": "cancelled",
        "bank": "refunded",
        "free": "refunded",
        "paid_b": "refunded",
        "pending_b": "cancelled",
    }
    # Refunded in full, and never twice: the refunds of each order add up to its total.
    for name in ("paid", "partly_refunded", "bank", "paid_b"):
        order = orders[name]
        assert order.refunded_amount == order.total
        assert sum(r.amount for r in Refund.objects.filter(order=order)) == order.total
    assert Refund.objects.filter(order=orders["partly_refunded"]).count() == 2
    assert not Refund.objects.filter(order=orders["free"]).exists()
    # Sold counts, the dashboard and the stock counters agree: nothing is sold any more.
    assert quotas.sold_counts(event) == {}
    assert quotas.sold_per_date(event) == {}
    figures = reports.dashboard(event)
    assert {t.sold for t in figures.ticket_types} == {0}
    assert figures.check_in.expected == 0
    assert {r.net for r in figures.revenue} <= {Decimal("0.00")}
    assert set(EventDate.objects.filter(event=event).values_list("allocated", flat=True)) == {0}
    assert set(DateTicketType.objects.filter(date__event=event).values_list("allocated", flat=True)) == {0}
    assert set(EventDate.objects.filter(event=event).values_list("status", flat=True)) == {"cancelled"}
    assert Hold.objects.get(pk=gig["cart"].pk).status == Hold.Status.RELEASED


def scan_all(gig) -> set[str]:
    """Every ticket of the event through POST /api/v1/checkin with a door-staff token."""
    _, raw = tokens.create_token(
        organizer=gig["event"].organizer, name="Door app", role="door_staff", created_by=None
    )
    outcomes = set()
    for ticket in Ticket.objects.filter(order__event=gig["event"]):
        response = call("post", "/api/v1/checkin", raw, {"secret": ticket.secret})
        assert response.status_code == 200
        outcomes.add(response.json()["outcome"])
    return outcomes


def test_what_cancelling_will_do(gig):
    impact = event_cancellation.impact(gig["event"])
    assert impact == event_cancellation.Impact(
        dates=2,
        orders=7,
        buyers=7,
        pending=2,
        refunds_automatic=3,  # paid, partly refunded (by card, "demo") and paid on B
        refunds_manual=1,  # the bank transfer
        free=1,
        amount_automatic=Decimal("40.00") + Decimal("20.00") + Decimal("60.00"),
        amount_manual=Decimal("20.00"),
        tickets=2 + 1 + 1 + 1 + 1 + 3 + 1,
        held=3,
    )


def test_cancelling_an_event_settles_every_order_on_every_date(gig):
    assert "admitted" in scan_all(gig)  # before: the door lets the paid ones in

    cancellation = cancel(gig)

    # At once: the event and its dates are off sale, the carts released, the record made.
    assert cancellation.status == EventCancellation.Status.RUNNING
    assert (cancellation.orders_total, cancellation.orders_settled) == (7, 0)
    assert cancellation.reason == "The harbour is flooded."
    assert cancellation.created_by == gig["manager"]
    assert Event.objects.get(pk=gig["event"].pk).status == Event.Status.CANCELLED
    assert Hold.objects.get(pk=gig["cart"].pk).status == Hold.Status.RELEASED
    with pytest.raises(exceptions.OrderConflict):
        buy(EventDate.objects.select_related("event").get(pk=gig["b"].pk), {gig["standard"].pk: 1})

    run_outbox()

    cancellation.refresh_from_db()
    assert cancellation.status == EventCancellation.Status.DONE
    assert cancellation.finished_at is not None
    counts = (cancellation.orders_settled, cancellation.manual_refunds, cancellation.refunds_failed)
    assert counts == (7, 1, 0)
    assert_fully_settled(gig)
    assert scan_all(gig) == {"refused"}
    # One audit entry per order, and one email per buyer saying the event is cancelled.
    entries = AuditEntry.objects.filter(action="event_cancelled")
    assert entries.count() == 7
    assert entries.get(order=gig["orders"]["bank"]).detail["refund"] == "manual"
    assert entries.get(order=gig["orders"]["paid"]).detail["refund"] == "automatic"
    sent = delivered_mail()
    by_buyer = {m.to[0]: m for m in sent}
    assert len(sent) == 7
    assert sorted(by_buyer) == sorted(o.buyer_email for o in gig["orders"].values())
    ana = by_buyer["ana@example.com"]
    assert ana.subject == "Event cancelled: Harbour Jazz"
    assert "Harbour Jazz is cancelled" in ana.body
    assert "called off the whole event" in ana.body
    assert "The harbour is flooded." in ana.body
    assert "We have refunded €40.00" in ana.body
    assert "We have refunded €20.00" in by_buyer["bob@example.com"].body
    assert "will pay back €20.00" in by_buyer["dan@example.com"].body
    assert "Please do not pay for it" in by_buyer["cora@example.com"].body
    assert "We have refunded €60.00" in by_buyer["fay@example.com"].body
    # The progress lists the bank transfer to pay back by hand.
    progress = event_cancellation.progress(gig["event"])
    assert progress is not None
    assert [(m.code, m.amount) for m in progress.manual] == [(gig["orders"]["bank"].code, Decimal("20.00"))]
    assert progress.failed == []


def test_interrupted_after_one_batch_then_resumed_ends_the_same_and_refunds_nothing_twice(gig, monkeypatch):
    monkeypatch.setattr(event_cancellation, "BATCH_SIZE", 3)
    cancellation = cancel(gig)
    (first,) = batch_messages()

    # One batch, then the process stops before the next one is delivered.
    assert outbox.deliver(first.pk)
    cancellation.refresh_from_db()
    assert cancellation.orders_settled == 3
    assert cancellation.status == EventCancellation.Status.RUNNING
    (stranded,) = batch_messages()
    assert stranded.payload["after"] > 0

    # Delivering that batch again goes on with the orders still open (the next three),
    # and settles none of the first three twice.
    OutboxMessage.objects.filter(pk=first.pk).update(sent_at=None)
    assert outbox.deliver(first.pk)
    assert EventCancellation.objects.get(pk=cancellation.pk).orders_settled == 6
    assert AuditEntry.objects.filter(action="event_cancelled").count() == 6

    # Resumed: a new pass; the stranded batch of the old pass does nothing.
    resumed = cancel(gig, reason="ignored: the buyers were told the first reason")
    assert resumed.pk == cancellation.pk
    assert resumed.settling_pass == 2
    assert resumed.reason == "The harbour is flooded."
    assert resumed.orders_total == 7
    assert event_cancellation.settle_batch(cancellation.pk, 1, after=0, base_url=BASE_URL) == 0
    run_outbox()

    resumed.refresh_from_db()
    assert resumed.status == EventCancellation.Status.DONE
    assert resumed.orders_settled == 7
    assert_fully_settled(gig)
    assert AuditEntry.objects.filter(action="event_cancelled").count() == 7
    # Each buyer emailed once.
    recipients = sorted(m.to[0] for m in delivered_mail())
    assert recipients == sorted(o.buyer_email for o in gig["orders"].values())

    # Cancelling again once done: nothing more happens.
    again = cancel(gig)
    assert again.status == EventCancellation.Status.DONE
    run_outbox()
    assert OutboxMessage.objects.filter(kind="date_cancelled").count() == 7
    assert Refund.objects.filter(order__event=gig["event"]).count() == 5


def test_a_refund_the_provider_refuses_is_listed_and_retried(gig):
    paid = gig["orders"]["paid"]
    # A payment method this installation no longer has: its refund cannot be made.
    Order.objects.filter(pk=paid.pk).update(payment_method="retired")

    cancellation = cancel(gig)
    run_outbox()

    cancellation.refresh_from_db()
    assert cancellation.status == EventCancellation.Status.DONE
    assert (cancellation.orders_settled, cancellation.refunds_failed) == (6, 1)
    assert Order.objects.get(pk=paid.pk).status == Order.Status.PAID
    # Recorded before the provider was asked, and kept as failed (retried below).
    assert Refund.objects.get(order=paid).status == Refund.Status.FAILED
    progress = event_cancellation.progress(gig["event"])
    assert progress is not None
    (failed,) = progress.failed
    assert (failed.code, failed.amount) == (paid.code, Decimal("40.00"))
    assert "retired" in failed.error
    assert "ana@example.com" not in [m.to[0] for m in delivered_mail()]

    Order.objects.filter(pk=paid.pk).update(payment_method="demo")
    retried = cancel(gig)
    assert retried.status == EventCancellation.Status.RUNNING
    run_outbox()

    retried.refresh_from_db()
    assert (retried.status, retried.orders_settled, retried.refunds_failed) == ("done", 7, 0)
    assert Order.objects.get(pk=paid.pk).status == Order.Status.REFUNDED
    assert Refund.objects.get(order=paid).status == Refund.Status.SUCCEEDED  # the same refund, retried
    after = event_cancellation.progress(gig["event"])
    assert after is not None
    assert after.failed == []
    assert [m.to[0] for m in delivered_mail()] == ["ana@example.com"]


def test_an_event_without_orders_is_cancelled_at_once():
    event = make_event(starts_at=FIRST)
    make_ticket_type(event)
    manager = make_member(event.organizer, role=Membership.Role.MANAGER)

    cancellation = event_cancellation.cancel_event(event, by=manager, base_url=BASE_URL)

    assert (cancellation.status, cancellation.orders_total) == ("done", 0)
    assert Event.objects.get(pk=event.pk).status == Event.Status.CANCELLED
    assert only_date(event).status == EventDate.Status.CANCELLED
    assert not OutboxMessage.objects.exists()


def test_changing_the_status_no_longer_cancels():
    event = make_event(starts_at=FIRST)
    with pytest.raises(ValidationError, match="through its cancellation"):
        event_services.change_status(event, Event.Status.CANCELLED)
    assert Event.objects.get(pk=event.pk).status == event.status


def test_an_event_cancelled_before_it_had_a_record_is_settled_when_cancelled_again(gig):
    # Cancelled the old way (statuses only): its orders were left paid.
    Event.objects.filter(pk=gig["event"].pk).update(status=Event.Status.CANCELLED)
    cancellation = cancel(gig)
    assert cancellation.orders_total == 7
    run_outbox()
    assert_fully_settled(gig)


# --- The back office -------------------------------------------------------------------------


URL = "/manage/acme/events/gig"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_confirmation_page_says_what_will_happen(gig):
    response = client_for(gig["manager"]).get(f"{URL}/cancel/", headers=INERTIA)
    assert response.status_code == 200
    page = response.json()
    assert page["component"] == "Manage/EventCancel"
    assert page["props"]["impact"] == {
        "dates": 2,
        "orders": 7,
        "buyers": 7,
        "pending": 2,
        "refunds_automatic": 3,
        "refunds_manual": 1,
        "free": 1,
        "amount_automatic": "120.00",
        "amount_manual": "20.00",
        "tickets": 10,
        "held": 3,
    }
    assert Event.objects.get(pk=gig["event"].pk).status == Event.Status.PUBLISHED  # GET changes nothing


def test_confirming_cancels_and_shows_the_progress(gig):
    client = client_for(gig["manager"])
    response = client.post(
        f"{URL}/cancel/", json.dumps({"reason": "Storm."}), content_type="application/json", headers=INERTIA
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}/cancellation/"
    run_outbox()
    page = client.get(f"{URL}/cancellation/", headers=INERTIA).json()
    assert page["component"] == "Manage/EventCancellation"
    progress = page["props"]["progress"]
    assert (progress["status"], progress["orders_total"], progress["orders_settled"]) == ("done", 7, 7)
    assert progress["reason"] == "Storm."
    assert progress["cancelled_by"] == "olga@example.com"
    assert [m["code"] for m in progress["manual"]] == [gig["orders"]["bank"].code]
    assert progress["failed"] == []
    # The cancel page now leads to the progress; the editor's publish is refused.
    assert client.get(f"{URL}/cancel/")["Location"] == f"{URL}/cancellation/"
    assert client.post(f"{URL}/publish/", headers=INERTIA).status_code == 422


def test_the_progress_page_retries_failed_refunds(gig):
    paid = gig["orders"]["paid"]
    Order.objects.filter(pk=paid.pk).update(payment_method="retired")
    client = client_for(gig["manager"])
    client.post(f"{URL}/cancel/", {"reason": ""})
    run_outbox()
    progress = client.get(f"{URL}/cancellation/", headers=INERTIA).json()["props"]["progress"]
    assert [f["code"] for f in progress["failed"]] == [paid.code]
    Order.objects.filter(pk=paid.pk).update(payment_method="demo")

    assert client.post(f"{URL}/cancellation/retry/")["Location"] == f"{URL}/cancellation/"
    run_outbox()

    progress = client.get(f"{URL}/cancellation/", headers=INERTIA).json()["props"]["progress"]
    assert (progress["failed"], progress["orders_settled"]) == ([], 7)


def test_door_staff_may_not_cancel_nor_see_the_cancellation(gig):
    door = client_for(make_member(gig["event"].organizer, role=Membership.Role.DOOR_STAFF))
    assert door.get(f"{URL}/cancel/").status_code == 403
    assert door.post(f"{URL}/cancel/", {"reason": "x"}).status_code == 403
    assert door.get(f"{URL}/cancellation/").status_code == 403
    assert door.post(f"{URL}/cancellation/retry/").status_code == 403
    assert Event.objects.get(pk=gig["event"].pk).status == Event.Status.PUBLISHED
    # Before any cancellation the progress page leads to the confirmation.
    manager = client_for(gig["manager"])
    assert manager.get(f"{URL}/cancellation/")["Location"] == f"{URL}/cancel/"
    assert manager.post(f"{URL}/cancellation/retry/")["Location"] == f"{URL}/cancel/"


# --- The organizer API -----------------------------------------------------------------------


def api_token(gig, role: str = "manager") -> str:
    _, raw = tokens.create_token(organizer=gig["event"].organizer, name="Ops", role=role, created_by=None)
    return raw


def test_api_cancels_and_reports_progress(gig):
    token = api_token(gig)
    assert call("get", "/api/v1/manage/events/gig/cancellation", token).status_code == 404

    response = call("post", "/api/v1/manage/events/gig/cancel", token, {"reason": "Storm."})

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["orders_total"], body["reason"]) == ("running", 7, "Storm.")
    assert body["cancelled_by"] == "API token “Ops”"
    run_outbox()
    progress = call("get", "/api/v1/manage/events/gig/cancellation", token).json()
    assert (progress["status"], progress["orders_settled"], progress["manual_refunds"]) == ("done", 7, 1)
    assert progress["manual"][0]["amount"] == "20.00"
    assert AuditEntry.objects.filter(action="event_cancelled").latest("pk").actor_label == "API token “Ops”"
    assert_fully_settled(gig)


def test_api_cancelling_needs_a_manager_token(gig):
    door = api_token(gig, role="door_staff")
    assert call("post", "/api/v1/manage/events/gig/cancel", door, {"reason": "x"}).status_code == 403
    assert call("get", "/api/v1/manage/events/gig/cancellation", door).status_code == 403
    assert call("post", "/api/v1/manage/events/gig/cancel", None, {"reason": "x"}).status_code == 401
    assert call("post", "/api/v1/manage/events/nope/cancel", api_token(gig), {}).status_code == 404
    assert Event.objects.get(pk=gig["event"].pk).status == Event.Status.PUBLISHED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancellation_waits_for_a_purchase_holding_its_date_without_a_deadlock():
    """A purchase locks its date's row, then its new rows' foreign keys lock the event's
    row FOR KEY SHARE. A cancellation that has locked the event and waits for that date
    must let the purchase finish: the order is fixed here, not left to a race's luck."""
    gig = harbour_jazz()
    event, a = gig["event"], gig["a"]
    cancelling = threading.Event()
    raised: list[BaseException] = []

    def purchase() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                EventDate.objects.filter(pk=a.pk).update(allocated=F("allocated"))
                cancelling.set()
                for _ in range(200):  # until the cancellation waits for this date's row
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.02)
                else:
                    raise AssertionError("the cancellation never waited for the date")
                cursor.execute("SELECT 1 FROM events_event WHERE id = %s FOR KEY SHARE", [event.pk])
        except BaseException as error:
            raised.append(error)
        finally:
            connection.close()

    def organizer() -> None:
        try:
            cancelling.wait(timeout=10)
            event_cancellation.cancel_event(event, by=gig["manager"], base_url=BASE_URL)
        except BaseException as error:
            raised.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=purchase), threading.Thread(target=organizer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert raised == []
    assert Event.objects.get(pk=event.pk).status == Event.Status.CANCELLED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_order_outlives_an_event_cancellation_that_races_purchases(settings):
    """Buyers racing the cancellation on both dates either bought before it (and are refunded
    and emailed) or find their date off sale; none keeps a ticket."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OUTBOX_DELIVERY = "immediate"
    gig = harbour_jazz()
    a, b, standard = gig["a"], gig["b"], gig["standard"]
    outcomes: list[str] = []

    def buyer(i: int) -> None:
        for n in range(3):
            try:
                buy(a if (i + n) % 2 else b, {standard.pk: 1}, email=f"b{i}-{n}@example.com")
                outcomes.append("bought")
            except exceptions.OrderConflict:
                outcomes.append("off sale")

    def organizer() -> None:
        event_cancellation.cancel_event(gig["event"], by=gig["manager"], base_url=BASE_URL)
        outcomes.append("cancelled")

    run_together(*(partial(buyer, i) for i in range(12)), organizer)
    run_outbox()

    assert outcomes.count("cancelled") == 1
    bought = outcomes.count("bought")
    assert not Order.objects.filter(event=gig["event"], status__in=Order.HOLDING_STOCK).exists()
    assert Order.objects.filter(event=gig["event"], status=Order.Status.REFUNDED).count() == bought
    assert OutboxMessage.objects.filter(kind="date_cancelled").count() == bought
    assert set(EventDate.objects.filter(event=gig["event"]).values_list("allocated", flat=True)) == {0}
    cancellation = EventCancellation.objects.get(event=gig["event"])
    assert (cancellation.status, cancellation.orders_total, cancellation.orders_settled) == (
        "done",
        bought,
        bought,
    )
