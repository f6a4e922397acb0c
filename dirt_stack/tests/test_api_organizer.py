"""Organizer API: scoped to the token's organizer, roles enforced, every answer a readable document."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from accounts import tokens
from sales import pricing, purchase
from sales.models import AuditEntry, Order
from taxes.models import TaxRule
from tests.factories import make_event, make_organizer, make_ticket_type, only_date
from tests.support.api import call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


@pytest.fixture
def api():
    mine, theirs = make_organizer(slug="mine"), make_organizer(slug="theirs")
    event = make_event(organizer=mine, slug="gig", timezone="Europe/Prague")
    ticket_type = make_ticket_type(event, name="Entry", price=Decimal("10.00"), capacity=20)
    other_event = make_event(organizer=theirs, slug="their-gig")
    details = pricing.BuyerDetails(
        name="Ana", email="ana@example.com", payment_method="demo", attendee_names=["Ana A", "Bo B"]
    )
    order = purchase.place_order(
        only_date(event), {ticket_type.pk: 2}, details, base_url="http://testserver/"
    ).order
    other_type = make_ticket_type(other_event)
    other_details = pricing.BuyerDetails(name="Zed", email="z@example.com", payment_method="demo")
    other_order = purchase.place_order(
        only_date(other_event), {other_type.pk: 1}, other_details, base_url="http://testserver/"
    ).order
    raw = {
        role: tokens.create_token(organizer=mine, name=role, role=role, created_by=None)[1]
        for role in ("manager", "door_staff")
    }
    foreign = tokens.create_token(organizer=theirs, name="foreign", role="owner", created_by=None)[1]
    return {
        "event": event, "ticket_type": ticket_type, "order": order, "other_order": other_order,
        "other_type": other_type, "manager": raw["manager"], "door": raw["door_staff"], "foreign": foreign,
        "rule": TaxRule.objects.create(organizer=mine, name="VAT", rate=Decimal("19")),
    }  # fmt: skip


NEW_EVENT = {
    "title": "New",
    "starts_at": "2031-01-01T18:00:00Z",
    "ends_at": "2031-01-01T20:00:00Z",
    "venue_name": "H",
}
NEW_TYPE = {"name": "VIP", "price": "50.00", "capacity": 5}
NEW_DATE = {"starts_at": "2031-02-01T18:00:00Z", "ends_at": "2031-02-01T20:00:00Z"}
NEW_ROOM = {
    "enabled": True,
    "queue_opens_at": "2030-12-01T09:00:00Z",
    "sale_starts_at": "2030-12-01T10:00:00Z",
}


def endpoints(api) -> list[tuple[str, str, object | None, bool]]:
    """(method, path, body, needs a manager) for every organizer endpoint, aimed at "mine"."""
    code, tt, date = api["order"].code, api["ticket_type"].pk, only_date(api["event"]).pk
    rule = api["rule"].pk
    return [
        ("get", "/api/v1/manage/events", None, False),
        ("post", "/api/v1/manage/events", NEW_EVENT, True),
        ("get", "/api/v1/manage/events/gig", None, False),
        ("patch", "/api/v1/manage/events/gig", {"title": "Renamed"}, True),
        ("post", "/api/v1/manage/events/gig/duplicate", {"starts_at": "2031-03-01T18:00:00Z"}, True),
        ("get", "/api/v1/manage/events/gig/ticket-types", None, False),
        ("post", "/api/v1/manage/events/gig/ticket-types", NEW_TYPE, True),
        ("patch", f"/api/v1/manage/events/gig/ticket-types/{tt}", {"capacity": 30}, True),
        ("get", "/api/v1/manage/events/gig/dates", None, False),
        ("post", "/api/v1/manage/events/gig/dates", NEW_DATE, True),
        ("get", f"/api/v1/manage/events/gig/dates/{date}", None, False),
        ("patch", f"/api/v1/manage/events/gig/dates/{date}", {"status": "sold_out"}, True),
        ("get", "/api/v1/manage/events/gig/orders", None, True),
        ("get", f"/api/v1/manage/orders/{code}", None, True),
        ("post", f"/api/v1/manage/orders/{code}/refund", {"amount": "1.00"}, True),
        ("post", f"/api/v1/manage/orders/{code}/mark-paid", {}, True),
        ("post", f"/api/v1/manage/orders/{code}/cancel", None, True),
        ("get", "/api/v1/manage/events/gig/room", None, False),
        ("put", "/api/v1/manage/events/gig/room", NEW_ROOM, True),
        ("post", "/api/v1/manage/events/gig/room/pause", None, True),
        ("post", "/api/v1/manage/events/gig/room/resume", None, True),
        ("get", "/api/v1/manage/events/gig/waitlist", None, True),
        ("get", "/api/v1/manage/events/gig/taxes", None, False),
        ("put", "/api/v1/manage/events/gig/taxes", {"invoice_address": "optional"}, True),
        ("get", "/api/v1/manage/tax-rules", None, False),
        ("post", "/api/v1/manage/tax-rules", {"name": "Reduced", "rate": "7"}, True),
        ("post", "/api/v1/manage/tax-rules/from-template", {"template": "online_event"}, True),
        ("get", f"/api/v1/manage/tax-rules/{rule}", None, False),
        ("put", f"/api/v1/manage/tax-rules/{rule}", {"name": "VAT", "rate": "19.00"}, True),
        ("delete", f"/api/v1/manage/tax-rules/{rule}", None, True),
    ]  # fmt: skip


OWN_ORGANIZERS = {
    "/api/v1/manage/events",
    "/api/v1/manage/tax-rules",
    "/api/v1/manage/tax-rules/from-template",
}


def test_authorization_matrix(api):
    for method, path, body, needs_manager in endpoints(api):
        assert call(method, path, None, body).status_code == 401, (method, path)
        assert call(method, path, "mtk_forged", body).status_code == 401, (method, path)
        door = call(method, path, api["door"], body)
        assert door.status_code == (403 if needs_manager else 200), (method, path, door.content)
        if door.status_code == 403:
            assert door["Content-Type"] == "application/problem+json"
    # Another organizer's token sees none of it.
    for method, path, body, _ in endpoints(api):
        if path in OWN_ORGANIZERS:
            continue  # listing and creating are about the token's own organizer
        response = call(method, path, api["foreign"], body)
        assert response.status_code == 404, (method, path, response.status_code)
    assert [e["slug"] for e in call("get", "/api/v1/manage/events", api["foreign"]).json()] == ["their-gig"]
    assert Order.objects.get(pk=api["order"].pk).status == "paid"


def test_manager_creates_and_updates_events_and_ticket_types(api):
    token = api["manager"]
    created = call("post", "/api/v1/manage/events", token, {
        "title": "Winter Ball", "timezone": "Europe/Prague", "venue_name": "Palace",
        "starts_at": "2031-12-20T19:00:00+01:00", "ends_at": "2031-12-20T23:30:00+01:00",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["slug"] == "winter-ball"
    assert created.json()["status"] == "draft"
    bad = call("patch", "/api/v1/manage/events/winter-ball", token, {"ends_at": "2031-12-20T10:00:00+01:00"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "ends_at"]
    added = call(
        "post",
        "/api/v1/manage/events/winter-ball/ticket-types",
        token,
        {"name": "Dance", "price": "25.00", "capacity": 100},
    )
    assert added.status_code == 201
    shrink = call(
        "patch", f"/api/v1/manage/events/gig/ticket-types/{api['ticket_type'].pk}", token, {"capacity": 1}
    )
    assert shrink.status_code == 422  # 2 already sold
    assert "already sold" in json.dumps(shrink.json())


def test_orders_are_listed_filtered_refunded_and_audited(api):
    token = api["manager"]
    page = call("get", "/api/v1/manage/events/gig/orders?q=bo%20b", token).json()
    assert [o["code"] for o in page["items"]] == [api["order"].code]
    assert page["items"][0]["tickets"] == 2
    assert call("get", "/api/v1/manage/events/gig/orders?status=cancelled", token).json()["count"] == 0
    assert call("get", "/api/v1/manage/events/gig/orders?from=not-a-date", token).status_code == 422
    ticket = api["order"].tickets.first()
    refunded = call(
        "post", f"/api/v1/manage/orders/{api['order'].code}/refund", token, {"tickets": [ticket.pk]}
    )
    assert refunded.status_code == 200
    assert refunded.json()["refunded_amount"] == "10.00"
    entry = AuditEntry.objects.get(order=api["order"])
    assert entry.actor_label == "API token “manager”"
    too_much = call("post", f"/api/v1/manage/orders/{api['order'].code}/refund", token, {"amount": "500"})
    assert too_much.status_code == 422
    assert call("post", f"/api/v1/manage/orders/{api['order'].code}/mark-paid", token, {}).status_code == 409
    cancelled = call("post", f"/api/v1/manage/orders/{api['order'].code}/cancel", token)
    assert cancelled.json()["status"] == "cancelled"


def test_tokens_are_rate_limited_with_429(api, settings, monkeypatch):
    settings.API_RATE_LIMIT = 3
    # All four requests in one fixed window, wherever the clock is in its minute.
    start_of_a_window = dt.datetime(2026, 11, 30, 9, 0, 1, tzinfo=dt.UTC)
    monkeypatch.setattr("core.ratelimit.timezone.now", lambda: start_of_a_window)
    for _ in range(3):
        assert call("get", "/api/v1/manage/events", api["door"]).status_code == 200
    limited = call("get", "/api/v1/manage/events", api["door"])
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "Too many requests" in limited.json()["detail"]
    # Another token has its own budget.
    assert call("get", "/api/v1/manage/events", api["manager"]).status_code == 200
