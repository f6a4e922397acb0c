"""The gate (issue #18, must-show 2, at the service level): while an event's room is active,
holds and purchases need a valid admission, which the purchase or hold uses up in its own
write; a refused purchase leaves it unused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import statements
from events.models import Event, TicketType
from onsale import gate, services, tokens
from onsale.exceptions import AdmissionRequired
from onsale.models import QueueEntry
from sales import pricing, purchase, stock
from sales.exceptions import OrderInvalid
from sales.models import Hold, Order
from tests.factories import make_event, only_date
from tests.support.onsale import admitted, open_room_event

pytestmark = pytest.mark.django_db(transaction=True)

BUYER = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="offline")


def refusal(event: Event, token: str | None, browser_id: str | None) -> str:
    with pytest.raises(AdmissionRequired) as raised:
        gate.admission(event, token=token, browser_id=browser_id)
    assert "queue" in str(raised.value)
    return raised.value.reason


def ticket_type(event: Event) -> TicketType:
    return event.ticket_types.get()


def buy(event: Event, admission: gate.Admission, quantity: int = 1) -> Order:
    return purchase.place_order(
        only_date(event),
        {ticket_type(event).pk: quantity},
        BUYER,
        base_url="http://testserver/",
        extra_claims=admission.claims(),
    ).order


def entry_status(event: Event, browser_id: str) -> str:
    return QueueEntry.objects.get(room__event=event, browser_hash=tokens.browser_hash(browser_id)).status


def test_an_event_without_a_room_needs_no_admission_and_costs_no_query() -> None:
    event = make_event()
    gate.enabled_rooms()  # the per-process map, read at most every second
    with CaptureQueriesContext(connection) as queries:
        assert gate.admission(event, token=None, browser_id=None) is None
    assert len(queries) == 0


def test_a_room_not_yet_open_or_disabled_needs_no_admission() -> None:
    later = timezone.now() + dt.timedelta(hours=1)
    event, _room = open_room_event(queue_opens_at=later, sale_starts_at=later)
    assert gate.admission(event, token=None, browser_id=None) is None
    services.configure(event, actor=None, actor_label="test", queue_opens_at=timezone.now(), enabled=False)
    assert gate.admission(event, token=None, browser_id=None) is None
    services.configure(event, actor=None, actor_label="test", enabled=True)
    assert refusal(event, None, None) == "missing"


def test_every_bad_admission_is_refused_with_its_reason() -> None:
    event, room = open_room_event()
    other_event, _ = open_room_event()
    token = admitted(event, "browser-a")
    other_token = admitted(other_event, "browser-a")
    entry = QueueEntry.objects.get(room=room)
    assert entry.expires_at is not None

    assert refusal(event, None, "browser-a") == "missing"
    assert refusal(event, "", "browser-a") == "missing"
    head, payload, signature = token.split(".")
    tampered_signature = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert refusal(event, tampered_signature, "browser-a") == "invalid"
    # Another entry's claims under this token's signature.
    forged = tokens.issue(
        event_id=event.pk, entry_id=entry.pk + 1, browser_hash=entry.browser_hash, expires_at=entry.expires_at
    )
    assert refusal(event, f"{head}.{forged.split('.')[1]}.{signature}", "browser-a") == "invalid"
    assert refusal(event, "not.a.token", "browser-a") == "invalid"
    assert refusal(event, "x" * 5000, "browser-a") == "invalid"
    assert refusal(event, "\x00\ud800", "browser-a") == "invalid"
    assert refusal(event, other_token, "browser-a") == "invalid"
    expired = tokens.issue(
        event_id=event.pk,
        entry_id=entry.pk,
        browser_hash=entry.browser_hash,
        expires_at=timezone.now() - dt.timedelta(seconds=5),
    )
    assert refusal(event, expired, "browser-a") == "expired"
    assert refusal(event, token, "browser-b") == "other_browser"
    assert refusal(event, token, None) == "other_browser"

    admission = gate.admission(event, token=token, browser_id="browser-a")
    assert admission is not None
    assert admission.entry_id == entry.pk
    assert admission.hold_minutes == room.session_minutes
    buy(event, admission)
    assert entry_status(event, "browser-a") == "used"
    assert refusal(event, token, "browser-a") == "used"
    # A second purchase with the Admission read before the first used it: its claim refuses.
    with pytest.raises(AdmissionRequired) as raised:
        buy(event, admission)
    assert raised.value.reason == "used"
    assert Order.objects.filter(event=event).count() == 1


def test_a_turn_that_ended_is_refused_as_expired() -> None:
    event, _room = open_room_event(session_minutes=1)
    token = admitted(event, "browser-a")
    assert gate.admission(event, token=token, browser_id="browser-a") is not None
    services.tick(event.pk, now=timezone.now() + dt.timedelta(minutes=2))
    assert entry_status(event, "browser-a") == "expired"
    assert refusal(event, token, "browser-a") == "expired"


def test_a_hold_uses_the_admission_once_with_the_rooms_hold_time() -> None:
    event, _room = open_room_event(session_minutes=7)
    token = admitted(event, "browser-a")
    admission = gate.admission(event, token=token, browser_id="browser-a")
    assert admission is not None
    date = only_date(event)
    hold = purchase.start_checkout(
        date, {ticket_type(event).pk: 2}, minutes=admission.hold_minutes, extra_claims=admission.claims()
    )
    assert (hold.expires_at - hold.created_at).total_seconds() == pytest.approx(7 * 60, abs=5)
    assert entry_status(event, "browser-a") == "used"
    with pytest.raises(AdmissionRequired):
        purchase.start_checkout(date, {ticket_type(event).pk: 1}, extra_claims=admission.claims())
    assert Hold.objects.filter(date=date).count() == 1


def test_a_refused_purchase_leaves_the_admission_unused() -> None:
    event, _room = open_room_event(capacity=2)
    first = gate.admission(event, token=admitted(event, "browser-a"), browser_id="browser-a")
    second_token = admitted(event, "browser-b")
    second = gate.admission(event, token=second_token, browser_id="browser-b")
    assert first is not None
    assert second is not None
    buy(event, first, quantity=2)
    with pytest.raises(stock.SoldOut):
        buy(event, second)
    assert entry_status(event, "browser-b") == "admitted"
    # Invalid input is refused before anything is written: still unused too.
    with pytest.raises(OrderInvalid):
        buy(event, second, quantity=11)
    assert entry_status(event, "browser-b") == "admitted"
    # Stock that comes back (the first order unpaid past its deadline) sells to the unused admission.
    Order.objects.filter(event=event).update(payment_deadline=timezone.now() - dt.timedelta(seconds=1))
    stock.release_expired(only_date(event).pk)
    still = gate.admission(event, token=second_token, browser_id="browser-b")
    assert still is not None
    buy(event, still)
    assert entry_status(event, "browser-b") == "used"


def test_the_claim_runs_the_same_way_inside_a_transaction() -> None:
    event, _room = open_room_event()
    admission = gate.admission(event, token=admitted(event, "browser-a"), browser_id="browser-a")
    assert admission is not None
    with transaction.atomic():
        statements.claim(admission.claims())
    with transaction.atomic(), pytest.raises(AdmissionRequired):
        statements.claim(admission.claims())
    assert entry_status(event, "browser-a") == "used"
