"""Hostile input to the on-sale room (the hostile-input suite's rules, DEVELOPMENT.md):
every new field (the console's settings and rate, the organizer API's room, the join
body, the ``Admission-Token`` header, the ``maticko_browser`` and admission cookies) with
NUL bytes, over-long text, NaN and infinite numbers, far dates and deep JSON. Each
request gets a readable 4xx (or, for a status read, an ordinary answer) and writes
nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts import tokens
from onsale.models import QueueEntry, Room, RoomChange
from sales.models import Hold, Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type
from tests.test_onsale_web import INERTIA, open_room

pytestmark = pytest.mark.django_db

NUL = "\x00"
LONG = "x" * 100_000
DEEP = "[" * 100_000
ROOM_PAGE = "/manage/acme/events/rush/room/"
API_ROOM = "/api/v1/manage/events/rush/room"
SETTINGS = {
    "enabled": True,
    "queue_opens_at": "2030-12-01T09:00",
    "sale_starts_at": "2030-12-01T10:00",
    "admissions_per_minute": 120,
    "max_active_shoppers": 100,
    "session_minutes": 10,
    "mode": "random",
}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: Any = None
    raw: str | None = None
    who: str = "anonymous"  # anonymous, manager (the console), token (the organizer API)
    headers: dict[str, str] = field(default_factory=dict)
    cookie: str | None = None  # a raw Cookie header
    # refused: a 4xx, nothing written. answered: a read that ignores what it cannot use (200).
    outcome: str = "refused"


def _settings(**changes: Any) -> dict[str, Any]:
    return {**SETTINGS, **changes}


def _purchase() -> dict[str, Any]:
    return {
        "lines": [{"ticket_type_id": "{type}", "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
    }


def _hold() -> dict[str, Any]:
    return {"quantities": {"{type}": 1}}


CASES = [
    # The console's settings form.
    Case("settings queue NUL", "post", ROOM_PAGE, _settings(queue_opens_at=f"2030{NUL}"), who="manager"),
    Case("settings sale long", "post", ROOM_PAGE, _settings(sale_starts_at=LONG), who="manager"),
    Case("settings far date", "post", ROOM_PAGE, _settings(sale_starts_at="9999-12-31T23:59"), who="manager"),
    Case("settings year 0", "post", ROOM_PAGE, _settings(queue_opens_at="0000-01-01T00:00"), who="manager"),
    Case(
        "settings rate NaN", "post", ROOM_PAGE, raw=json.dumps(SETTINGS).replace("120", "NaN"), who="manager"
    ),
    Case(
        "settings rate 1e999",
        "post",
        ROOM_PAGE,
        raw=json.dumps(SETTINGS).replace("120", "1e999"),
        who="manager",
    ),
    Case("settings rate huge", "post", ROOM_PAGE, _settings(admissions_per_minute=10**30), who="manager"),
    Case(
        "settings shoppers text", "post", ROOM_PAGE, _settings(max_active_shoppers=f"1{NUL}"), who="manager"
    ),
    Case("settings session 61", "post", ROOM_PAGE, _settings(session_minutes=61), who="manager"),
    Case("settings mode NUL", "post", ROOM_PAGE, _settings(mode=f"random{NUL}"), who="manager"),
    Case("settings mode list", "post", ROOM_PAGE, _settings(mode=["random"]), who="manager"),
    Case("settings deep JSON", "post", ROOM_PAGE, raw=DEEP, who="manager"),
    Case("rate NaN", "post", f"{ROOM_PAGE}rate/", raw='{"admissions_per_minute": NaN}', who="manager"),
    Case("rate NUL", "post", f"{ROOM_PAGE}rate/", {"admissions_per_minute": NUL}, who="manager"),
    Case("rate negative", "post", f"{ROOM_PAGE}rate/", {"admissions_per_minute": -5}, who="manager"),
    # The organizer API's room.
    Case("api queue NUL", "put", API_ROOM, _settings(queue_opens_at=f"2030{NUL}"), who="token"),
    Case("api sale far", "put", API_ROOM, _settings(sale_starts_at="9999-12-31T23:59:00+14:00"), who="token"),
    Case("api sale far local", "put", API_ROOM, _settings(sale_starts_at="9999-12-31T23:59"), who="token"),
    Case("api rate NaN", "put", API_ROOM, raw=json.dumps(SETTINGS).replace("120", "NaN"), who="token"),
    Case("api rate huge", "put", API_ROOM, _settings(admissions_per_minute=10**30), who="token"),
    Case("api rate float", "put", API_ROOM, _settings(admissions_per_minute=1.5), who="token"),
    Case("api mode long", "put", API_ROOM, _settings(mode=LONG), who="token"),
    Case("api enabled text", "put", API_ROOM, _settings(enabled=f"yes{NUL}"), who="token"),
    Case("api deep JSON", "put", API_ROOM, raw=DEEP, who="token"),
    Case("api not an object", "put", API_ROOM, raw='"room"', who="token"),
    # Joining: the body.
    Case("join altcha NUL", "post", "/events/rush/queue/join/", {"altcha": f"a{NUL}b"}),
    Case("join altcha long", "post", "/events/rush/queue/join/", {"altcha": LONG}),
    Case("join altcha number", "post", "/events/rush/queue/join/", raw='{"altcha": 1e999}'),
    Case("join altcha list", "post", "/events/rush/queue/join/", {"altcha": [1, 2]}),
    Case("join deep JSON", "post", "/events/rush/queue/join/", raw=DEEP),
    Case("api join altcha NUL", "post", "/api/v1/events/rush/queue", {"altcha": f"a{NUL}b"}),
    Case("api join altcha long", "post", "/api/v1/events/rush/queue", {"altcha": LONG}),
    Case("api join altcha NaN", "post", "/api/v1/events/rush/queue", raw='{"altcha": NaN}'),
    Case("api join deep JSON", "post", "/api/v1/events/rush/queue", raw=DEEP),
    # The admission token: header and cookie.
    Case(
        "token header NUL",
        "post",
        "/api/v1/events/rush/orders",
        _purchase(),
        headers={"Admission-Token": f"a{NUL}"},
    ),
    Case(
        "token header long",
        "post",
        "/api/v1/events/rush/orders",
        _purchase(),
        headers={"Admission-Token": LONG},
    ),
    Case(
        "token header non-ASCII",
        "post",
        "/api/v1/events/rush/orders",
        _purchase(),
        headers={"Admission-Token": "é.é.é"},
    ),
    Case(
        "token header alg none",
        "post",
        "/api/v1/events/rush/orders",
        _purchase(),
        headers={"Admission-Token": "eyJhbGciOiJub25lIn0.eyJldiI6MX0."},
    ),
    Case("token cookie NUL", "post", "/events/rush/hold/", _hold(), cookie="maticko_admission_{event}=a%00b"),
    Case(
        "token cookie long",
        "post",
        "/events/rush/hold/",
        _hold(),
        cookie="maticko_admission_{event}=" + "y" * 5000,
    ),
    # The browser's cookie.
    Case(
        "browser cookie NUL on status",
        "get",
        "/events/rush/queue/status/",
        cookie="maticko_browser=a%00b",
        outcome="answered",
    ),
    Case(
        "browser cookie long on status",
        "get",
        "/api/v1/events/rush/queue",
        cookie="maticko_browser=" + "b" * 5000,
        outcome="answered",
    ),
    Case(
        "browser cookie NUL on purchase",
        "post",
        "/api/v1/events/rush/orders",
        _purchase(),
        cookie="maticko_browser=\x00",
    ),
    Case(
        "browser cookie on queue page",
        "get",
        "/events/rush/queue/",
        cookie="maticko_browser=" + "é" * 10,
        outcome="answered",
    ),
]


@pytest.fixture
def shop(settings):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    settings.ONSALE_TICK_SECONDS = 0
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="rush", payment_methods=["demo"])
    ticket_type = make_ticket_type(event, price=Decimal("10.00"), capacity=10)
    open_room(event)
    manager = make_member(organizer, role="manager")
    token = tokens.create_token(organizer=organizer, name="ops", role="manager", created_by=None)[1]
    return {"event": event, "type": ticket_type.pk, "manager": manager, "token": token}


def _fill(value: Any, shop: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if value == "{type}":
            return shop["type"]
        return value.replace("{event}", str(shop["event"].pk))
    if isinstance(value, dict):
        return {_fill(k, shop) if k == "{type}" else k: _fill(v, shop) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, shop) for v in value]
    return value


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Room.objects.values_list("pk", "admissions_per_minute", "sale_starts_at", "mode", "enabled")),
        RoomChange.objects.count(),
        QueueEntry.objects.count(),
        Order.objects.count(),
        Hold.objects.count(),
    )


def _send(case: Case, shop: dict[str, Any]):
    client = Client()
    headers = dict(case.headers)
    if case.who == "manager":
        client.force_login(shop["manager"])
    if case.who == "token":
        headers["Authorization"] = f"Bearer {shop['token']}"
    if not case.path.startswith("/api/"):
        headers.update(INERTIA)
    extra: dict[str, Any] = {}
    if case.cookie is not None:
        extra["HTTP_COOKIE"] = _fill(case.cookie, shop)
    if case.method == "get":
        return getattr(client, "get")(case.path, headers=headers, **extra)  # noqa: B009 - META as kwargs
    data = case.raw if case.raw is not None else json.dumps(_fill(case.body, shop))
    return getattr(client, case.method)(
        case.path, data, content_type="application/json", headers=headers, **extra
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_room_input_is_refused_readably_and_writes_nothing(shop, case):
    before = _snapshot()
    response = _send(case, shop)
    if case.outcome == "answered":
        assert response.status_code == 200, response.content[:300]
    else:
        assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
        assert response.content
        if case.path.startswith("/api/"):
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["detail"]
    assert _snapshot() == before
