"""Outgoing webhooks (Standard Webhooks 1.0): what each action records, in its transaction;
signatures the official verifier accepts (and rejects when tampered with or stale); the
retry schedule with one webhook-id; 410 and long failure disabling an endpoint; SSRF refusals
at creation and at send time; rotation; the log, resend and replay; the back office and the
organizer API. SQLite and PostgreSQL.

A local receiver on 127.0.0.1 stands for an organizer's endpoint: loopback and plain HTTP are
allowed by settings that are off by default (``receiver``); the SSRF tests run with them off.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from accounts.models import Membership
from checkin import services as checkin
from checkin.models import CheckIn, CheckInList
from core import domain_events
from core.models import OutboxMessage
from events import services as event_services
from events.forms import TicketTypeForm
from sales import lifecycle, order_actions, pricing, purchase, stock
from sales.audit import Actor
from sales.models import Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date
from waitlist import services as waitlist
from waitlist.models import WaitlistSettings
from webhooks import delivery, net, services, signing
from webhooks.forms import EndpointForm
from webhooks.models import EndpointChange, WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)

BASE_URL = "http://testserver/"
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
START = dt.datetime(2030, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    settings.SITE_URL = "http://testserver/"
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    settings.WEBHOOKS_ALLOWED_PORTS = [443]  # production's default


class Receiver:
    """An HTTP server on 127.0.0.1 answering each request with the next of ``answers``
    (status, headers), then 200; it keeps every request (headers and body)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        # Called before each answer, outside the lock (a test may make requests wait there).
        self.hold: Callable[[], None] | None = None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.hold is not None:
                    receiver.hold()
                with receiver.lock:
                    receiver.requests.append(
                        {"headers": dict(self.headers.items()), "body": body, "path": self.path}
                    )
                    status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_ALLOWED_PORTS = []  # the receiver's port
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def shop():
    organizer = make_organizer(slug="acme")
    owner = make_member(organizer, role=Membership.Role.OWNER, email="owner@example.com")
    event = make_event(
        organizer=organizer,
        slug="gig",
        currency="EUR",
        payment_methods=["demo", "offline"],
        starts_at=timezone.now() + dt.timedelta(days=40),
    )
    entry = make_ticket_type(event, name="Entry", price=Decimal("20.00"), capacity=10, max_per_order=4)
    return {"organizer": organizer, "owner": owner, "event": event, "entry": entry}


def add_endpoint(shop, url: str, **values: Any) -> WebhookEndpoint:
    form = EndpointForm({"url": url, "enabled": True, **values}, organizer=shop["organizer"])
    assert form.is_valid(), form.errors
    return services.save_endpoint(
        shop["organizer"], None, form.cleaned_data, actor=shop["owner"], actor_label=shop["owner"].email
    )


def buy(shop, quantity=1, method="demo", email="ana@example.com") -> Order:
    event = shop["event"]
    event.refresh_from_db()
    date = only_date(event)
    details = pricing.BuyerDetails(name="Ana", email=email, payment_method=method)
    return purchase.place_order(date, {shop["entry"].pk: quantity}, details, base_url=BASE_URL).order


def verified(endpoint: WebhookEndpoint, request: dict[str, Any]) -> dict[str, Any]:
    return Webhook(endpoint.secret).verify(request["body"], request["headers"])


def types_sent(receiver: Receiver) -> list[str]:
    return [json.loads(r["body"])["type"] for r in receiver.requests]


# --- signatures ----------------------------------------------------------------------------------


def test_the_official_verifier_accepts_every_delivery(shop, receiver):
    endpoint = add_endpoint(shop, receiver.url)
    order = buy(shop)
    offline = buy(shop, method="offline", email="bo@example.com")
    order_actions.mark_paid(offline, Actor(system="test"), base_url=BASE_URL)
    lifecycle.cancel(order)

    assert types_sent(receiver) == [
        "order.created",
        "order.paid",
        "order.created",
        "order.paid",
        "order.cancelled",
    ]
    for request in receiver.requests:
        message = verified(endpoint, request)
        assert request["headers"]["webhook-signature"].startswith("v1,")
        assert message["data"]["url"].startswith("http://testserver/api/v1/manage/orders/")
    cancelled = json.loads(receiver.requests[-1]["body"])
    assert cancelled["data"]["code"] == order.code
    assert cancelled["data"]["status"] == "cancelled"
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 5


