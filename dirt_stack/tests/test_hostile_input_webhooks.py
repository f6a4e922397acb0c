"""Hostile input to webhooks (the hostile-input suite's rules, DEVELOPMENT.md): every field of
the back office's endpoint form, replay form and delivery-log filters, and of the organizer
API's endpoint, replay and log bodies and queries, with NUL bytes, over-long text, wrong
types, NaN, far dates, huge ids and deep JSON. Each request gets a readable 4xx (a filter an
ordinary answer) and writes nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from accounts import tokens
from accounts.models import Membership
from accounts.sessions import AUTHENTICATED_AT, now
from tests.factories import make_event, make_member, make_organizer
from tests.test_hostile_input import INERTIA, assert_readable_refusal
from webhooks import signing
from webhooks.models import EndpointChange, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

NUL = "\x00"
LONG = "x" * 100_000
DEEP = "[" * 100_000
PAGE = "/manage/acme/webhooks"
API = "/api/v1/manage/webhooks"
GOOD = {
    "url": "https://93.184.216.34/hook",
    "description": "CRM",
    "event_types": [],
    "events": [],
    "enabled": True,
}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: Any = None
    raw: str | None = None
    who: str = "owner"  # owner (the back office), token (the organizer API, an owner token)
    outcome: str = "refused"  # refused: a 4xx, nothing written; answered: a filter's 200


def _page(name: str, path: str, body: Any = None, raw: str | None = None) -> Case:
    return Case(name, "post", path, body, raw)


def _api(name: str, method: str, path: str, body: Any = None, raw: str | None = None) -> Case:
    return Case(name, method, path, body, raw, who="token")


def _with(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


CASES = [
    # The back office's endpoint form (new and edit).
    _page("url NUL", f"{PAGE}/", _with(url="https://93.184.216.34/a\x00")),
    _page("url long", f"{PAGE}/", _with(url="https://93.184.216.34/" + LONG)),
    _page("url number", f"{PAGE}/", _with(url=12)),
    _page("url list", f"{PAGE}/", _with(url=["https://93.184.216.34/"])),
    _page("url no scheme", f"{PAGE}/", _with(url="93.184.216.34/hook")),
    _page("url bad port", f"{PAGE}/", _with(url="https://93.184.216.34:99999/hook")),
    _page("url metadata", f"{PAGE}/", _with(url="http://169.254.169.254/latest/meta-data/")),
    _page("url ipv6 brackets", f"{PAGE}/", _with(url="https://[::1/")),
    _page("description NUL", f"{PAGE}/", _with(description="a\x00")),
    _page("description long", f"{PAGE}/", _with(description=LONG)),
    _page("description line break", f"{PAGE}/", _with(description="a\nb")),
    _page("event type unknown", f"{PAGE}/", _with(event_types=["order.stolen"])),
    _page("event type NUL", f"{PAGE}/", _with(event_types=["order.paid\x00"])),
    _page("event type object", f"{PAGE}/", _with(event_types=[{"a": 1}])),
    _page("events huge id", f"{PAGE}/", _with(events=[2**70])),
    _page("events text", f"{PAGE}/", _with(events=["abc"])),
    _page("events NaN", f"{PAGE}/", raw='{"url": "https://93.184.216.34/h", "events": [NaN]}'),
    _page("events another organizer's", f"{PAGE}/", _with(events=["{other_event}"])),
    _page("deep JSON", f"{PAGE}/", raw=DEEP),
    _page("edit url NUL", f"{PAGE}/{{endpoint}}/", _with(url="https://93.184.216.34/\x00")),
    _page("edit events huge", f"{PAGE}/{{endpoint}}/", _with(events=[2**70])),
    _page("edit id huge", f"{PAGE}/{2**70}/", GOOD),
    # Replay.
    _page("replay since NUL", f"{PAGE}/{{endpoint}}/replay/", {"since": "2030-01-01T00:00\x00"}),
    _page("replay since far future", f"{PAGE}/{{endpoint}}/replay/", {"since": "9999-12-31T23:59:59+00:00"}),
    _page("replay since far past", f"{PAGE}/{{endpoint}}/replay/", {"since": "0001-01-01T00:00:00+00:00"}),
    _page("replay since text", f"{PAGE}/{{endpoint}}/replay/", {"since": "yesterday"}),
    _page("replay since NaN", f"{PAGE}/{{endpoint}}/replay/", raw='{"since": NaN}'),
    _page("replay since missing", f"{PAGE}/{{endpoint}}/replay/", {}),
    _page("resend id huge", f"{PAGE}/deliveries/{2**70}/resend/", {}),
    Case("log status NUL", "get", f"{PAGE}/{{endpoint}}/deliveries/?status=%00", outcome="answered"),
    Case(
        "log type long",
        "get",
        f"{PAGE}/{{endpoint}}/deliveries/?event_type=" + "x" * 5000,
        outcome="answered",
    ),
    Case("log page NUL", "get", f"{PAGE}/{{endpoint}}/deliveries/?page=%00", outcome="answered"),
    # The organizer API.
    _api("api url NUL", "post", API, _with(url="https://93.184.216.34/\x00")),
    _api("api url long", "post", API, _with(url="https://93.184.216.34/" + LONG)),
    _api("api url number", "post", API, _with(url=5)),
    _api("api url private", "post", API, _with(url="https://10.0.0.1/hook")),
    _api("api description NUL", "post", API, _with(description="\x00")),
    _api("api event types string", "post", API, _with(event_types="order.paid")),
    _api("api event types unknown", "post", API, _with(event_types=["nope"])),
    _api("api event types many", "post", API, _with(event_types=["order.paid"] * 1000)),
    _api("api events huge", "post", API, _with(events=[2**70])),
    _api("api events float", "post", API, _with(events=[1.5])),
    _api("api events string", "post", API, _with(events=["1"])),
    _api("api events bool", "post", API, _with(events=[True])),
    _api("api enabled string", "post", API, _with(enabled="yes")),
    _api("api NaN", "post", API, raw='{"url": "https://93.184.216.34/h", "events": [NaN]}'),
    _api("api deep JSON", "post", API, raw=DEEP),
    _api("api body string", "post", API, raw='"https://93.184.216.34/"'),
    _api("api patch url NUL", "patch", f"{API}/{{endpoint}}", {"url": "\x00"}),
    _api("api patch events huge", "patch", f"{API}/{{endpoint}}", {"events": [2**70]}),
    _api("api patch id huge", "patch", f"{API}/{2**70}", {"enabled": False}),
    _api("api patch id text", "patch", f"{API}/abc", {"enabled": False}),
    _api("api replay since far", "post", f"{API}/{{endpoint}}/replay", {"since": "9999-01-01T00:00:00Z"}),
    _api("api replay since old", "post", f"{API}/{{endpoint}}/replay", {"since": "2001-01-01T00:00:00Z"}),
    _api("api replay since NUL", "post", f"{API}/{{endpoint}}/replay", {"since": "\x00"}),
    _api("api replay since number", "post", f"{API}/{{endpoint}}/replay", {"since": 1e308}),
    _api("api log status bad", "get", f"{API}/{{endpoint}}/deliveries?status=nope"),
    _api("api log status NUL", "get", f"{API}/{{endpoint}}/deliveries?status=%00"),
    _api("api log type long", "get", f"{API}/{{endpoint}}/deliveries?event_type=" + "x" * 5000),
    _api("api log page huge", "get", f"{API}/{{endpoint}}/deliveries?page=" + "9" * 30),
    _api("api delivery id huge", "get", f"/api/v1/manage/webhook-deliveries/{2**70}"),
    _api("api resend id NUL", "post", "/api/v1/manage/webhook-deliveries/1%00/resend", {}),
]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.API_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"
    settings.WEBHOOK_DELIVERY = "manual"


@pytest.fixture
def shop() -> dict[str, Any]:
    organizer = make_organizer(slug="acme")
    make_event(organizer=organizer, slug="gig")
    other_event = make_event(organizer=make_organizer(), slug="theirs")
    endpoint = WebhookEndpoint.objects.create(
        organizer=organizer, url="https://93.184.216.34/hook", secret=signing.new_secret()
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint, message_id="msg_a", event_type="webhook.test", payload="{}", status="failed"
    )
    _, token = tokens.create_token(organizer=organizer, name="t", role=Membership.Role.OWNER, created_by=None)
    owner = Client()
    owner.force_login(make_member(organizer, role=Membership.Role.OWNER))
    session = owner.session
    session[AUTHENTICATED_AT] = now()
    session.save()
    return {
        "owner": owner,
        "token": token,
        "values": {"endpoint": str(endpoint.pk), "other_event": str(other_event.pk)},
    }


def snapshot() -> tuple[Any, ...]:
    return (
        list(
            WebhookEndpoint.objects.order_by("id").values_list(
                "id", "url", "description", "event_types", "enabled", "secret"
            )
        ),
        list(WebhookEndpoint.events.through.objects.values_list("webhookendpoint_id", "event_id")),
        list(WebhookDelivery.objects.order_by("id").values_list("id", "status", "attempts")),
        EndpointChange.objects.count(),
    )


def _fill(text: str, values: dict[str, str]) -> str:
    for name, real in values.items():
        text = text.replace("{" + name + "}", real)
    return text


def send(case: Case, shop: dict[str, Any]) -> Any:
    values = shop["values"]
    path = _fill(case.path, values)
    if case.who == "token":
        client, headers = Client(), {"Authorization": f"Bearer {shop['token']}"}
    else:
        client, headers = shop["owner"], dict(INERTIA)
    if case.body is None and case.raw is None:
        return getattr(client, case.method)(path, headers=headers)
    data = case.raw if case.raw is not None else _fill(json.dumps(case.body), values)
    data = data.replace('"{other_event}"', values["other_event"])
    return getattr(client, case.method)(path, data, content_type="application/json", headers=headers)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_webhook_input_is_refused_readably_and_writes_nothing(shop, case):
    before = snapshot()
    response = send(case, shop)
    if case.outcome == "answered":
        assert response.status_code == 200, response.content[:300]
    else:
        assert_readable_refusal(response, case.path)
    assert snapshot() == before
