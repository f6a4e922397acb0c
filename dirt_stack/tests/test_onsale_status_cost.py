"""What the waiting crowd's requests cost: the queue status answer reads one indexed row
set and skips the session and page machinery (storefront.middleware), polls grow sparse
with the distance to the turn, and a join writes from its own read (issue #18, must-show
5's status figure is bench/overload.py's; these tests pin the work per request)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onsale import services as onsale
from onsale import snapshots
from onsale.models import QueueEntry, Room
from storefront import room
from tests.factories import make_event, make_ticket_type
from tests.support.processes import gunicorn_server
from tests.test_onsale_web import STATUS_KEYS, join, open_room, solved

pytestmark = pytest.mark.django_db(transaction=True)

WEB_STATUS = "/events/{slug}/queue/status/"
API_STATUS = "/api/v1/events/{slug}/queue"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.ALTCHA_MAX_NUMBER = 2_000
    settings.INERTIA_VERSION = "0.1.0"
    settings.ONSALE_TICK_SECONDS = 0
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 30


@pytest.fixture
def event():
    event = make_event(slug="rush", payment_methods=["demo"])
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=50)
    return event


def waiting_client(event) -> Client:
    """A browser waiting in a room that admits one a minute, behind 20 others."""
    open_room(event, admissions_per_minute=1)
    client = Client()
    assert join(client, event).status_code == 302
    now = timezone.now()
    QueueEntry.objects.filter(room__event=event).update(position=21)
    # Drawn, and ticked "just now" for the next hour: no status ticks the room itself.
    Room.objects.filter(event=event).update(opened_at=now, last_tick_at=now + dt.timedelta(hours=1))
    snapshots.forget()  # the join kept the room as it was before these writes behind its back
    return client


@pytest.mark.parametrize("path", [WEB_STATUS, API_STATUS])
def test_a_waiting_status_costs_one_query_and_no_cookie(event, path):
    client = waiting_client(event)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path.format(slug=event.slug))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "waiting"
    assert (body["position"], body["ahead"]) == (21, 20)
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
    # No session, CSRF or message cookie: nothing but the answer.
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.parametrize("path", [WEB_STATUS, API_STATUS])
def test_the_status_answer_keeps_the_security_headers_and_the_request_log(event, path, caplog):
    client = waiting_client(event)
    with caplog.at_level("INFO", logger="maticko.request"):
        response = client.get(path.format(slug=event.slug), headers={"X-Request-ID": "poll-7"})
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
    assert response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Request-ID"] == "poll-7"
    assert response["Retry-After"] == str(response.json()["poll_after_seconds"])
    (line,) = [record for record in caplog.records if getattr(record, "request_id", None) == "poll-7"]
    assert line.status == 200
    assert line.route == ("api:join_queue" if path == API_STATUS else "events:queue_status")


@pytest.mark.parametrize("path", [WEB_STATUS, API_STATUS])
def test_the_early_answer_is_the_views_answer(event, path, settings):
    client = waiting_client(event)
    early = client.get(path.format(slug=event.slug))
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if name != "storefront.middleware.QueueStatusMiddleware"
    ]
    from_view = client.get(path.format(slug=event.slug))
    assert from_view.status_code == early.status_code == 200
    assert from_view.json() == early.json()
    assert set(early.json()) == STATUS_KEYS | ({"admission_token"} if path == API_STATUS else set())
    assert from_view["Retry-After"] == early["Retry-After"]


def test_an_unknown_event_falls_through_to_the_views_404(event):
    assert Client().get(WEB_STATUS.format(slug="nothing-here")).status_code == 404
    api = Client().get(API_STATUS.format(slug="nothing-here"))
    assert api.status_code == 404
    assert api["Content-Type"] == "application/problem+json"
    # A draft event is not public: no status either.
    make_event(slug="draft", status="draft")
    assert Client().get(WEB_STATUS.format(slug="draft")).status_code == 404


def test_a_disallowed_host_is_refused_before_any_status(event, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    waiting = waiting_client(event)
    with CaptureQueriesContext(connection) as queries:
        response = waiting.get(WEB_STATUS.format(slug=event.slug), headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert not queries.captured_queries


def test_polls_grow_sparse_with_the_distance_to_the_turn(event):
    open_room(event, admissions_per_minute=60)
    now = timezone.now()
    room_row = Room.objects.get(event=event)

    def poll(position: int) -> int:
        entry = QueueEntry(
            room=room_row, browser_hash="x", position=position, status=QueueEntry.Status.WAITING
        )
        return onsale.status_of(room_row, entry, now).poll_after_seconds

    # One a second: the next in line asks every second, 40 back every ten seconds,
    # an hour back every half minute (the most).
    assert poll(1) == 1
    assert poll(41) == 10
    assert poll(3_600) == 30
    assert [poll(n) for n in (1, 5, 41, 81, 200)] == sorted(poll(n) for n in (1, 5, 41, 81, 200))
    # Before the sale: a quarter of the countdown, short just before the opening.
    assert onsale.poll_after(3) == 1
    assert onsale.poll_after(60) == 15
    assert onsale.poll_after(10_000) == 30


def api_join(client: Client, event, **extra):
    return client.post(
        API_STATUS.format(slug=event.slug),
        json.dumps({"altcha": solved(client)}),
        content_type="application/json",
        **extra,
    )


def test_a_join_reads_once_and_answers_from_its_own_rows(event):
    open_room(event)
    client = Client()
    body = json.dumps({"altcha": solved(client)})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(API_STATUS.format(slug=event.slug), body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["state"] == "drawing"
    statements = [q["sql"] for q in queries.captured_queries]
    # The event and room read once (the entry is not read: the insert finds out whether
    # this browser joined before); then the address's counter, the challenge spent and
    # the entry: on PostgreSQL one statement, elsewhere three INSERTs.
    reads = [sql for sql in statements if sql.startswith("SELECT")]
    assert len(reads) == 1, statements
    if connection.vendor == "postgresql":
        (write,) = [sql for sql in statements if not sql.startswith("SELECT")]
        assert write.startswith("WITH"), statements
    else:
        assert sum(sql.startswith("INSERT") for sql in statements) == 3, statements
    again = client.post(
        API_STATUS.format(slug=event.slug),
        json.dumps({"altcha": solved(client)}),
        content_type="application/json",
    )
    assert again.status_code == 200
    assert QueueEntry.objects.filter(room__event=event).count() == 1


def test_no_join_limit_when_it_is_zero(event, settings):
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 0
    open_room(event)
    codes = [api_join(Client(), event, REMOTE_ADDR="203.0.113.9").status_code for _ in range(4)]
    assert codes == [201] * 4
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 1
    limited = [api_join(Client(), event, REMOTE_ADDR="203.0.113.10").status_code for _ in range(2)]
    assert limited == [201, 429]


def test_the_status_answer_reads_its_room_from_sqlite_and_postgresql_alike(event):
    """Moments come back aware and flags as booleans whatever the database answers."""
    opens = timezone.now() - dt.timedelta(minutes=3)
    open_room(event, queue_opens_at=opens, sale_starts_at=opens + dt.timedelta(hours=2))
    client = Client()
    join(client, event)
    found = onsale.lookup(browser_id=client.cookies[room.BROWSER_COOKIE].value, slug=event.slug)
    assert found is not None
    assert found.room is not None
    assert found.entry is not None
    assert found.room.queue_opens_at == Room.objects.get(event=event).queue_opens_at
    assert timezone.is_aware(found.room.sale_starts_at)
    assert found.room.enabled is True
    assert found.room.paused is False
    assert found.entry.prequeued is True


@pytest.mark.slow
def test_the_status_answers_503_when_the_database_is_unreachable(tmp_path):
    env = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/maticko",
        "DATABASE_POOL_TIMEOUT": "2",
        "DATABASE_CONNECT_TIMEOUT": "2",
    }
    with gunicorn_server(env, tmp_path) as server:
        web_status, web_headers, web_body = server.get("/events/rush/queue/status/")
        api_status, api_headers, api_body = server.get("/api/v1/events/rush/queue")
    assert (web_status, api_status) == (503, 503)
    assert web_headers["Retry-After"] == api_headers["Retry-After"] == "5"
    assert "cannot reach its database" in web_body.decode()
    assert "cannot reach its database" in json.loads(api_body)["detail"]


def test_polls_read_the_room_from_the_snapshot_and_see_changes_made_here_at_once(event):
    client = waiting_client(event)
    path = WEB_STATUS.format(slug=event.slug)
    assert client.get(path).json()["state"] == "waiting"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).json()["state"] == "waiting"
    (query,) = queries.captured_queries
    assert "onsale_room" not in query["sql"]  # the entry alone, by (room, browser_hash)
    # Pausing here forgets the snapshot: the next poll says so.
    onsale.pause(Room.objects.get(event=event), actor=None, actor_label="test")
    assert client.get(path).json()["state"] == "paused"
    # A visitor without a browser cookie costs no query once the room is known.
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(path).json()["state"] == "not_joined"
    assert not queries.captured_queries