def test_a_flipped_body_byte_or_a_six_minute_old_timestamp_is_rejected(shop, receiver):
    endpoint = add_endpoint(shop, receiver.url)
    buy(shop)
    request = receiver.requests[0]
    flipped = bytearray(request["body"])
    flipped[10] ^= 0x01
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(bytes(flipped), request["headers"])

    sent = WebhookDelivery.objects.first()
    assert sent is not None
    services.resend(sent, actor=None, actor_label="test")  # sent again now: a good one
    verified(endpoint, receiver.requests[-1])
    WebhookDelivery.objects.filter(pk=sent.pk).update(status="pending", next_attempt_at=timezone.now())
    delivery.attempt(sent.pk, now=timezone.now() - dt.timedelta(minutes=6))
    stale = receiver.requests[-1]
    assert stale["headers"]["webhook-id"] == sent.message_id
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(endpoint.secret).verify(stale["body"], stale["headers"])


def test_rotation_signs_with_both_secrets_for_a_day(shop, receiver):
    endpoint = add_endpoint(shop, receiver.url)
    old = endpoint.secret
    rotated = services.rotate(endpoint, actor=shop["owner"], actor_label="owner@example.com")
    assert rotated.secret != old
    assert rotated.secret.startswith("whsec_")
    buy(shop)
    request = receiver.requests[0]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request["body"], request["headers"])
    Webhook(rotated.secret).verify(request["body"], request["headers"])

    later = timezone.now() + dt.timedelta(hours=25)
    headers = signing.headers(
        "msg_x",
        "{}",
        later,
        signing.signing_secrets(rotated.secret, old, rotated.previous_secret_until, later),
    )
    assert len(headers["webhook-signature"].split(" ")) == 1
    assert EndpointChange.objects.filter(endpoint=endpoint, action="secret_rotated").exists()


# --- retries -------------------------------------------------------------------------------------


def test_failing_three_times_then_succeeding_takes_four_attempts_with_one_id(shop, receiver):
    endpoint = add_endpoint(shop, receiver.url)
    receiver.answers = [(500, {}), (503, {}), (302, {"Location": "http://127.0.0.1:1/elsewhere"})]
    with transaction.atomic():
        sent = delivery.queue_one(endpoint, "webhook.test", '{"type":"webhook.test"}')
    # The first attempt went at once (immediate delivery in the tests); the clock is ours after.
    sent.refresh_from_db()
    first_at = WebhookAttempt.objects.get(delivery=sent).attempted_at
    while sent.status == WebhookDelivery.Status.PENDING:
        assert sent.next_attempt_at is not None
        assert delivery.run_due(now=sent.next_attempt_at - dt.timedelta(milliseconds=1)) == 0  # not yet due
        delivery.run_due(now=sent.next_attempt_at)
        sent.refresh_from_db()

    assert sent.status == WebhookDelivery.Status.SUCCEEDED
    assert sent.attempts == 4
    attempts = list(WebhookAttempt.objects.filter(delivery=sent))
    assert [a.response_status for a in attempts] == [500, 503, 302, 200]
    assert attempts[0].attempted_at == first_at
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {sent.message_id}
    assert len(receiver.requests) == 4  # the redirect was not followed
    gaps = [b.attempted_at - a.attempted_at for a, b in itertools.pairwise(attempts)]
    for gap, planned in zip(gaps, delivery.SCHEDULE[1:], strict=False):
        assert planned <= gap <= planned * (1 + delivery.JITTER)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert endpoint.enabled


