"""No hoarding through the public API and the web checkout (ADR 0016): the hoarding script
of finding H-2, the proof of work it leads to, the confirmation link, and hostile input."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import altcha
import pytest
from django.core import mail
from django.utils import timezone

from events.models import DateTicketType
from sales import hoarding
from sales.models import Hold, Order, SpentChallenge
from tests.factories import allocated, make_event, make_ticket_type

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BOT = {"REMOTE_ADDR": "203.0.113.66"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 30
    settings.ALTCHA_MAX_NUMBER = 2_000
    settings.INERTIA_VERSION = "0.1.0"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def event():
    event = make_event(slug="jazz", payment_methods=["offline", "demo"])
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=100)
    make_ticket_type(event, name="Table", price=Decimal("40.00"), capacity=100)
    return event


def ids(event) -> tuple[int, int]:
    return event.ticket_types.get(name="Standing").pk, event.ticket_types.get(name="Table").pk


def api_buy(client, event, email: str, n: int = 10, **extra):
    headers = {k: extra.pop(k) for k in list(extra) if k.startswith("HTTP_")}
    standing, table = ids(event)
    body = {
        "lines": [{"ticket_type_id": standing, "quantity": n}, {"ticket_type_id": table, "quantity": n}],
        "buyer": {"name": "Bot", "email": email},
        "payment_method": "offline",
        **extra,
    }
    return client.post(
        f"/api/v1/events/{event.slug}/orders",
        json.dumps(body),
        content_type="application/json",
        **BOT,
        **headers,
    )


def web_hold(client, event, n: int = 5, **extra):
    standing, _ = ids(event)
    body = {"quantities": {str(standing): n}, **extra}
    return client.post(
        f"/events/{event.slug}/hold/",
        json.dumps(body),
        content_type="application/json",
        headers=INERTIA,
        **BOT,
    )


def solved(client) -> str:
    challenge = client.get("/api/v1/challenge").json()
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed)
    assert solution is not None
    return altcha.Payload(parsed, solution).to_base64()


def held_by_bot(event) -> int:
    date = event.dates.get()
    return hoarding.held(
        date.pk, hoarding.Key("client", hoarding.client_hash(BOT["REMOTE_ADDR"])), timezone.now()
    )


def test_a_hoarding_script_takes_no_more_than_the_share_then_must_solve_a_proof_of_work(client, event):
    """Finding H-2's script: one client, bank-transfer orders of 10 + 10 with a new email
    each, and web holds, within the per-address rate limit (30 a minute)."""
    limit = hoarding.buyer_limit(event.dates.get())
    assert limit == 20  # 10 % of 200 tickets
    answers = []
    for i in range(8):
        answers.append(api_buy(client, event, f"bot{i}@example.com", n=5).status_code)
        answers.append(web_hold(client, event, n=5).status_code)
    assert answers[:3] == [201, 302, 429]  # 10 + 5 held, 10 more would pass 20
    assert set(answers[3:]) == {428}  # from then on: a proof of work first
    assert held_by_bot(event) <= limit
    assert allocated(event) == held_by_bot(event) == 15
    # Once tripped, the refusals name the limit and then ask for a proof of work.
    refused = api_buy(client, event, "bot99@example.com", n=1)
    assert refused.status_code == 428
    body = refused.json()
    assert body["field"] == "altcha"
    assert body["challenge_url"].endswith("/api/v1/challenge")
    page = web_hold(client, event, n=1)
    assert page.status_code == 428
    assert page.json()["props"]["challenge_url"] == "/challenge/"
    # A solved proof of work buys nothing past the share either.
    over = api_buy(client, event, "bot100@example.com", n=3, altcha=solved(client))
    assert over.status_code == 429
    assert "at most 20 tickets" in over.json()["detail"]
    assert allocated(event) == 15
    # Within the share, a solved proof of work buys.
    assert api_buy(client, event, "bot101@example.com", n=2, altcha=solved(client)).status_code == 201
    assert allocated(event) == held_by_bot(event) == 19


def test_the_first_refusal_is_a_429_naming_the_limit(client, event):
    assert api_buy(client, event, "a@example.com", n=10).status_code == 201
    refused = api_buy(client, event, "b@example.com", n=1)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("One buyer may hold at most 20 tickets")
    assert refused.json()["challenge_url"]


def test_tripping_the_rate_limit_demands_a_proof_of_work(client, event, settings):
    settings.PURCHASE_RATE_LIMIT = 1
    assert api_buy(client, event, "a@example.com", n=1).status_code == 201
    limited = api_buy(client, event, "b@example.com", n=1)
    assert limited.status_code == 429
    assert limited.json()["challenge_url"]
    settings.PURCHASE_RATE_LIMIT = 0  # the next window
    assert api_buy(client, event, "c@example.com", n=1).status_code == 428
    assert api_buy(client, event, "c@example.com", n=1, altcha=solved(client)).status_code == 201


def test_under_pressure_every_purchase_needs_a_proof_of_work_used_once(client, event):
    DateTicketType.objects.filter(date__event=event).update(
        pressure_until=timezone.now() + dt.timedelta(minutes=5)
    )
    asked = api_buy(client, event, "a@example.com", n=1)
    assert asked.status_code == 428
    assert "busy" in asked.json()["detail"]
    payload = solved(client)
    assert api_buy(client, event, "a@example.com", n=1, altcha=payload).status_code == 201
    replayed = api_buy(client, event, "b@example.com", n=1, altcha=payload)
    assert replayed.status_code == 428
    assert "was used" in replayed.json()["detail"]
    assert SpentChallenge.objects.count() == 1


def test_under_pressure_the_web_hold_needs_a_proof_of_work(client, event):
    DateTicketType.objects.filter(date__event=event).update(
        pressure_until=timezone.now() + dt.timedelta(minutes=5)
    )
    page = client.get(f"/events/{event.slug}/", headers=INERTIA).json()
    assert page["props"]["challenge_url"] == "/challenge/"
    refused = web_hold(client, event, n=1)
    assert refused.status_code == 428
    assert "anti-bot" in refused.json()["props"]["errors"]["altcha"]
    challenge = client.get("/challenge/")
    assert challenge["Cache-Control"] == "no-store"
    parsed = altcha.Challenge.from_dict(challenge.json())
    solution = altcha.solve_challenge(parsed)
    assert solution is not None
    payload = altcha.Payload(parsed, solution).to_base64()
    assert web_hold(client, event, n=1, altcha=payload).status_code == 302
    assert Hold.objects.get().client_hash == hoarding.client_hash(BOT["REMOTE_ADDR"])


def test_the_web_checkout_counts_the_order_towards_its_email(client, event):
    """A bank transfer from the checkout holds against its email: a second client's
    checkout with the same email cannot pass the share."""
    event.max_tickets_per_buyer = 15
    event.save()
    for address in ("198.51.100.1", "198.51.100.2"):
        standing, _ = ids(event)
        hold = client.post(
            f"/events/{event.slug}/hold/",
            json.dumps({"quantities": {str(standing): 10}}),
            content_type="application/json",
            headers=INERTIA,
            REMOTE_ADDR=address,
        )
        assert hold.status_code == 302
        answer = client.post(
            hold["Location"],
            json.dumps({"name": "Ana", "email": "ana@example.com", "payment_method": "offline"}),
            content_type="application/json",
            headers=INERTIA,
            REMOTE_ADDR=address,
        )
    assert answer.status_code == 429
    assert "at most 15 tickets" in answer.json()["props"]["errors"]["form"]
    assert Order.objects.count() == 1


def confirm_path(body: object) -> str:
    """The confirmation link's path in an order's email."""
    found = re.search(r"http://testserver(/orders/\S+/confirm/\S+/)", str(body))
    assert found is not None
    return found.group(1)


def test_the_confirmation_link_confirms_once(client, event):
    created = api_buy(client, event, "ana@example.com", n=1).json()
    assert created["awaiting_confirmation"] is True
    order = Order.objects.get()
    assert order.payment_deadline is not None
    assert order.payment_deadline <= timezone.now() + dt.timedelta(hours=1)
    (email,) = mail.outbox
    path = confirm_path(email.body)
    assert path not in json.dumps(created)  # only the email has it
    page = client.get(path, headers=INERTIA).json()
    assert page["props"]["confirm_url"] == path
    assert client.post(path, headers=INERTIA).status_code == 302
    order.refresh_from_db()
    assert not order.awaiting_confirmation
    assert order.payment_deadline is not None
    assert order.payment_deadline > timezone.now() + dt.timedelta(days=2)
    assert order.audit_entries.filter(action="confirmed_by_buyer").exists()
    # Used: a second POST changes nothing, a GET leads to the order.
    deadline = order.payment_deadline
    client.post(path, headers=INERTIA)
    order.refresh_from_db()
    assert order.payment_deadline == deadline
    assert client.get(path)["Location"] == f"/orders/{order.code}/{order.secret}/"


def test_an_expired_order_cannot_be_confirmed(client, event):
    api_buy(client, event, "ana@example.com", n=1)
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - dt.timedelta(seconds=1))
    path = confirm_path(mail.outbox[0].body)
    client.post(path)
    order.refresh_from_db()
    assert order.awaiting_confirmation


@pytest.mark.parametrize(
    "token", ["x", "a\x00b", "A" * 5000, "IkFCQ0RFRkdIIg:1vAbCd:abcdefghijklmnopqrstuvwxyz0123456789ABCDE"]
)
def test_hostile_confirmation_links_are_not_found(client, event, token):
    api_buy(client, event, "ana@example.com", n=1)
    code = Order.objects.get().code
    assert client.get(f"/orders/{code}/confirm/{token}/").status_code == 404
    assert client.post(f"/orders/{code}/confirm/{token}/").status_code == 404
    assert client.get(f"/orders/AB%00CD/confirm/{token}/").status_code == 404


@pytest.mark.parametrize(
    "altcha_value",
    ["", "not base64!", "eyJ9", "W10=", "bnVsbA==", "A" * 4000],
)
def test_hostile_proof_of_work_payloads_are_a_428(client, event, altcha_value):
    answer = api_buy(client, event, "a@example.com", n=1, altcha=altcha_value)
    assert answer.status_code == 428
    assert answer.json()["challenge_url"]
    web = web_hold(client, event, n=1, altcha=altcha_value)
    assert web.status_code in (302, 428)  # "" sends no proof, which is fine without pressure
    assert Order.objects.count() == 0


@pytest.mark.parametrize("altcha_value", [12, ["x"], {"a": 1}, True, "A" * 4001, "a\x00b"])
def test_proof_of_work_of_the_wrong_type_or_size_is_a_422_or_428(client, event, altcha_value):
    assert api_buy(client, event, "a@example.com", n=1, altcha=altcha_value).status_code == 422
    assert web_hold(client, event, n=1, altcha=altcha_value).status_code == 428


# --- The back office: pending bank transfers, filtered and cancelled at once -----------------


@pytest.fixture
def manager_client(event):
    from django.test import Client

    from accounts.models import Membership
    from tests.factories import make_member

    manager = make_member(event.organizer, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(manager)
    return client


def orders_url(event) -> str:
    return f"/manage/{event.organizer.slug}/events/{event.slug}/orders/"


def test_the_organizer_filters_and_cancels_pending_bank_transfers_at_once(client, manager_client, event):
    for i in range(3):
        api_buy(client, event, f"bot{i}@example.com", n=1)
    paid = client.post(
        f"/api/v1/events/{event.slug}/orders",
        json.dumps(
            {
                "lines": [{"ticket_type_id": ids(event)[0], "quantity": 1}],
                "buyer": {"name": "Fan", "email": "fan@example.com"},
                "payment_method": "demo",
            }
        ),
        content_type="application/json",
    )
    assert paid.status_code == 201
    mail.outbox.clear()
    page = manager_client.get(orders_url(event), {"status": "pending", "payment": "offline"}, headers=INERTIA)
    rows = page.json()["props"]["orders"]
    assert len(rows) == 3
    assert all(r["unpaid_transfer"] and r["awaiting_confirmation"] for r in rows)
    chosen = [r["code"] for r in rows[:2]]
    url = page.json()["props"]["bulk_cancel_url"]
    answer = manager_client.post(
        f"{url}?status=pending&payment=offline",
        json.dumps({"codes": [*chosen, paid.json()["code"]]}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"{orders_url(event)}?status=pending&payment=offline"
    assert Order.objects.filter(status=Order.Status.CANCELLED).count() == 2
    assert Order.objects.get(code=paid.json()["code"]).status == Order.Status.PAID  # not a transfer
    for code in chosen:
        assert Order.objects.get(code=code).audit_entries.filter(action="cancelled").exists()
    assert allocated(event) == 3  # 3 transfers of 2 tickets and 1 paid; 2 transfers cancelled
    # As for one cancel, each of their buyers is told; nobody else.
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Order cancelled: {code} for {event.title}" for code in chosen
    )
    assert all("Please do not pay for it." in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    "codes", [None, "ABC", [], [1], ["A\x00B"], ["A" * 21], [{"a": 1}], ["ABCD2345"] * 201, "x" * 10_000]
)
def test_hostile_bulk_cancels_are_a_422(manager_client, event, codes):
    answer = manager_client.post(
        f"{orders_url(event)}cancel-transfers/",
        json.dumps({"codes": codes}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert answer.status_code == 422
    assert answer.json()["props"]["errors"]["codes"]


def test_another_organizers_manager_cannot_cancel_these_orders(client, event):
    from django.test import Client

    from tests.factories import make_member, make_organizer

    api_buy(client, event, "bot@example.com", n=1)
    stranger = Client()
    stranger.force_login(make_member(make_organizer()))
    answer = stranger.post(
        f"{orders_url(event)}cancel-transfers/",
        json.dumps({"codes": [Order.objects.get().code]}),
        content_type="application/json",
    )
    assert answer.status_code in (403, 404)
    assert Order.objects.get().status == Order.Status.PENDING


# --- The organizer's settings --------------------------------------------------------------


def test_the_event_editor_saves_the_hoarding_settings_and_refuses_hostile_values():
    from django.test import Client

    from accounts.models import Membership
    from events.models import Event
    from tests.factories import make_member, make_organizer
    from tests.test_catalog_validation import VALID_EVENT, errors_of, post_json

    organizer = make_organizer(slug="acme")
    make_event(organizer=organizer, slug="busy")
    client = Client()
    client.force_login(make_member(organizer, role=Membership.Role.MANAGER))
    url = "/manage/acme/events/busy/"
    data = {**VALID_EVENT, "slug": "busy"}
    changes = {"buyer_share_percent": "25", "max_tickets_per_buyer": "40", "confirm_bank_transfers": False}
    assert post_json(client, url, {**data, **changes}).status_code == 302
    event = Event.objects.get(slug="busy")
    assert (event.buyer_share_percent, event.max_tickets_per_buyer, event.confirm_bank_transfers) == (
        25,
        40,
        False,
    )
    # Left out, they keep their values; an empty cap means the platform's.
    assert post_json(client, url, data).status_code == 302
    event.refresh_from_db()
    assert (event.buyer_share_percent, event.max_tickets_per_buyer) == (25, 40)
    assert post_json(client, url, {**data, "max_tickets_per_buyer": ""}).status_code == 302
    event.refresh_from_db()
    assert event.max_tickets_per_buyer is None
    for field, value in [
        ("buyer_share_percent", "0"),
        ("buyer_share_percent", "101"),
        ("buyer_share_percent", "1\x00"),
        ("buyer_share_percent", "x" * 5000),
        ("buyer_share_percent", ["10"]),
        ("max_tickets_per_buyer", "0"),
        ("max_tickets_per_buyer", "-3"),
        ("max_tickets_per_buyer", "9" * 40),
        ("max_tickets_per_buyer", "1e3"),
        ("max_tickets_per_buyer", {"a": 1}),
    ]:
        answer = post_json(client, url, {**data, field: value})
        assert answer.status_code == 422, (field, value)
        assert errors_of(answer)[field], (field, value)
    assert post_json(client, url, {**data, "confirm_bank_transfers": "\x00"}).status_code in (302, 422)


def test_a_retried_purchase_replays_its_order_without_a_new_proof_of_work(client, event):
    DateTicketType.objects.filter(date__event=event).update(
        pressure_until=timezone.now() + dt.timedelta(minutes=5)
    )
    payload = solved(client)
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-1"}
    first = api_buy(client, event, "a@example.com", n=1, altcha=payload, **headers)
    assert first.status_code == 201
    again = api_buy(client, event, "a@example.com", n=1, altcha=payload, **headers)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == first.json()["code"]
    # Another key is another purchase: a spent proof does not buy it.
    assert (
        api_buy(client, event, "a@example.com", n=1, altcha=payload, HTTP_IDEMPOTENCY_KEY="x").status_code
        == 428
    )


def test_the_organizer_api_reads_and_sets_the_hoarding_settings(event):
    from accounts import tokens
    from events.models import Event
    from tests.support.api import call

    token = tokens.create_token(organizer=event.organizer, name="m", role="manager", created_by=None)[1]
    url = f"/api/v1/manage/events/{event.slug}"
    shown = call("get", url, token).json()
    assert (
        shown["buyer_share_percent"],
        shown["max_tickets_per_buyer"],
        shown["confirm_bank_transfers"],
    ) == (
        10,
        None,
        True,
    )
    changed = call("patch", url, token, {"buyer_share_percent": 5, "max_tickets_per_buyer": 12})
    assert changed.status_code == 200, changed.content
    assert call("patch", url, token, {"confirm_bank_transfers": False}).status_code == 200
    event = Event.objects.get(pk=event.pk)
    assert (event.buyer_share_percent, event.max_tickets_per_buyer, event.confirm_bank_transfers) == (
        5,
        12,
        False,
    )
    for body in (
        {"buyer_share_percent": 0},
        {"buyer_share_percent": 101},
        {"buyer_share_percent": "1\x00"},
        {"max_tickets_per_buyer": 0},
        {"max_tickets_per_buyer": 10**12},
        {"max_tickets_per_buyer": [1]},
        {"confirm_bank_transfers": "maybe"},
    ):
        assert call("patch", url, token, body).status_code == 422, body
