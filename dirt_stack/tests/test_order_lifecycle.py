"""The order state machine: every transition through the services, the back office and the
organizer API (409 for what the status does not allow), refunds recorded before the
provider is asked (fault injection), late payments with and without stock, the sweeper,
and hostile input for the refund's fields."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import ClassVar

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from accounts import tokens
from accounts.models import Membership
from events.models import EventDate
from sales import email_texts, exceptions, lifecycle, pricing, purchase, stock
from sales.models import AuditEntry, Order, Payment, Refund, Ticket, Voucher
from sales.payments import PROVIDERS, PaymentProvider, PaymentStart
from tests.factories import (
    allocated,
    make_date,
    make_event,
    make_member,
    make_organizer,
    make_ticket_type,
    only_date,
)
from tests.support.api import call
from tests.support.dates import delivered_mail

pytestmark = pytest.mark.django_db(transaction=True)
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BASE_URL = "http://testserver/"


class Bank(PaymentProvider):
    """A card provider that keeps its refunds by idempotency key, as Stripe does: asked
    twice with one key, it pays once. ``broken`` makes it refuse."""

    name = "bank"
    label = "Card (test bank)"
    supports_refunds = True
    refunds: ClassVar[dict[str, Decimal]] = {}
    calls: ClassVar[list[str]] = []
    broken: ClassVar[bool] = False

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        return PaymentStart(paid=True, reference=f"pay_{order.code}")

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        Bank.calls.append(idempotency_key)
        if Bank.broken:
            raise RuntimeError("card network unreachable")
        Bank.refunds.setdefault(idempotency_key, amount)
        return f"re_{idempotency_key}"


@pytest.fixture(autouse=True)
def _settings(settings, monkeypatch):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    monkeypatch.setitem(PROVIDERS, "bank", Bank())
    Bank.refunds.clear()
    Bank.calls.clear()
    Bank.broken = False


@pytest.fixture
def shop():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", currency="EUR", payment_methods=["bank", "offline"])
    entry = make_ticket_type(event, name="Entry", price=Decimal("20.00"), capacity=50)
    manager = make_member(organizer, role=Membership.Role.MANAGER, email="manager@example.com")
    client = Client()
    client.force_login(manager)
    token = tokens.create_token(organizer=organizer, name="robot", role="manager", created_by=None)[1]
    return {"event": event, "entry": entry, "client": client, "token": token}


def buy(shop, quantity=3, method="bank", voucher=None, date=None, email="ana@example.com") -> Order:
    details = pricing.BuyerDetails(name="Ana", email=email, payment_method=method)
    return purchase.place_order(
        date or only_date(shop["event"]),
        {shop["entry"].pk: quantity},
        details,
        voucher_code=voucher,
        base_url=BASE_URL,
    ).order


def act(shop, order, **data):
    return shop["client"].post(
        f"/manage/acme/events/gig/orders/{order.code}/action/",
        json.dumps(data),
        content_type="application/json",
        headers=INERTIA,
    )


def page(shop, order):
    return (
        shop["client"].get(f"/manage/acme/events/gig/orders/{order.code}/", headers=INERTIA).json()["props"]
    )


def api(shop, order, action, body=None):
    return call("post", f"/api/v1/manage/orders/{order.code}/{action}", shop["token"], body or {})


def overdue(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - dt.timedelta(minutes=1))


# --- Refunds: partly, then the rest ---------------------------------------------------------------


def test_a_partial_refund_keeps_the_order_valid_and_tells_the_buyer(shop):
    order = buy(shop)
    delivered_mail()
    first, second, third = order.tickets.all()

    response = act(shop, order, action="refund", tickets=[first.pk], reason="Can't come")

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.PARTIALLY_REFUNDED, Decimal("20.00"))
    assert order.admits_holders
    assert list(Ticket.objects.admissible().filter(order=order)) == [second, third]
    assert allocated(shop["entry"]) == 2
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.reference, refund.ticket_ids) == (
        Refund.Status.SUCCEEDED,
        f"re_{refund.idempotency_key}",
        [first.pk],
    )
    [email] = delivered_mail()
    assert "refunded €20.00" in email.body
    assert "Entry" in email.body
    assert "Your other 2 tickets stay valid." in email.body

    # The rest ends the order: every ticket void, all its stock back.
    lifecycle.refund(order, Decimal("40.00"))
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, Decimal("60.00"))
    assert allocated(shop["entry"]) == 0
    assert not order.admits_holders
    assert Bank.refunds == {r.idempotency_key: r.amount for r in order.refunds.all()}


def test_resend_confirmation_sends_the_order_as_it_is_now(shop):
    order = buy(shop)
    lifecycle.refund(order, tickets=[order.tickets.earliest("id").pk])
    delivered_mail()

    assert act(shop, order, action="resend").status_code == 302

    [email] = delivered_mail()
    assert "Refunded: €20.00" in email.body
    assert "Refunded tickets (no longer valid):" in email.body
    assert "Valid tickets: 2" in email.body


def test_a_bank_transfer_refund_is_paid_back_by_the_organizer(shop):
    order = buy(shop, method="offline")
    lifecycle.mark_paid(order, reference="VS123", base_url=BASE_URL)
    delivered_mail()

    refund = lifecycle.refund(order, Decimal("10.00"), reason="goodwill")

    assert refund is not None
    assert (refund.status, refund.paid_back_by_organizer) == (Refund.Status.SUCCEEDED, True)
    [email] = delivered_mail()
    assert "will pay back €10.00" in email.body


# --- Refunds: recorded before the provider is asked -----------------------------------------------


def test_the_provider_refunds_then_the_database_fails_the_refund_stays_on_record(shop, monkeypatch):
    order = buy(shop)
    ticket = order.tickets.earliest("id")

    def database_fails(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(lifecycle, "_complete_refund", database_fails)
    with pytest.raises(DatabaseError):
        lifecycle.refund(order, tickets=[ticket.pk], reason="sick")

    # The money went back, and the record of it is there: pending, with what was asked.
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.amount, refund.ticket_ids, refund.reason) == (
        Refund.Status.PENDING,
        Decimal("20.00"),
        [ticket.pk],
        "sick",
    )
    assert Bank.refunds == {refund.idempotency_key: Decimal("20.00")}
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, Decimal("0"))
    # Its amount and ticket are spoken for: no second refund of them meanwhile.
    with pytest.raises(exceptions.OrderInvalid):
        lifecycle.refund(order, tickets=[ticket.pk])
    with pytest.raises(exceptions.OrderInvalid):
        lifecycle.refund(order, Decimal("40.01"))
    [row] = page(shop, order)["refunds"]
    assert (row["status"], row["retryable"]) == ("pending", False)  # may still be in flight

    # Once stale, the sweeper reconciles it: the provider answers the same refund.
    monkeypatch.undo()
    monkeypatch.setitem(PROVIDERS, "bank", Bank())
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - lifecycle.STALE_REFUND_AGE)
    assert page(shop, order)["refunds"][0]["retryable"] is True
    call_command("sweep_expired")

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert Bank.calls == [refund.idempotency_key, refund.idempotency_key]
    assert Bank.refunds == {refund.idempotency_key: Decimal("20.00")}  # refunded once
    assert (order.status, order.refunded_amount) == (Order.Status.PARTIALLY_REFUNDED, Decimal("20.00"))
    assert Order.objects.get(pk=order.pk).tickets.get(pk=ticket.pk).voided_at is not None
    assert allocated(shop["entry"]) == 2
    # Completing it again changes nothing.
    with pytest.raises(exceptions.OrderConflict):
        lifecycle.retry_refund(refund)


def test_a_refund_the_provider_refuses_is_failed_visible_and_retried(shop):
    order = buy(shop)
    Bank.broken = True

    response = act(shop, order, action="refund", amount="15.00", reason="late bus")

    assert response.status_code == 409
    assert "card network unreachable" in response.json()["props"]["errors"]["form"]
    [row] = response.json()["props"]["refunds"]
    assert (row["status"], row["retryable"], row["amount"]) == ("failed", True, "15.00")
    assert "card network unreachable" in row["error"]
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, Decimal("0"))
    assert AuditEntry.objects.filter(order=order, action="refund_failed").count() == 1

    # The API shows it too, and a retry that fails again is a 409.
    detail = call("get", f"/api/v1/manage/orders/{order.code}", shop["token"]).json()
    assert [r["status"] for r in detail["refunds"]] == ["failed"]
    again = api(shop, order, "refunds/retry", {"refund": row["id"]})
    assert again.status_code == 409
    assert "card network unreachable" in again.json()["detail"]

    Bank.broken = False
    done = api(shop, order, "refunds/retry", {"refund": row["id"]})
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["refunded_amount"], body["refunds"][0]["status"]) == (
        "partially_refunded",
        "15.00",
        "succeeded",
    )
    assert len(Bank.refunds) == 1
    # Retrying a done refund, or another order's, is refused.
    assert api(shop, order, "refunds/retry", {"refund": row["id"]}).status_code == 409
    assert api(shop, order, "refunds/retry", {"refund": 2**62}).status_code == 422


# --- Late payments ---------------------------------------------------------------------------------


def test_a_late_payment_with_the_stock_still_there_completes_the_order(shop):
    voucher = Voucher.objects.create(event=shop["event"], code="BAND", value=Decimal("10"), max_usages=1)
    order = buy(shop, 2, method="offline", voucher="band")
    overdue(order)
    stock.release_expired(order.date_id)
    order.refresh_from_db()
    voucher.refresh_from_db()
    assert (order.status, voucher.redeemed, allocated(shop["entry"])) == (Order.Status.EXPIRED, 0, 0)
    delivered_mail()

    response = act(shop, order, action="mark_paid", reference="VS77")

    assert response.status_code == 302
    order.refresh_from_db()
    voucher.refresh_from_db()
    assert (order.status, voucher.redeemed, allocated(shop["entry"])) == (Order.Status.PAID, 1, 2)
    assert list(order.payments.values_list("status", "reference", "needs_refund")) == [
        ("succeeded", "VS77", False)
    ]
    assert [e.action for e in AuditEntry.objects.filter(order=order)] == ["paid_late", "expired"]
    [email] = delivered_mail()
    assert "Your tickets for" in email.subject
    # Cancelling it afterwards gives the voucher back once (the review's 500).
    assert act(shop, order, action="cancel").status_code == 302
    voucher.refresh_from_db()
    assert (voucher.redeemed, allocated(shop["entry"])) == (0, 0)


def test_a_late_payment_without_stock_is_recorded_for_a_refund(shop):
    shop["entry"].date_ticket_types.update(capacity=2)
    order = buy(shop, 2, method="offline")
    overdue(order)
    buy(shop, 2)  # the released tickets are sold again (releasing the overdue order first)
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED

    # The payment provider reports it, then reports it again.
    for _ in range(2):
        lifecycle.mark_paid(order, reference="VS88", base_url=BASE_URL)

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert list(order.payments.values_list("status", "amount", "needs_refund")) == [
        ("succeeded", Decimal("40.00"), True)
    ]
    assert AuditEntry.objects.filter(order=order, action="paid_after_expiry").count() == 1
    assert allocated(shop["entry"]) == 2
    props = page(shop, order)
    assert (props["late_payment_to_refund"], props["refundable"]) == ("40.00", "40.00")
    # Marking it paid by hand again does not take anything either.
    assert act(shop, order, action="mark_paid").status_code == 302

    # Tickets cannot be refunded (it has none valid), the money can; it stays expired.
    assert act(shop, order, action="refund", tickets=[order.tickets.earliest("id").pk]).status_code == 422
    assert act(shop, order, action="refund", amount="40.00", reason="paid too late").status_code == 302
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.EXPIRED, Decimal("40.00"))
    assert not order.payments.filter(needs_refund=True).exists()
    assert Refund.objects.get(order=order).paid_back_by_organizer
    assert page(shop, order)["late_payment_to_refund"] == "0.00"
    assert act(shop, order, action="refund", amount="1.00").status_code == 409


def test_a_late_payment_for_a_cancelled_date_is_recorded_for_a_refund(shop):
    order = buy(shop, 1, method="offline")
    overdue(order)
    stock.release_expired(order.date_id)
    EventDate.objects.filter(pk=order.date_id).update(status=EventDate.Status.CANCELLED)

    lifecycle.mark_paid(order, reference="VS9")

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert lifecycle.needs_refund(order) == Decimal("20.00")


# --- Transitions the status does not allow: 409 -----------------------------------------------------


def test_illegal_transitions_are_conflicts_in_services_views_and_the_api(shop):
    pending = buy(shop, 1, method="offline")
    with pytest.raises(exceptions.OrderConflict):
        lifecycle.refund(pending, Decimal("1.00"))
    response = act(shop, pending, action="refund", amount="1.00")
    assert response.status_code == 409
    assert response.json()["props"]["errors"]["form"] == "A pending payment order cannot be refunded."

    lifecycle.cancel(pending)
    for action, body in (("cancel", {}), ("refund", {"amount": "1.00"}), ("mark-paid", {"reference": "x"})):
        answer = api(shop, pending, action, body)
        assert answer.status_code == 409, action
        assert answer.json()["status"] == 409, action
        assert answer.json()["detail"], action
    with pytest.raises(exceptions.OrderConflict):
        lifecycle.mark_paid(pending)
    assert not lifecycle.expire_unpaid(pending)

    paid = buy(shop, 1)
    lifecycle.refund(paid, Decimal("20.00"))
    assert act(shop, paid, action="cancel").status_code == 409
    assert api(shop, paid, "refund", {"amount": "1.00"}).status_code == 409
    # A card order is never marked paid by hand.
    assert api(shop, buy(shop, 1), "mark-paid", {}).status_code == 409


def test_cancelling_a_partly_refunded_order_returns_the_rest_of_its_stock(shop):
    order = buy(shop)
    lifecycle.refund(order, tickets=[order.tickets.earliest("id").pk])
    assert allocated(shop["entry"]) == 2

    lifecycle.cancel(order)

    order.refresh_from_db()
    assert (order.status, allocated(shop["entry"])) == (Order.Status.CANCELLED, 0)
    assert not Ticket.objects.admissible().filter(order=order).exists()


def test_the_buyer_is_told_when_the_organizer_cancels_their_order(shop):
    paid = buy(shop, 1, method="bank")
    pending = buy(shop, 1, method="offline", email="bo@example.com")
    delivered_mail()

    assert act(shop, paid, action="cancel").status_code == 302
    [email] = delivered_mail()
    assert email.to == ["ana@example.com"]
    assert email.subject == f"Order cancelled: {paid.code} for {shop['event'].title}"
    assert "no longer valid" in email.body
    assert "please contact" in email.body
    assert "Please do not pay" not in email.body

    # Through the API, with the event's own cancellation text.
    email_texts.save(
        shop["event"], "cancellation", "{event}: cancelled", "Dear {buyer_name}, {cancellation_note}",
        actor=Membership.objects.get(role=Membership.Role.MANAGER).user,
    )  # fmt: skip
    assert api(shop, pending, "cancel", {}).status_code == 200
    [email] = delivered_mail()
    assert (email.to, email.subject) == (["bo@example.com"], f"{shop['event'].title}: cancelled")
    assert f"Dear Ana, Your order {pending.code}" in email.body
    assert "Please do not pay for it." in email.body
    assert [e.action for e in AuditEntry.objects.filter(order=pending)][-1] == "cancelled"


# --- The sweeper ------------------------------------------------------------------------------------


def test_the_sweeper_expires_overdue_orders_on_every_date_and_emails_their_buyers(shop):
    one = only_date(shop["event"])
    other = EventDate.objects.select_related("event").get(pk=make_date(shop["event"]).pk)
    first = buy(shop, 2, method="offline", date=one)
    second = buy(shop, 1, method="offline", date=other, email="bo@example.com")
    on_time = buy(shop, 1, method="offline", date=one)
    overdue(first)
    overdue(second)
    delivered_mail()

    call_command("sweep_expired")

    assert set(Order.objects.filter(status=Order.Status.EXPIRED).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    on_time.refresh_from_db()
    assert on_time.status == Order.Status.PENDING
    assert allocated(shop["entry"]) == 1
    sent = delivered_mail()
    assert sorted(m.to[0] for m in sent) == ["ana@example.com", "bo@example.com"]
    assert all("expired" in m.subject for m in sent)
    assert f"/events/gig/?date={first.date_id}" in next(m.body for m in sent if m.to == ["ana@example.com"])
    assert AuditEntry.objects.filter(action="expired").count() == 2
    call_command("sweep_expired")  # nothing more
    assert delivered_mail() == []


# --- Hostile input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "stored"),
    [
        ("line\r\nbreak\ttab", "line break tab"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_line_breaks_in_a_refund_reason_are_folded(shop, reason, stored):
    order = buy(shop, 1)
    assert act(shop, order, action="refund", amount="1.00", reason=reason).status_code == 302
    assert Refund.objects.get(order=order).reason == stored


@pytest.mark.parametrize("reason", ["a\x00b", "colour\x1b[31m", "\x00" * 400, "lone \udcff"])
def test_control_characters_in_a_refund_reason_are_refused_before_anything_is_recorded(shop, reason):
    order = buy(shop, 1)
    response = act(shop, order, action="refund", amount="1.00", reason=reason)
    assert response.status_code == 422
    assert "control characters" in response.json()["props"]["errors"]["reason"]
    assert api(shop, order, "refund", {"amount": "1.00", "reason": reason}).status_code == 422
    assert not Refund.objects.filter(order=order).exists()


def test_an_over_long_reason_is_refused_before_anything_is_recorded(shop):
    order = buy(shop, 1)
    response = act(shop, order, action="refund", amount="1.00", reason="x" * 301)
    assert response.status_code == 422
    assert "300" in response.json()["props"]["errors"]["reason"]
    assert api(shop, order, "refund", {"amount": "1.00", "reason": "x" * 301}).status_code == 422
    with pytest.raises(exceptions.OrderInvalid):
        lifecycle.refund(order, Decimal("1.00"), reason="x" * 301)
    assert not Refund.objects.exists()
    assert Bank.calls == []


@pytest.mark.parametrize(
    "amount",
    ["NaN", "sNaN", "Infinity", "-Infinity", "-1", "-0.01", "20.01", str(2**63), "1e400", "12,50", "\x00"],
)
def test_hostile_refund_amounts_are_refused(shop, amount):
    order = buy(shop, 1)
    response = act(shop, order, action="refund", amount=amount)
    assert response.status_code == 422, amount
    assert response.json()["props"]["errors"]["amount"]
    answer = api(shop, order, "refund", {"amount": amount})
    assert answer.status_code == 422, amount
    assert not Refund.objects.exists()
    assert Bank.calls == []
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), Decimal(2**63), Decimal("-5")])
def test_the_refund_service_refuses_hostile_amounts(shop, amount):
    order = buy(shop, 1)
    with pytest.raises(exceptions.OrderInvalid):
        lifecycle.refund(order, amount)


@pytest.mark.parametrize("refund", ["x", -1, 0, 2**63, None, [1], "1\x00"])
def test_hostile_refund_ids_for_a_retry_are_refused(shop, refund):
    order = buy(shop, 1)
    assert act(shop, order, action="retry_refund", refund=refund).status_code == 422
    assert api(shop, order, "refunds/retry", {"refund": refund}).status_code == 422


def test_a_payment_records_it_once(shop):
    order = buy(shop, 1, method="offline")
    lifecycle.mark_paid(order, reference="A")
    lifecycle.mark_paid(order, reference="A")
    assert list(order.payments.values_list("status", "reference")) == [(Payment.Status.SUCCEEDED, "A")]
