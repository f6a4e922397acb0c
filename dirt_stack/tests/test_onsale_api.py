"""The on-sale room for programs and organizers: the public queue endpoints, the
organizer API's room, and the back office's console (settings, pause and resume, the
rate, live counts, the log)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts import tokens
from onsale import services as onsale
from onsale.models import QueueEntry, Room, RoomChange
from storefront import room
from tests.factories import make_event, make_member, make_organizer, make_ticket_type
from tests.support.api import call
from tests.test_hoarding_api import solved
from tests.test_onsale_web import INERTIA, STATUS_KEYS, open_room

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.ALTCHA_MAX_NUMBER = 2_000
    settings.INERTIA_VERSION = "0.1.0"
    settings.ONSALE_TICK_SECONDS = 0
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 30


@pytest.fixture
def event():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="rush", payment_methods=["demo"], timezone="Europe/Prague")
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=50)
    return event


def api_join(client: Client, altcha: object):
    return client.post(
        "/api/v1/events/rush/queue", json.dumps({"altcha": altcha}), content_type="application/json"
    )


# --- the public API ------------------------------------------------------------------------


def test_a_program_joins_polls_and_buys_with_its_admission(event):
    open_room(event)
    client = Client()
    joined = api_join(client, solved(client))
    assert joined.status_code == 201, joined.content[:300]
    assert set(joined.json()) == STATUS_KEYS | {"admission_token"}
    assert joined.cookies[room.BROWSER_COOKIE]["httponly"]
    again = api_join(client, solved(client))
    assert again.status_code == 200
    assert QueueEntry.objects.count() == 1
    onsale.tick(event.pk)
    status = client.get("/api/v1/events/rush/queue")
    assert status.status_code == 200
    assert status["Retry-After"]
    body = status.json()
    assert body["state"] == "your_turn"
    token = body["admission_token"]
    client.cookies.pop(room.admission_cookie(event.pk), None)
    purchase = {
        "lines": [{"ticket_type_id": event.ticket_types.get().pk, "quantity": 2}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
    }
    bought = client.post(
        "/api/v1/events/rush/orders",
        json.dumps(purchase),
        content_type="application/json",
        headers={"Admission-Token": token},
    )
    assert bought.status_code == 201, bought.content[:300]
    assert client.get("/api/v1/events/rush/queue").json()["state"] == "used"


def test_the_api_join_needs_a_proof_of_work_and_an_open_room(event):
    client = Client()
    closed = api_join(client, solved(client))
    assert closed.status_code == 409
    assert closed["Content-Type"] == "application/problem+json"
    open_room(event)
    refused = api_join(client, "not-a-payload")
    assert refused.status_code == 428
    assert refused.json()["field"] == "altcha"
    assert api_join(client, None).status_code == 422
    assert not QueueEntry.objects.exists()
    assert Client().get("/api/v1/events/nope/queue").status_code == 404


def test_the_api_status_without_a_browser_is_not_joined(event):
    open_room(event)
    body = Client().get("/api/v1/events/rush/queue").json()
    assert body["state"] == "not_joined"
    assert body["admission_token"] is None


def test_the_openapi_document_describes_the_room():
    document = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/events/{slug}/queue" in document["paths"]
    assert "/api/v1/manage/events/{slug}/room" in document["paths"]
    purchase = document["paths"]["/api/v1/events/{slug}/orders"]["post"]
    assert "403" in purchase["responses"]
    assert "Admission-Token" in purchase["description"]


# --- the organizer API ---------------------------------------------------------------------


@pytest.fixture
def manager_token(event):
    return tokens.create_token(organizer=event.organizer, name="ops", role="manager", created_by=None)[1]


ROOM = {
    "enabled": True,
    "queue_opens_at": "2030-12-01T09:00",
    "sale_starts_at": "2030-12-01T10:00:00+01:00",
    "admissions_per_minute": 300,
    "max_active_shoppers": 50,
    "session_minutes": 8,
    "mode": "fifo",
}


def test_the_organizer_api_sets_the_room_up_pauses_and_resumes_it(event, manager_token):
    empty = call("get", "/api/v1/manage/events/rush/room", manager_token).json()
    assert empty["settings"]["enabled"] is False
    assert empty["counts"]["queued"] == 0
    saved = call("put", "/api/v1/manage/events/rush/room", manager_token, ROOM)
    assert saved.status_code == 200, saved.content[:300]
    settings = saved.json()["settings"]
    # Local times are the event's (Prague, +01:00 in December).
    assert settings["queue_opens_at"] == "2030-12-01T09:00"
    assert settings["sale_starts_at"] == "2030-12-01T10:00"
    assert settings["mode"] == "fifo"
    stored = Room.objects.get(event=event)
    assert stored.sale_starts_at == dt.datetime(2030, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert stored.session_minutes == 8
    assert call("post", "/api/v1/manage/events/rush/room/pause", manager_token).json()["counts"]["paused"]
    resumed = call("post", "/api/v1/manage/events/rush/room/resume", manager_token).json()
    assert resumed["counts"]["paused"] is False
    actions = list(RoomChange.objects.order_by("pk").values_list("action", "actor_label"))
    assert [a for a, _ in actions][-2:] == ["paused", "resumed"]
    assert all(label == "API token “ops”" for _, label in actions)
    assert resumed["changes"][0]["action"] == "resumed"


def test_the_organizer_api_refuses_bad_settings_by_field(event, manager_token):
    later_queue = {**ROOM, "queue_opens_at": "2030-12-01T11:00"}
    refused = call("put", "/api/v1/manage/events/rush/room", manager_token, later_queue)
    assert refused.status_code == 422
    assert {tuple(e["loc"]) for e in refused.json()["errors"]} & {
        ("body", "queue_opens_at"),
        ("body", "sale_starts_at"),
    }
    assert (
        call("put", "/api/v1/manage/events/rush/room", manager_token, {**ROOM, "mode": "loud"}).status_code
        == 422
    )
    assert (
        call(
            "put", "/api/v1/manage/events/rush/room", manager_token, {**ROOM, "session_minutes": 0}
        ).status_code
        == 422
    )
    assert call("post", "/api/v1/manage/events/rush/room/pause", manager_token).status_code == 422
    assert not Room.objects.exists()


# --- the back office's console -------------------------------------------------------------


@pytest.fixture
def manager(event):
    client = Client()
    client.force_login(make_member(event.organizer, role="manager"))
    return client


def test_the_console_saves_settings_and_shows_errors_next_to_fields(event, manager):
    url = "/manage/acme/events/rush/room/"
    page = manager.get(url, headers=INERTIA)
    assert page.status_code == 200
    props = page.json()["props"]
    assert props["exists"] is False
    assert props["counts_url"] == "/manage/acme/events/rush/room/counts/"
    form = {
        "enabled": True,
        "queue_opens_at": "2030-12-01T09:00",
        "sale_starts_at": "2030-12-01T08:00",
        "admissions_per_minute": 120,
        "max_active_shoppers": 100,
        "session_minutes": 10,
        "mode": "random",
    }
    refused = manager.post(url, json.dumps(form), content_type="application/json", headers=INERTIA)
    assert refused.status_code == 422
    assert set(refused.json()["props"]["errors"]) & {"queue_opens_at", "sale_starts_at"}
    form["sale_starts_at"] = "2030-12-01T10:00"
    saved = manager.post(url, json.dumps(form), content_type="application/json", headers=INERTIA)
    assert saved.status_code == 302
    props = manager.get(url, headers=INERTIA).json()["props"]
    assert props["exists"] is True
    assert props["settings"]["sale_starts_at"] == "2030-12-01T10:00"
    assert props["changes"][0]["actor"].endswith("@example.com")


def test_the_console_pauses_resumes_changes_the_rate_and_counts(event, manager):
    open_room(event)
    for _ in range(3):
        client = Client()
        assert (
            client.post(
                "/events/rush/queue/join/",
                json.dumps({"altcha": solved(client)}),
                content_type="application/json",
                headers=INERTIA,
            ).status_code
            == 302
        )
    counts = manager.get("/manage/acme/events/rush/room/counts/")
    assert counts["Cache-Control"].startswith("no-store")
    body = counts.json()
    assert body["prequeued"] + body["queued"] + body["admitted"] == 3 or body["queued"] == 3
    assert body["active"] is True
    assert manager.post("/manage/acme/events/rush/room/pause/", headers=INERTIA).status_code == 302
    assert manager.get("/manage/acme/events/rush/room/counts/").json()["paused"] is True
    assert manager.post("/manage/acme/events/rush/room/resume/", headers=INERTIA).status_code == 302
    rate = manager.post(
        "/manage/acme/events/rush/room/rate/",
        json.dumps({"admissions_per_minute": 30}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert rate.status_code == 302
    assert Room.objects.get().admissions_per_minute == 30
    bad = manager.post(
        "/manage/acme/events/rush/room/rate/",
        json.dumps({"admissions_per_minute": 0}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert bad.status_code == 422
    assert bad.json()["props"]["errors"]["admissions_per_minute"]
    actions = list(RoomChange.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["paused", "resumed", "rate_changed"]


def test_door_staff_cannot_open_the_console(event):
    door = Client()
    door.force_login(make_member(event.organizer, role="door_staff"))
    assert door.get("/manage/acme/events/rush/room/").status_code == 403
    assert door.post("/manage/acme/events/rush/room/pause/").status_code == 403
    when = timezone.now()
    assert not RoomChange.objects.filter(created_at__gte=when).exists()
