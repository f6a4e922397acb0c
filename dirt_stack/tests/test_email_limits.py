"""Per-buyer limits across orders (sales.limits, ADR 0016 "Limits per email"): at most N
tickets per email per event and per ticket type, over paid and pending orders, with the
email normalized, enforced in the order's own statement (web checkout and API alike)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts import tokens
from accounts.models import Membership
from events.models import Event, TicketType
from sales import hoarding, lifecycle, limits, pricing, purchase
from sales.exceptions import OrderInvalid
from sales.models import BuyerLoad, Order, Ticket
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type, only_date
from tests.support.api import call
from tests.support.races import run_together
from tests.test_catalog_validation import VALID_EVENT, VALID_TICKET_TYPE, errors_of, post_json

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
ANN = "ann@example.com"
# What one person may type: case, spaces and +tags do not make another buyer.
SPELLINGS = [ANN, "Ann@Example.COM", "ann+gigs@example.com", "ANN+x@EXAMPLE.com", "Ann+a+b@example.com"]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def event():
    event = make_event(slug="gig", payment_methods=["offline", "demo"], max_tickets_per_email=2)
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=500, max_per_order=10)
    make_ticket_type(event, name="Table", price=Decimal("40.00"), capacity=500, max_per_order=10)
    return event


def kind(event: Event, name: str) -> TicketType:
    return event.ticket_types.get(name=name)


def buy(event, email: str, n: int = 1, *, name: str = "Standing", method: str = "demo", date=None, **extra):
    date = date or only_date(event)
    date.event = event
    details = pricing.BuyerDetails(name="Ann", email=email, payment_method=method)
    return purchase.place_order(
        date, {kind(event, name).pk: n}, details, base_url="http://testserver/", **extra
    ).order


def tickets_of(email: str) -> int:
    """Live tickets (paid, or pending and not overdue) of every spelling of ``email``."""
    normalized = limits.normalize_email(email)
    rows = (
        Ticket.objects.filter(voided_at__isnull=True, order__status__in=Order.HOLDING_STOCK)
        .exclude(order__status=Order.Status.PENDING, order__payment_deadline__lte=timezone.now())
        .values_list("order__buyer_email", flat=True)
    )
    return sum(1 for owner in rows if limits.normalize_email(owner) == normalized)


def test_emails_are_normalized_case_spaces_and_plus_tags():
    assert {limits.normalize_email(e) for e in [*SPELLINGS, " Ann+x@example.com\t"]} == {ANN}
    assert limits.normalize_email("bo+@example.com") == "bo@example.com"
    assert limits.normalize_email("a+b@c+d.example") == "a@c+d.example"  # the domain keeps its +
    assert limits.normalize_email("not-an-email") == "not-an-email"
    assert limits.normalize_email("STRASSE@example.com") == limits.normalize_email("straße@example.com")


def test_the_event_limit_counts_paid_and_pending_orders_over_every_spelling(event):
    buy(event, ANN, method="demo")  # paid
    buy(event, "Ann+x@Example.com", method="offline")  # pending
    assert Order.objects.filter(status=Order.Status.PAID).count() == 1
    with pytest.raises(limits.EmailLimitReached) as refused:
        buy(event, "ANN+other@example.COM", name="Table")
    assert str(refused.value) == "At most 2 tickets per person for this event; you already have 2."
    assert refused.value.field == "email"
    assert tickets_of(ANN) == 2
    # Another person is another email.
    assert buy(event, "bo@example.com", 2).status == Order.Status.PAID


def test_the_limit_spans_the_event_s_dates(event):
    first, second = event.dates.get(), make_date(event)
    buy(event, ANN, date=first)
    buy(event, ANN, date=second)
    with pytest.raises(limits.EmailLimitReached):
        buy(event, ANN, date=second)
    assert tickets_of(ANN) == 2


def test_a_ticket_type_limit_counts_its_own_tickets_and_the_event_s_still_applies(event):
    Event.objects.filter(pk=event.pk).update(max_tickets_per_email=None)
    event.refresh_from_db()
    table = kind(event, "Table")
    table.max_tickets_per_email = 1
    table.save()
    buy(event, ANN, name="Table")
    with pytest.raises(limits.EmailLimitReached) as refused:
        buy(event, "ann+2@example.com", name="Table")
    assert str(refused.value) == "At most 1 “Table” tickets per person; you already have 1."
    assert buy(event, ANN, 5, name="Standing").pk  # another type: no limit
    event.max_tickets_per_email = 7
    event.save()
    with pytest.raises(limits.EmailLimitReached) as refused:
        buy(event, ANN, 2, name="Standing")
    assert refused.value.ticket_type is None
    assert refused.value.has == 6


def test_an_order_alone_over_a_limit_is_refused_before_any_reservation(event):
    with pytest.raises(OrderInvalid) as refused:
        purchase.start_checkout(only_date(event), {kind(event, "Standing").pk: 3})
    assert refused.value.field == "quantities"
    assert str(refused.value) == "At most 2 tickets per person for this event."
    with pytest.raises(OrderInvalid):
        buy(event, ANN, 3)
    assert not Order.objects.exists()
    assert not event.holds.exists()


def test_cancelled_refunded_expired_and_voided_tickets_stop_counting(event):
    first = buy(event, ANN, 2)
    lifecycle.cancel(first)
    second = buy(event, ANN, 2)  # the counter said 2: recounted, not refused
    lifecycle.refund(second, second.total)
    pending = buy(event, ANN, 2, method="offline")
    Order.objects.filter(pk=pending.pk).update(payment_deadline=timezone.now() - dt.timedelta(minutes=1))
    paid = buy(event, ANN, 2)
    lifecycle.refund(paid, tickets=[paid.tickets.first().pk])
    buy(event, ANN, 1)  # one of two was voided
    with pytest.raises(limits.EmailLimitReached) as refused:
        buy(event, ANN, 1)
    assert refused.value.has == 2
    assert tickets_of(ANN) == 2


def test_orders_made_before_a_limit_was_set_count(event):
    Event.objects.filter(pk=event.pk).update(max_tickets_per_email=None)
    event.refresh_from_db()
    buy(event, "Ann+early@example.com", 3)
    event.max_tickets_per_email = 4
    event.save()
    with pytest.raises(limits.EmailLimitReached) as refused:
        buy(event, ANN, 2)
    assert refused.value.has == 3
    buy(event, ANN, 1)
    assert tickets_of(ANN) == 4


def test_a_limit_removed_then_set_again_recounts_what_was_bought_meanwhile(event):
    buy(event, ANN, 2)
    event.max_tickets_per_email = None
    event.save()
    buy(event, ANN, 3)  # no limit: nothing counts these
    event.max_tickets_per_email = 6
    event.save()  # a limit set where there was none: its counters start again from the orders
    with pytest.raises(limits.EmailLimitReached) as refused:
        buy(event, ANN, 2)
    assert refused.value.has == 5
    buy(event, ANN, 1)
    assert tickets_of(ANN) == 6


def test_counters_hold_no_email_in_clear(event):
    buy(event, ANN)
    keys = list(BuyerLoad.objects.values_list("key", flat=True))
    assert keys
    assert not any("ann" in key for key in keys)


def test_a_duplicate_of_a_placed_order_replays_it_instead_of_being_refused(event):
    first = purchase.place_order(
        only_date(event),
        {kind(event, "Standing").pk: 2},
        pricing.BuyerDetails(name="Ann", email=ANN, payment_method="demo"),
        base_url="http://testserver/",
        idempotency_key="k-1",
    )
    # A racing duplicate read "no order under this key" before the first committed.
    again = purchase.place_order(
        only_date(event),
        {kind(event, "Standing").pk: 2},
        pricing.BuyerDetails(name="Ann", email=ANN, payment_method="demo"),
        base_url="http://testserver/",
        idempotency_key="k-1",
        key_unused=True,
    )
    assert not again.created
    assert again.order.pk == first.order.pk


# --- Web checkout and API ------------------------------------------------------------------


def web_checkout(client: Client, event: Event, email: str, n: int = 1):
    standing = kind(event, "Standing")
    held = client.post(
        f"/events/{event.slug}/hold/",
        json.dumps({"quantities": {str(standing.pk): n}}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert held.status_code == 302, held.content[:300]
    return client.post(
        held["Location"],
        json.dumps(
            {"name": "Ann", "email": email, "payment_method": "demo", "card_number": "4242424242424242"}
        ),
        content_type="application/json",
        headers=INERTIA,
    )


def test_the_web_checkout_shows_the_limit_on_the_email_field(client, event):
    assert web_checkout(client, event, ANN, 2).status_code == 302
    refused = web_checkout(client, event, "Ann+again@example.com", 1)
    assert refused.status_code == 409
    errors = refused.json()["props"]["errors"]
    assert errors == {"email": "At most 2 tickets per person for this event; you already have 2."}
    assert tickets_of(ANN) == 2
    # The reservation is still there: another email (another person) completes it.
    again = client.post(
        refused.json()["url"],
        json.dumps({"name": "Bo", "email": "bo@example.com", "payment_method": "demo"}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert again.status_code == 302


def test_the_web_ticket_form_refuses_more_than_the_limit_at_once(client, event):
    standing = kind(event, "Standing")
    page = client.post(
        f"/events/{event.slug}/hold/",
        json.dumps({"quantities": {str(standing.pk): 3}}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert page.status_code == 422
    assert page.json()["props"]["errors"]["quantities"] == "At most 2 tickets per person for this event."


def api_buy(client: Client, event: Event, email: str, n: int = 1):
    body = {
        "lines": [{"ticket_type_id": kind(event, "Standing").pk, "quantity": n}],
        "buyer": {"name": "Ann", "email": email},
        "payment_method": "demo",
    }
    return client.post(
        f"/api/v1/events/{event.slug}/orders", json.dumps(body), content_type="application/json"
    )


def test_the_api_answers_409_naming_the_email(client, event):
    assert api_buy(client, event, ANN, 1).status_code == 201
    assert api_buy(client, event, "ann+b@example.com", 1).status_code == 201
    refused = api_buy(client, event, "ANN@example.com", 1)
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["field"] == "email"
    assert body["detail"] == "At most 2 tickets per person for this event; you already have 2."
    too_many = api_buy(client, event, "cy@example.com", 3)
    assert too_many.status_code == 422
    assert too_many.json()["field"] == "quantities"
    # The OpenAPI document says so.
    document = client.get("/api/v1/openapi.json").json()
    described = document["paths"]["/api/v1/events/{slug}/orders"]["post"]["description"]
    assert "max_tickets_per_email" in described
    assert "409 with `field` `email`" in described


# --- Organizer settings -------------------------------------------------------------------------


def test_the_back_office_sets_and_clears_the_limits():
    organizer = make_organizer(slug="acme")
    make_event(organizer=organizer, slug="busy")
    client = Client()
    client.force_login(make_member(organizer, role=Membership.Role.MANAGER))
    url = "/manage/acme/events/busy/"
    data = {**VALID_EVENT, "slug": "busy"}
    assert post_json(client, url, {**data, "max_tickets_per_email": "4"}).status_code == 302
    event = Event.objects.get(slug="busy")
    assert event.max_tickets_per_email == 4
    assert post_json(client, url, data).status_code == 302  # left out: kept
    event.refresh_from_db()
    assert event.max_tickets_per_email == 4
    page = client.get(url, headers=INERTIA)
    assert page.json()["props"]["event"]["max_tickets_per_email"] == 4
    assert post_json(client, url, {**data, "max_tickets_per_email": ""}).status_code == 302
    event.refresh_from_db()
    assert event.max_tickets_per_email is None
    for value in ("0", "-1", "100001", "1.5", "NaN", "\x00", "9" * 40, ["2"]):
        answer = post_json(client, url, {**data, "max_tickets_per_email": value})
        assert errors_of(answer)["max_tickets_per_email"], value
    created = post_json(client, f"{url}ticket-types/", {**VALID_TICKET_TYPE, "max_tickets_per_email": "2"})
    assert created.status_code == 302
    ticket_type = event.ticket_types.get()
    assert ticket_type.max_tickets_per_email == 2
    listed = client.get(url, headers=INERTIA).json()["props"]["ticket_types"]
    assert listed[0]["max_tickets_per_email"] == 2
    edited = post_json(
        client, f"{url}ticket-types/{ticket_type.pk}/", {**VALID_TICKET_TYPE, "max_tickets_per_email": ""}
    )
    assert edited.status_code == 302
    ticket_type.refresh_from_db()
    assert ticket_type.max_tickets_per_email is None
    refused = post_json(client, f"{url}ticket-types/", {**VALID_TICKET_TYPE, "max_tickets_per_email": "0"})
    assert refused.status_code == 422
    assert refused.json()["props"]["errors"]["new.max_tickets_per_email"]


def test_the_organizer_api_reads_sets_and_clears_the_limits(event):
    token = tokens.create_token(organizer=event.organizer, name="m", role="manager", created_by=None)[1]
    url = f"/api/v1/manage/events/{event.slug}"
    assert call("get", url, token).json()["max_tickets_per_email"] == 2
    assert call("patch", url, token, {"title": "Renamed"}).json()["max_tickets_per_email"] == 2
    assert call("patch", url, token, {"max_tickets_per_email": 5}).json()["max_tickets_per_email"] == 5
    assert call("patch", url, token, {"max_tickets_per_email": None}).json()["max_tickets_per_email"] is None
    event.refresh_from_db()
    assert event.max_tickets_per_email is None
    for body in (
        {"max_tickets_per_email": 0},
        {"max_tickets_per_email": 10**12},
        {"max_tickets_per_email": "x"},
    ):
        assert call("patch", url, token, body).status_code == 422, body
    table = kind(event, "Table")
    changed = call("patch", f"{url}/ticket-types/{table.pk}", token, {"max_tickets_per_email": 3})
    assert changed.status_code == 200, changed.content
    assert changed.json()["max_tickets_per_email"] == 3
    assert call("get", f"{url}/ticket-types", token).json()[1]["max_tickets_per_email"] == 3
    created = call(
        "post",
        f"{url}/ticket-types",
        token,
        {"name": "VIP", "price": "90", "capacity": 10, "max_tickets_per_email": 1},
    )
    assert created.status_code == 201, created.content
    assert TicketType.objects.get(name="VIP").max_tickets_per_email == 1
    cleared = call("patch", f"{url}/ticket-types/{table.pk}", token, {"max_tickets_per_email": None})
    assert cleared.json()["max_tickets_per_email"] is None


# --- Races on PostgreSQL ------------------------------------------------------------------------


def _refused_or_placed(task):
    def run() -> None:
        with contextlib.suppress(limits.EmailLimitReached):
            task()

    return run


@pytest.mark.postgres
def test_fifty_parallel_purchases_with_one_email_never_pass_the_limit(event):
    assert connection.vendor == "postgresql"
    standing = kind(event, "Standing")
    date = only_date(event)

    def purchase_as(i: int):
        def task() -> None:
            details = pricing.BuyerDetails(
                name="Ann", email=SPELLINGS[i % len(SPELLINGS)], payment_method="offline" if i % 2 else "demo"
            )
            # Its own client address each: the per-address share is not what stops them.
            buyer = hoarding.Buyer(hoarding.client_hash(f"198.51.100.{i}"))
            purchase.place_order(
                date, {standing.pk: 1 + i % 2}, details, base_url="http://testserver/", buyer=buyer
            )

        return _refused_or_placed(task)

    run_together(*(purchase_as(i) for i in range(50)))
    assert tickets_of(ANN) == 2
    assert Ticket.objects.filter(order__status__in=Order.HOLDING_STOCK).count() == 2
    assert sum(o.ticket_count for o in Order.objects.all()) == 2


@pytest.mark.postgres
def test_fifty_parallel_checkouts_of_reservations_with_one_email_never_pass_the_limit(event):
    standing, table = kind(event, "Standing"), kind(event, "Table")
    date = only_date(event)
    holds = [purchase.start_checkout(date, {(standing if i % 2 else table).pk: 1}) for i in range(50)]

    def complete(i: int):
        def task() -> None:
            details = pricing.BuyerDetails(
                name="Ann", email=SPELLINGS[i % len(SPELLINGS)], payment_method="demo"
            )
            purchase.complete_checkout(
                holds[i], details, user=None, base_url="http://testserver/", buyer=hoarding.Buyer("")
            )

        return _refused_or_placed(task)

    run_together(*(complete(i) for i in range(50)))
    assert tickets_of(ANN) == 2
    assert Order.objects.count() == 2
    # The refused reservations are still live: their buyers may complete them with their own email.
    assert event.holds.filter(status="live").count() == 48


@pytest.mark.postgres
def test_parallel_purchases_under_a_ticket_type_limit_after_earlier_orders(event):
    """The counter's first row races too: the email already has an order, made before the
    type's limit was set, so every first claim is refused and recounted under the lock."""
    table = kind(event, "Table")
    Event.objects.filter(pk=event.pk).update(max_tickets_per_email=None)
    event.refresh_from_db()
    buy(event, "ann+early@example.com", 1, name="Table")
    table.max_tickets_per_email = 3
    table.save()
    date = only_date(event)

    def purchase_as(i: int):
        def task() -> None:
            details = pricing.BuyerDetails(
                name="Ann", email=SPELLINGS[i % len(SPELLINGS)], payment_method="demo"
            )
            purchase.place_order(date, {table.pk: 1}, details, base_url="http://testserver/")

        return _refused_or_placed(task)

    run_together(*(purchase_as(i) for i in range(30)))
    assert Ticket.objects.filter(ticket_type=table, order__status__in=Order.HOLDING_STOCK).count() == 3
