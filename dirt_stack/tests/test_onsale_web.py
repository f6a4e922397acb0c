"""The on-sale room over HTTP: joining (proof of work, per-address limit, one entry per
browser), the status answer, the event page's room, and the gate on holds and purchases
(issue #18, must-show 2 at the HTTP level: refused without a token, with an expired,
tampered, used or other browser's token; admitted once)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import altcha
import pytest
from django.test import Client
from django.utils import timezone

from onsale import services as onsale
from onsale import tokens
from onsale.models import QueueEntry
from sales.models import Hold, Order
from storefront import room
from tests.factories import make_event, make_ticket_type

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
STATUS_KEYS = {
    "state",
    "position",
    "ahead",
    "eta_seconds",
    "queue_opens_at",
    "sale_starts_at",
    "mode",
    "prequeued",
    "expires_at",
    "poll_after_seconds",
}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.ALTCHA_MAX_NUMBER = 2_000
    settings.INERTIA_VERSION = "0.1.0"
    settings.ONSALE_TICK_SECONDS = 0  # every tick runs: tests drive the ticker themselves
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 30


@pytest.fixture
def event():
    event = make_event(slug="rush", payment_methods=["demo"])
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=50)
    return event


def open_room(event, **settings):
    now = timezone.now()
    values = {
        "enabled": True,
        "queue_opens_at": now - dt.timedelta(minutes=10),
        "sale_starts_at": now - dt.timedelta(minutes=5),
        "admissions_per_minute": 600,
        "max_active_shoppers": 100,
        "session_minutes": 7,
        "mode": "random",
        **settings,
    }
    return onsale.configure(event, actor=None, actor_label="test", **values)


def solved(client: Client) -> str:
    challenge = client.get("/challenge/").json()
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed)
    assert solution is not None
    return altcha.Payload(parsed, solution).to_base64()


def join(client: Client, event, **extra):
    return client.post(
        f"/events/{event.slug}/queue/join/",
        json.dumps({"altcha": solved(client)}),
        content_type="application/json",
        headers=INERTIA,
        **extra,
    )


def admitted(event) -> Client:
    """A browser that joined the room and whose turn it is (its admission cookie set)."""
    client = Client()
    assert join(client, event).status_code == 302
    onsale.tick(event.pk)
    status = client.get(f"/events/{event.slug}/queue/status/")
    assert status.json()["state"] == "your_turn", status.json()
    assert client.cookies[room.admission_cookie(event.pk)].value
    return client


def token_of(client: Client, event) -> str:
    return client.cookies[room.admission_cookie(event.pk)].value


def hold(client: Client, event, **extra):
    standing = event.ticket_types.get().pk
    body = {"date": event.dates.get().pk, "quantities": {str(standing): 1}}
    return client.post(
        f"/events/{event.slug}/hold/",
        json.dumps(body),
        content_type="application/json",
        headers=INERTIA,
        **extra,
    )


def buy(client: Client, event, headers: dict[str, str] | None = None, quantity: int = 1):
    body = {
        "lines": [{"ticket_type_id": event.ticket_types.get().pk, "quantity": quantity}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
    }
    return client.post(
        f"/api/v1/events/{event.slug}/orders",
        json.dumps(body),
        content_type="application/json",
        headers=headers or {},
    )


# --- joining -------------------------------------------------------------------------------


def test_joining_needs_a_proof_of_work(event):
    open_room(event)
    client = Client()
    response = client.post(
        f"/events/{event.slug}/queue/join/", json.dumps({}), content_type="application/json", headers=INERTIA
    )
    assert response.status_code == 428
    assert response.json()["props"]["errors"]["altcha"]
    assert not QueueEntry.objects.exists()
    assert room.BROWSER_COOKIE not in response.cookies


def test_one_entry_per_browser_and_the_browser_cookie(event, settings):
    open_room(event)
    client = Client()
    first = join(client, event)
    assert first.status_code == 302
    assert first["Location"] == f"/events/{event.slug}/queue/"
    cookie = first.cookies[room.BROWSER_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) == settings.SESSION_COOKIE_SECURE
    assert int(cookie["max-age"]) == room.BROWSER_COOKIE_MAX_AGE
    again = join(client, event)
    assert again.status_code == 302
    assert room.BROWSER_COOKIE not in again.cookies  # kept, not replaced
    assert QueueEntry.objects.count() == 1
    join(Client(), event)
    assert QueueEntry.objects.count() == 2


def test_joins_are_limited_per_address(event, settings):
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 2
    open_room(event)
    address = {"REMOTE_ADDR": "198.51.100.7"}
    assert join(Client(), event, **address).status_code == 302
    assert join(Client(), event, **address).status_code == 302
    refused = join(Client(), event, **address)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many joins" in refused.json()["props"]["errors"]["form"]
    assert QueueEntry.objects.count() == 2
    assert join(Client(), event, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_joining_a_closed_room_says_so(event):
    client = Client()
    response = join(client, event)
    assert response.status_code == 409
    assert response.json()["props"]["errors"]["form"]
    assert not QueueEntry.objects.exists()


# --- the status answer ---------------------------------------------------------------------


def test_the_status_is_tiny_json_with_retry_after_and_no_store(event):
    open_room(event, sale_starts_at=timezone.now() + dt.timedelta(hours=1))
    client = Client()
    join(client, event)
    response = client.get(f"/events/{event.slug}/queue/status/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == STATUS_KEYS
    assert body["state"] == "before_open"
    assert body["prequeued"] is True
    assert body["mode"] == "random"
    assert 1 <= body["poll_after_seconds"] <= 30
    assert response["Retry-After"] == str(body["poll_after_seconds"])
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    assert room.admission_cookie(event.pk) not in response.cookies
    assert len(response.content) < 600


def test_status_of_a_browser_not_in_the_queue_and_of_an_event_without_a_room(event):
    other = make_event(slug="quiet")
    assert Client().get(f"/events/{other.slug}/queue/status/").json()["state"] == "no_room"
    open_room(event)
    assert Client().get(f"/events/{event.slug}/queue/status/").json()["state"] == "not_joined"


def test_the_turn_sets_the_admission_cookie(event):
    open_room(event)
    client = admitted(event)
    cookie = client.cookies[room.admission_cookie(event.pk)]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert 0 < int(cookie["max-age"]) <= 7 * 60
    body = client.get(f"/events/{event.slug}/queue/status/").json()
    assert body["state"] == "your_turn"
    assert body["expires_at"]
    assert "token" not in body  # only in the cookie
    assert "admission_token" not in body


def test_the_queue_page_shows_the_status(event):
    open_room(event, sale_starts_at=timezone.now() + dt.timedelta(hours=1))
    client = Client()
    page = client.get(f"/events/{event.slug}/queue/", headers=INERTIA)
    assert page.status_code == 200
    props = page.json()["props"]
    assert props["status"]["state"] == "not_joined"
    assert props["join_url"] == f"/events/{event.slug}/queue/join/"
    assert "no-store" in page["Cache-Control"]
    join(client, event)
    props = client.get(f"/events/{event.slug}/queue/", headers=INERTIA).json()["props"]
    assert props["status"]["state"] == "before_open"
    assert props["status"]["prequeued"] is True


# --- the event page ------------------------------------------------------------------------


def test_the_event_page_says_join_the_queue_until_the_turn(event):
    assert Client().get(f"/events/{event.slug}/", headers=INERTIA).json()["props"]["room"] is None
    open_room(event)
    props = Client().get(f"/events/{event.slug}/", headers=INERTIA).json()["props"]
    assert props["room"] == {
        "active": True,
        "state": "not_joined",
        "queue_url": f"/events/{event.slug}/queue/",
    }
    client = admitted(event)
    assert (
        client.get(f"/events/{event.slug}/", headers=INERTIA).json()["props"]["room"]["state"] == "your_turn"
    )


# --- the gate: web holds -------------------------------------------------------------------


def test_a_hold_without_an_admission_is_refused_with_the_queue(event):
    open_room(event)
    response = hold(Client(), event)
    assert response.status_code == 403
    props = response.json()["props"]
    assert "queue" in props["errors"]["form"]
    assert props["room"]["queue_url"] == f"/events/{event.slug}/queue/"
    assert not Hold.objects.exists()


def test_an_admitted_browser_reserves_once_for_the_rooms_session_and_checks_out_without_a_token(event):
    open_room(event)
    client = admitted(event)
    response = hold(client, event)
    assert response.status_code == 302, response.content[:300]
    reserved = Hold.objects.get()
    minutes = (reserved.expires_at - reserved.created_at).total_seconds() / 60
    assert 6.9 < minutes <= 7.01  # session_minutes, not the event's hold time
    entry = QueueEntry.objects.get()
    assert entry.status == "used"
    # The same admission does not reserve twice.
    again = hold(client, event)
    assert again.status_code == 403
    assert Hold.objects.count() == 1
    # The checkout of that hold needs no admission.
    client.cookies.pop(room.admission_cookie(event.pk))
    done = client.post(
        f"/checkout/{reserved.token}/",
        json.dumps(
            {
                "name": "Ana",
                "email": "ana@example.com",
                "payment_method": "demo",
                "card_number": "4242424242424242",
            }
        ),
        content_type="application/json",
        headers=INERTIA,
    )
    assert done.status_code == 302, done.content[:300]
    assert Order.objects.get().status == Order.Status.PAID


# --- the gate: API purchases ---------------------------------------------------------------


def _refused(response, reason: str, event) -> None:
    assert response.status_code == 403, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/admission-required")
    assert problem["reason"] == reason
    assert problem["queue_url"] == f"http://testserver/events/{event.slug}/queue/"
    assert problem["detail"]
    assert problem["title"]


def test_a_purchase_without_an_admission_is_refused(event):
    open_room(event)
    _refused(buy(Client(), event), "missing", event)
    assert not Order.objects.exists()


def test_a_tampered_admission_is_refused(event):
    open_room(event)
    client = admitted(event)
    token = token_of(client, event)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    client.cookies.pop(room.admission_cookie(event.pk))
    _refused(buy(client, event, {"Admission-Token": forged}), "invalid", event)
    _refused(buy(client, event, {"Admission-Token": "not-a-token"}), "invalid", event)
    assert not Order.objects.exists()


def test_an_admission_from_another_browser_is_refused(event):
    open_room(event)
    token = token_of(admitted(event), event)
    thief = Client()
    join(thief, event)  # a browser id of its own
    _refused(buy(thief, event, {"Admission-Token": token}), "other_browser", event)
    _refused(buy(Client(), event, {"Admission-Token": token}), "other_browser", event)
    assert not Order.objects.exists()


def test_an_expired_admission_is_refused(event):
    open_room(event)
    client = admitted(event)
    entry = QueueEntry.objects.get()
    expired = tokens.issue(
        event_id=event.pk,
        entry_id=entry.pk,
        browser_hash=entry.browser_hash,
        expires_at=timezone.now() - dt.timedelta(seconds=5),
    )
    client.cookies.pop(room.admission_cookie(event.pk))
    _refused(buy(client, event, {"Admission-Token": expired}), "expired", event)
    assert not Order.objects.exists()


def test_an_admission_buys_once_and_a_refused_purchase_does_not_use_it(event):
    open_room(event)
    client = admitted(event)
    token = token_of(client, event)
    too_many = buy(client, event, {"Admission-Token": token}, quantity=51)
    assert too_many.status_code in {409, 422}
    assert QueueEntry.objects.get().status == "admitted"
    bought = buy(client, event, {"Admission-Token": token})
    assert bought.status_code == 201, bought.content[:300]
    _refused(buy(client, event, {"Admission-Token": token}), "used", event)
    assert Order.objects.count() == 1


def test_the_cookie_is_read_when_no_header_is_sent(event):
    open_room(event)
    client = admitted(event)
    assert buy(client, event).status_code == 201


def test_events_without_an_active_room_need_no_admission(event):
    assert buy(Client(), event).status_code == 201
    open_room(event, enabled=False)
    assert buy(Client(), event).status_code == 201
    later = timezone.now() + dt.timedelta(hours=1)
    open_room(event, queue_opens_at=later, sale_starts_at=later + dt.timedelta(hours=1))
    assert buy(Client(), event).status_code == 201
