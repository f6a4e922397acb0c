"""The transactional outbox: emails exist only if their change committed, and none is lost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from core import load, outbox
from core.models import OutboxMessage
from sales import pricing, purchase
from tests.factories import make_event, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def event(settings):
    settings.DEMO_PAYMENTS = True
    event = make_event()
    make_ticket_type(event, price=Decimal("5.00"))
    return event


def place(event):
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    return purchase.place_order(
        only_date(event), {event.ticket_types.get().pk: 1}, details, base_url="http://testserver/"
    )


def test_no_email_when_the_transaction_rolls_back(event):
    def crash_after_the_order() -> None:
        with transaction.atomic():
            place(event)
            raise RuntimeError("crash after the order, before commit")

    with pytest.raises(RuntimeError):
        crash_after_the_order()
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


class _DeadPool:
    """A process that stops right after committing: submitted deliveries never run."""

    def submit(self, *args: object) -> None:
        return None


def test_orphaned_messages_are_sent_by_the_sweep_and_the_command(event, settings, monkeypatch):
    settings.OUTBOX_DELIVERY = "background"
    monkeypatch.setattr(outbox, "_pool", _DeadPool)
    place(event)
    place(event)
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2
    assert mail.outbox == []
    # Too young for the sweep: another process may still be sending it.
    assert outbox.deliver_pending(older_than=outbox.STRAGGLER_AGE) == 0
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert outbox.deliver_pending(older_than=outbox.STRAGGLER_AGE) == 2
    assert len(mail.outbox) == 2
    call_command("deliver_outbox")  # nothing left: it sends nothing twice
    assert len(mail.outbox) == 2


def test_a_failing_handler_is_retried_then_given_up(event, monkeypatch):
    def broken(payload):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setitem(outbox._handlers, "order_confirmation", broken)
    place(event)
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "mail server down" in message.last_error
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.deliver(message.pk)
    assert OutboxMessage.objects.get().attempts == outbox.MAX_ATTEMPTS


class _IdlePool:
    """A pool that accepts work and never runs it, to look at what is queued."""

    def __init__(self) -> None:
        self.submitted: list[object] = []

    def submit(self, function: object, *args: object) -> None:
        self.submitted.append(args)


def test_a_rush_leaves_emails_for_the_sweep_instead_of_queueing_them(event, settings, monkeypatch):
    settings.OUTBOX_DELIVERY = "background"
    pool = _IdlePool()
    monkeypatch.setattr(outbox, "_pool", lambda: pool)
    monkeypatch.setattr(outbox, "_queued", 0)
    for _ in range(outbox.MAX_QUEUED + 3):
        place(event)
    assert len(pool.submitted) == outbox.MAX_QUEUED
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == outbox.MAX_QUEUED + 3
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert outbox.deliver_pending(older_than=outbox.STRAGGLER_AGE) == outbox.MAX_QUEUED + 3


def test_emails_wait_for_the_sweep_while_the_process_is_busy(event, settings, monkeypatch):
    settings.OUTBOX_DELIVERY = "background"
    pool = _IdlePool()
    monkeypatch.setattr(outbox, "_pool", lambda: pool)
    monkeypatch.setattr(outbox, "_queued", 0)
    with load.request_in_flight(), load.request_in_flight():  # this request and another
        place(event)
    assert pool.submitted == []
    with load.request_in_flight():  # only this request
        place(event)
    assert len(pool.submitted) == 1


def test_deliver_outbox_sends_a_backlog_larger_than_one_batch(event, settings, monkeypatch):
    settings.OUTBOX_DELIVERY = "background"
    monkeypatch.setattr(outbox, "_pool", _DeadPool)
    for _ in range(5):
        place(event)
    monkeypatch.setattr(outbox, "deliver_pending", _small_batches(outbox.deliver_pending))
    call_command("deliver_outbox")
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    assert len(mail.outbox) == 5


def _small_batches(deliver_pending):
    return lambda older_than=dt.timedelta(0), limit=2: deliver_pending(older_than=older_than, limit=2)