def test_retry_after_is_honoured_and_bounded(shop):
    now = START
    assert delivery.retry_after({"Retry-After": "120"}, now) == dt.timedelta(seconds=120)
    assert delivery.retry_after({"retry-after": "99999999999"}, now) == delivery.RETRY_AFTER_MAX
    assert delivery.retry_after({"Retry-After": "Fri, 01 Mar 2030 12:10:00 GMT"}, now) == dt.timedelta(
        minutes=10
    )
    assert delivery.retry_after({"Retry-After": "soon"}, now) is None
    wait = delivery.next_wait(1, {"Retry-After": "600"}, now)
    assert wait == dt.timedelta(seconds=600)  # longer than the schedule's 5 s
    assert delivery.next_wait(len(delivery.SCHEDULE), {}, now) is None


def test_410_disables_the_endpoint_and_tells_the_owners(shop, receiver):
    endpoint = add_endpoint(shop, receiver.url)
    receiver.answers = [(410, {})]
    buy(shop)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "410" in endpoint.disabled_reason
    assert WebhookDelivery.objects.filter(status="failed").count() >= 1
    assert [m.to for m in mail.outbox if "Webhook endpoint disabled" in m.subject] == [["owner@example.com"]]
    shop["event"].refresh_from_db()
    assert not shop["event"].sends_webhooks
    before = OutboxMessage.objects.filter(kind=domain_events.KIND).count()
    buy(shop)  # nobody listens now: nothing is written
    assert OutboxMessage.objects.filter(kind=domain_events.KIND).count() == before


def test_five_days_of_failures_disable_the_endpoint(shop, receiver):
    endpoint = add_endpoint(shop, receiver.url)
    receiver.answers = [(500, {})] * 20
    with transaction.atomic():
        sent = delivery.queue_one(endpoint, "webhook.test", "{}")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - dt.timedelta(days=5))
    WebhookDelivery.objects.filter(pk=sent.pk).update(next_attempt_at=timezone.now())
    delivery.run_due(now=timezone.now())
    endpoint.refresh_from_db()
    sent.refresh_from_db()
    assert not endpoint.enabled
    assert "5 days" in endpoint.disabled_reason
    assert sent.status == WebhookDelivery.Status.FAILED
    assert any("Webhook endpoint disabled" in m.subject for m in mail.outbox)


# --- SSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://10.0.0.1/hook",
        "https://[fc00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "http://93.184.216.34/hook",  # plain HTTP, off outside development
        "https://user:pass@93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
        "https://93.184.216.34:8443/hook",  # instances reach the internet on 443 only
    ],
)
def test_unsafe_urls_are_refused_at_creation(shop, url):
    form = EndpointForm({"url": url, "enabled": True}, organizer=shop["organizer"])
    assert not form.is_valid()
    assert "url" in form.errors


def test_a_name_resolving_to_a_private_address_is_refused_at_creation(shop, monkeypatch):
    monkeypatch.setattr(
        net, "resolve", lambda host, port: ["10.0.0.1"] if host == "hooks.example.com" else []
    )
    form = EndpointForm({"url": "https://hooks.example.com/in", "enabled": True}, organizer=shop["organizer"])
    assert not form.is_valid()
    assert "not a public address" in form.errors["url"][0]
    # One private address among public ones is enough to refuse.
    monkeypatch.setattr(net, "resolve", lambda host, port: ["93.184.216.34", "192.168.1.5"])
    form = EndpointForm({"url": "https://hooks.example.com/in", "enabled": True}, organizer=shop["organizer"])
    assert not form.is_valid()


def test_a_name_that_resolves_privately_at_send_time_is_not_called(shop, receiver, settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    monkeypatch.setattr(net, "resolve", lambda host, port: ["93.184.216.34"])
    endpoint = add_endpoint(shop, f"http://hooks.example.com:{receiver.server.server_address[1]}/in")
    # The name now resolves to the receiver's loopback address (DNS rebinding).
    monkeypatch.setattr(net, "resolve", lambda host, port: ["127.0.0.1"])
    buy(shop)
    assert receiver.requests == []
    attempt = WebhookAttempt.objects.filter(delivery__endpoint=endpoint).first()
    assert attempt is not None
    assert attempt.response_status is None
    assert "not a public address" in attempt.error


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(shop, receiver, monkeypatch):
    monkeypatch.setattr(net, "resolve", lambda host, port: ["127.0.0.1"])
    add_endpoint(shop, f"http://hooks.example.com:{receiver.server.server_address[1]}/in?x=1")
    buy(shop)
    request = receiver.requests[0]
    assert request["headers"]["Host"] == f"hooks.example.com:{receiver.server.server_address[1]}"
    assert request["path"] == "/in?x=1"


# --- what each action records ---------------------------------------------------------------------


def told(kind_filter: str | None = None) -> list[str]:
    found = [
        entry["type"]
        for message in OutboxMessage.objects.filter(kind=domain_events.KIND).order_by("id")
        for entry in message.payload["events"]
    ]
    return [t for t in found if kind_filter is None or t.startswith(kind_filter)]


def test_each_action_records_its_event_type(shop, receiver):
    add_endpoint(shop, receiver.url)
    event, _entry = shop["event"], shop["entry"]
    paid = buy(shop)
    assert told() == ["order.created", "order.paid"]
    offline = buy(shop, method="offline", email="bo@example.com")
    order_actions.mark_paid(offline, Actor(system="test"), base_url=BASE_URL)
    lifecycle.refund(paid, Decimal("5.00"))
    lifecycle.refund(paid, Decimal("15.00"))
    unpaid = buy(shop, method="offline", email="cy@example.com")
    lifecycle.expire_unpaid(unpaid)
    late = buy(shop, method="offline", email="di@example.com")
    Order.objects.filter(pk=late.pk).update(payment_deadline=timezone.now() - dt.timedelta(minutes=1))
    stock.release_expired(late.date_id)
    ticket = offline.tickets.get()
    order_actions.change_attendee(ticket, "Bo Attendee", Actor(system="test"))
    door = CheckInList.objects.create(event=event, name="Door")
    checkin.scan(door, secret=ticket.secret)
    checkin.undo(CheckIn.objects.get(ticket=ticket), by=None)
    lifecycle.cancel(offline)
    assert told("order") == [
        "order.created",
        "order.paid",
        "order.created",
        "order.paid",
        "order.refunded",
        "order.refunded",
        "order.created",
        "order.expired",
        "order.created",
        "order.expired",
        "order.cancelled",
    ]
    assert told("attendee") == ["attendee.changed"]
    assert told("checkin") == ["checkin.created", "checkin.reverted"]

    form = TicketTypeForm(
        {"name": "VIP", "price": "50.00", "capacity": "5", "min_per_order": "1", "max_per_order": "2"},
        event=event,
    )
    assert form.is_valid(), form.errors
    vip = event_services.save_ticket_type(form)
    form = TicketTypeForm(
        {"name": "VIP+", "price": "55.00", "capacity": "5", "min_per_order": "1", "max_per_order": "2"},
        event=event,
        instance=vip,
    )
    assert form.is_valid(), form.errors
    event_services.save_ticket_type(form)
    event_services.change_status(event, "draft")
    assert told("ticket_type") == ["ticket_type.created", "ticket_type.updated"]
    assert told("event") == ["event.updated"]

    types = [json.loads(r["body"])["type"] for r in receiver.requests]
    assert types[-1] == "event.updated"
    attendee = next(json.loads(r["body"]) for r in receiver.requests if b"attendee.changed" in r["body"])
    assert attendee["data"]["attendee_name"] == "Bo Attendee"


def test_waiting_list_events(shop, receiver):
    add_endpoint(shop, receiver.url)
    event, entry = shop["event"], shop["entry"]
    WaitlistSettings.objects.create(event=event, enabled=True)
    buy(shop, quantity=4, email="a@example.com")
    buy(shop, quantity=4, email="b@example.com")
    buy(shop, quantity=2, email="c@example.com")
    joined = waitlist.join(only_date(event), entry, "wait@example.com", 1)
    waitlist.confirm(waitlist.link_token(joined.entry, waitlist.CONFIRM_SALT))
    lifecycle.cancel(Order.objects.filter(buyer_email="c@example.com").get())
    assert told("waitlist") == ["waitlist.entry_created", "waitlist.entry_offered"]


def test_an_event_created_is_recorded_for_an_organizer_listening_to_every_event(shop, receiver):
    add_endpoint(shop, receiver.url, event_types=["event.created"])
    from events.forms import EventForm

    start = timezone.now() + dt.timedelta(days=60)
    form = EventForm(
        {
            "title": "New show",
            "slug": "new-show",
            "timezone": "UTC",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "venue_name": "Hall",
            "currency": "EUR",
            "payment_methods": ["demo"],
        }
    )
    assert form.is_valid(), form.errors
    created = event_services.save_event(form, shop["organizer"])
    assert created.sends_webhooks
    assert types_sent(receiver) == ["event.created"]
    assert json.loads(receiver.requests[0]["body"])["data"]["slug"] == "new-show"


def test_a_rolled_back_change_records_nothing(shop, receiver):
    add_endpoint(shop, receiver.url)
    order = buy(shop)
    before = OutboxMessage.objects.filter(kind=domain_events.KIND).count()

    def cancel_then_fail() -> None:
        with transaction.atomic():
            lifecycle.cancel(order)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        cancel_then_fail()
    assert OutboxMessage.objects.filter(kind=domain_events.KIND).count() == before
    assert types_sent(receiver) == ["order.created", "order.paid"]


def test_nothing_is_written_while_nobody_listens(shop):
    buy(shop)
    assert not OutboxMessage.objects.filter(kind=domain_events.KIND).exists()


def test_filters_by_event_type_and_event(shop, receiver):
    other = make_event(organizer=shop["organizer"], slug="other", payment_methods=["demo"])
    add_endpoint(shop, receiver.url, event_types=["order.paid"], events=[str(other.pk)])
    buy(shop)
    assert receiver.requests == []
    shop["event"].refresh_from_db()
    assert not shop["event"].sends_webhooks
    other.refresh_from_db()
    assert other.sends_webhooks


def test_a_stale_copy_of_an_event_never_writes_the_flag_back(shop, receiver):
    stale = type(shop["event"]).objects.get(pk=shop["event"].pk)
    add_endpoint(shop, receiver.url)
    stale.title = "Renamed"
    stale.save()
    stale.refresh_from_db()
    assert stale.sends_webhooks


# --- the log -------------------------------------------------------------------------------------


def test_resend_and_replay(shop, receiver):
    endpoint = add_endpoint(shop, receiver.url)
    receiver.answers = [(500, {})] * 2
    buy(shop)
    failing = list(WebhookDelivery.objects.filter(status="pending"))
    assert len(failing) == 2
    WebhookDelivery.objects.update(status="failed", next_attempt_at=None)
    count = services.replay(
        endpoint, timezone.now() - dt.timedelta(hours=1), actor=shop["owner"], actor_label="o"
    )
    assert count == 2
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 2
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert sorted(ids[:2]) == sorted(ids[2:])  # the same messages again
    assert EndpointChange.objects.filter(action="replayed", detail__count=2).exists()


def test_the_log_is_kept_thirty_days(shop, receiver):
    add_endpoint(shop, receiver.url)
    buy(shop)
    old = WebhookDelivery.objects.first()
    assert old is not None
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    assert delivery.sweep_log() == 2  # the delivery and its attempt
    assert WebhookDelivery.objects.count() == 1


def test_a_response_body_is_cut_to_the_limit(monkeypatch):
    assert net.BODY_LIMIT == 4096


# --- the organizer API ---------------------------------------------------------------------------


def bearer(shop, role: str = Membership.Role.OWNER) -> dict[str, str]:
    from accounts import tokens

    _, raw = tokens.create_token(organizer=shop["organizer"], name=f"t-{role}", role=role, created_by=None)
    return {"Authorization": f"Bearer {raw}"}


def test_the_api_creates_tests_reveals_rotates_and_reads_the_log(shop, receiver, settings, client):
    settings.API_RATE_LIMIT = 0
    auth = bearer(shop)
    created = client.post(
        "/api/v1/manage/webhooks",
        {"url": receiver.url, "event_types": ["order.paid"], "events": [shop["event"].pk]},
        content_type="application/json",
        headers=auth,
    )
    assert created.status_code == 201, created.content
    endpoint_id = created.json()["id"]
    assert created.json()["events"] == [shop["event"].pk]

    secret = client.get(f"/api/v1/manage/webhooks/{endpoint_id}/secret", headers=auth).json()["secrets"]
    tested = client.post(
        f"/api/v1/manage/webhooks/{endpoint_id}/test", headers=auth, content_type="application/json"
    )
    assert tested.status_code == 202
    Webhook(secret[0]).verify(receiver.requests[0]["body"], receiver.requests[0]["headers"])

    rotated = client.post(
        f"/api/v1/manage/webhooks/{endpoint_id}/rotate", headers=auth, content_type="application/json"
    )
    assert rotated.json()["secrets"][1] == secret[0]

    log = client.get(
        f"/api/v1/manage/webhooks/{endpoint_id}/deliveries?status=succeeded", headers=auth
    ).json()
    assert log["count"] == 1
    assert log["items"][0]["event_type"] == "webhook.test"
    detail = client.get(f"/api/v1/manage/webhook-deliveries/{log['items'][0]['id']}", headers=auth).json()
    assert detail["attempts_made"][0]["response_status"] == 200
    assert detail["attempts_made"][0]["request_headers"]["webhook-id"] == detail["message_id"]
    resent = client.post(
        f"/api/v1/manage/webhook-deliveries/{detail['id']}/resend",
        headers=auth,
        content_type="application/json",
    )
    assert resent.status_code == 202
    assert len(receiver.requests) == 2

    patched = client.patch(
        f"/api/v1/manage/webhooks/{endpoint_id}",
        {"enabled": False},
        content_type="application/json",
        headers=auth,
    )
    assert patched.json()["enabled"] is False
    assert patched.json()["event_types"] == ["order.paid"]
    actions = list(EndpointChange.objects.filter(endpoint_id=endpoint_id).values_list("action", flat=True))
    assert set(actions) >= {"created", "secret_revealed", "test_sent", "secret_rotated", "resent", "changed"}
    assert client.delete(f"/api/v1/manage/webhooks/{endpoint_id}", headers=auth).status_code == 204


def test_the_api_is_for_owner_tokens_of_the_organizer_only(shop, settings, client):
    settings.API_RATE_LIMIT = 0
    endpoint = WebhookEndpoint.objects.create(
        organizer=shop["organizer"], url="https://93.184.216.34/h", secret=signing.new_secret()
    )
    paths = [
        ("get", "/api/v1/manage/webhooks"),
        ("get", f"/api/v1/manage/webhooks/{endpoint.pk}"),
        ("get", f"/api/v1/manage/webhooks/{endpoint.pk}/secret"),
        ("post", f"/api/v1/manage/webhooks/{endpoint.pk}/rotate"),
        ("get", f"/api/v1/manage/webhooks/{endpoint.pk}/deliveries"),
    ]
    manager = bearer(shop, Membership.Role.MANAGER)
    other = make_organizer()
    from accounts import tokens

    _, raw = tokens.create_token(organizer=other, name="other", role=Membership.Role.OWNER, created_by=None)
    for method, path in paths:
        assert getattr(client, method)(path, content_type="application/json").status_code == 401
        assert (
            getattr(client, method)(path, content_type="application/json", headers=manager).status_code == 403
        )
        if path != "/api/v1/manage/webhooks":
            outsider = {"Authorization": f"Bearer {raw}"}
            assert (
                getattr(client, method)(path, content_type="application/json", headers=outsider).status_code
                == 404
            )
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret


def test_the_openapi_document_describes_every_message(client):
    document = client.get("/api/v1/openapi.json").json()
    assert set(document["webhooks"]) == {*domain_events.TYPES, "webhook.test"}
    paid = document["webhooks"]["order.paid"]["post"]
    ref = paid["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {"type", "timestamp", "data"}
    assert {p["name"] for p in paid["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}


# --- the back office -----------------------------------------------------------------------------


def owner_client(shop, recently: bool = True):
    from django.test import Client

    from accounts.sessions import AUTHENTICATED_AT, now

    client = Client()
    client.force_login(shop["owner"])
    session = client.session
    session[AUTHENTICATED_AT] = now() if recently else now() - 10 * 24 * 3600
    session.save()
    return client


def test_the_back_office_adds_an_endpoint_sends_a_test_and_shows_the_log(shop, receiver):
    client = owner_client(shop)
    added = client.post(
        "/manage/acme/webhooks/",
        json.dumps(
            {"url": receiver.url, "description": "CRM", "event_types": [], "events": [], "enabled": True}
        ),
        content_type="application/json",
        headers=INERTIA,
    )
    assert added.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    page = client.get(f"/manage/acme/webhooks/{endpoint.pk}/", headers=INERTIA).json()
    assert page["component"] == "Manage/Webhook"
    assert page["props"]["secrets"] is None
    client.post(f"/manage/acme/webhooks/{endpoint.pk}/test/", headers=INERTIA)
    assert types_sent(receiver) == ["webhook.test"]
    log = client.get(
        f"/manage/acme/webhooks/{endpoint.pk}/deliveries/?status=succeeded", headers=INERTIA
    ).json()
    (row,) = log["props"]["deliveries"]
    detail = client.get(f"/manage/acme/webhooks/deliveries/{row['id']}/", headers=INERTIA).json()
    assert detail["props"]["delivery"]["attempts_made"][0]["response_status"] == 200
    revealed = client.post(f"/manage/acme/webhooks/{endpoint.pk}/secret/", headers=INERTIA).json()
    assert revealed["props"]["secrets"] == [endpoint.secret]
    assert EndpointChange.objects.filter(
        endpoint=endpoint, action="secret_revealed", actor=shop["owner"]
    ).exists()


def test_the_back_office_refuses_an_unsafe_url_with_a_form_error(shop):
    client = owner_client(shop)
    refused = client.post(
        "/manage/acme/webhooks/",
        json.dumps({"url": "https://169.254.169.254/", "enabled": True}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert refused.status_code == 422
    assert "public" in refused.json()["props"]["errors"]["url"]
    assert not WebhookEndpoint.objects.exists()


def test_revealing_a_secret_asks_for_a_recent_sign_in(shop):
    endpoint = WebhookEndpoint.objects.create(
        organizer=shop["organizer"], url="https://93.184.216.34/h", secret=signing.new_secret()
    )
    client = owner_client(shop, recently=False)
    answer = client.post(f"/manage/acme/webhooks/{endpoint.pk}/secret/", headers=INERTIA)
    assert answer.status_code == 409
    assert "/accounts/confirm/" in answer["X-Inertia-Location"]
    assert not EndpointChange.objects.filter(action="secret_revealed").exists()


@pytest.mark.postgres  # the pool's threads write at once, which SQLite's shared test database refuses
def test_the_pool_sends_to_slow_receivers_side_by_side(shop, settings):
    """Three endpoints whose receiver answers only once all three requests are in flight at
    once: a pool that sent one after the other would make them all fail (503)."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_ALLOWED_PORTS = []  # the receiver's port
    settings.WEBHOOK_DELIVERY = "background"
    together = threading.Barrier(3, timeout=20)
    server = Receiver()

    def wait_for_the_others() -> None:
        try:
            together.wait()
        except threading.BrokenBarrierError:
            with server.lock:
                server.answers.insert(0, (503, {}))

    server.hold = wait_for_the_others
    try:
        endpoints = [add_endpoint(shop, f"{server.url}?n={n}") for n in range(3)]
        with transaction.atomic():
            sent = [delivery.queue_one(e, "webhook.test", "{}") for e in endpoints]
        done = threading.Event()
        for _ in range(600):
            if all(WebhookDelivery.objects.get(pk=d.pk).attempts for d in sent):
                done.set()
                break
            done.wait(0.05)
        assert done.is_set()
        assert {WebhookDelivery.objects.get(pk=d.pk).status for d in sent} == {"succeeded"}
    finally:
        server.close()
