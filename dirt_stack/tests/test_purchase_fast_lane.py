"""After a sell-out, "sold out" at the price of a health check: the purchase API's fast lane
(api/fast_lane.py) answers from the snapshots of sold-out purchases (sales.soldout) exactly
what the full purchase would, and passes through every request it must not answer."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import purchases
from events.models import DateTicketType, EventDate
from sales import lifecycle, purchase, soldout, stock
from sales.models import Hold, Order
from tests.factories import allocated, make_event, make_ticket_type, only_date
from tests.support.dates import buy, hold
from tests.support.races import run_together
from tests.test_onsale_web import open_room

pytestmark = pytest.mark.django_db(transaction=True)

LANE = "api.fast_lane.PurchaseFastLaneMiddleware"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


class Clock:
    """sales.soldout's clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def later(self, seconds: float = soldout.REFRESH_SECONDS) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(soldout, "clock", fake)
    return fake


@pytest.fixture
def full_path_runs(monkeypatch) -> list[str]:
    """The slugs the full purchase read (``create_order``'s ``event_for_purchase``)."""
    read: list[str] = []
    original = purchases.event_for_purchase

    def reading(slug: str, *args: Any, **kwargs: Any) -> purchase.PurchaseTarget:
        read.append(slug)
        return original(slug, *args, **kwargs)

    monkeypatch.setattr(purchases, "event_for_purchase", reading)
    return read


@pytest.fixture
def rush(clock):
    """The "rush" event: Standard (2 tickets) sold out by a paid order, VIP (5) still on sale."""
    event = make_event(slug="rush", payment_methods=["demo"])
    standard = make_ticket_type(event, name="Standard", price=Decimal("10.00"), capacity=2)
    vip = make_ticket_type(event, name="VIP", price=Decimal("50.00"), capacity=5)
    date = only_date(event)
    buy(date, {standard.pk: 2})
    return {"event": event, "standard": standard, "vip": vip, "date": date}


def order_body(*lines: tuple[Any, int], **extra: Any) -> dict[str, Any]:
    return {
        "lines": [{"ticket_type_id": t.pk, "quantity": n} for t, n in lines],
        "buyer": {"name": "Ana Buyer", "email": "ana@example.com"},
        "payment_method": "demo",
        **extra,
    }


def post(client: Client, slug: str, body: Any, content_type: str = "application/json", **headers: str):
    return client.post(
        f"/api/v1/events/{slug}/orders",
        body if isinstance(body, str) else json.dumps(body),
        content_type=content_type,
        headers=headers,
    )


def sold_out_now(rush, client: Client | None = None) -> None:
    """A full purchase finds Standard sold out: the lane answers its shape from now on."""
    refused = post(client or Client(), "rush", order_body((rush["standard"], 1)))
    assert refused.status_code == 409


def without_lane(settings) -> None:
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != LANE]


# --- Answered by the lane ---------------------------------------------------------------


def test_a_refusal_after_a_sell_out_reads_nothing_but_its_idempotency_key(rush, full_path_runs):
    sold_out_now(rush)
    assert full_path_runs == ["rush"]
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        refused = post(client, "rush", order_body((rush["standard"], 1)), **{"Idempotency-Key": "k-1"})
    assert refused.status_code == 409
    assert "“Standard” is sold out" in refused.json()["detail"]
    (query,) = [q["sql"] for q in queries.captured_queries]
    assert "sales_idempotencyrecord" in query
    assert "events_" not in query
    # Without a key: no query at all, and neither the full path nor a cookie.
    with CaptureQueriesContext(connection) as queries:
        assert post(client, "rush", order_body((rush["standard"], 1))).status_code == 409
    assert not queries.captured_queries
    assert full_path_runs == ["rush"]
    assert not refused.cookies


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(lambda r: [(r["standard"], 1)], id="one-line"),
        pytest.param(lambda r: [(r["vip"], 1), (r["standard"], 2)], id="several-lines"),
        pytest.param(lambda r: [(r["standard"], 1), (r["standard"], 1)], id="same-type-twice"),
    ],
)
def test_the_lane_answers_exactly_as_the_full_path(rush, full_path_runs, settings, caplog, lines):
    chosen = lines(rush)
    body = order_body(*chosen, attendees=[{"name": "Bo"}] * sum(n for _, n in chosen))
    headers = {"X-Request-ID": "same-7", "Idempotency-Key": "fresh-key"}
    from_full_path = post(Client(), "rush", body, **headers)
    assert full_path_runs == ["rush"]
    caplog.clear()
    with caplog.at_level("INFO", logger="maticko.request"):
        from_lane = post(Client(), "rush", body, **headers)
    assert full_path_runs == ["rush"]  # answered by the lane
    assert from_lane.status_code == from_full_path.status_code == 409
    assert from_lane.content == from_full_path.content
    assert dict(from_lane.headers) == dict(from_full_path.headers)
    assert from_lane["Cache-Control"] == "no-store, private"
    assert from_lane["X-Frame-Options"] == "DENY"
    assert from_lane["X-Content-Type-Options"] == "nosniff"
    assert from_lane["X-Request-ID"] == "same-7"
    (line,) = [r for r in caplog.records if getattr(r, "request_id", None) == "same-7"]
    assert (line.status, line.route, line.path) == (409, "api:create_order", "/api/v1/events/rush/orders")
    # Not a warning line of its own (django.request), as the full path's refusal.
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_a_shared_capacity_sold_out_is_answered_by_the_lane_too(clock, full_path_runs):
    event = make_event(slug="shared", capacity=2, payment_methods=["demo"])
    standard = make_ticket_type(event, capacity=5)
    vip = make_ticket_type(event, capacity=5)
    buy(only_date(event), {standard.pk: 2})
    first = post(Client(), "shared", order_body((vip, 1)))
    again = post(Client(), "shared", order_body((vip, 1)))
    assert first.status_code == again.status_code == 409
    assert again.content == first.content
    assert "this event is sold out" in again.json()["detail"]
    assert full_path_runs == ["shared"]


def test_the_challenge_is_the_views_answer_without_the_stack(settings):
    with CaptureQueriesContext(connection) as queries:
        early = Client().get("/api/v1/challenge", headers={"X-Request-ID": "c-1"})
    assert not queries.captured_queries
    without_lane(settings)
    from_view = Client().get("/api/v1/challenge", headers={"X-Request-ID": "c-1"})
    assert early.status_code == from_view.status_code == 200
    assert set(early.json()) == set(from_view.json()) == {"parameters", "signature"}
    assert early.json()["signature"] != from_view.json()["signature"]  # a new challenge each time
    assert dict(early.headers) == dict(from_view.headers)
    assert early["Cache-Control"] == "no-store, private"


# --- Passed through -----------------------------------------------------------------------


def test_a_request_with_a_voucher_is_left_to_the_full_path(rush, full_path_runs):
    sold_out_now(rush)
    answer = post(Client(), "rush", order_body((rush["standard"], 1), voucher="NOPE"))
    assert full_path_runs == ["rush", "rush"]
    assert answer.status_code == 422
    assert answer.json()["field"] == "voucher"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(lambda r: order_body((r["standard"], 11)), "quantities", id="more-than-allowed"),
        pytest.param(
            lambda r: {**order_body((r["standard"], 1)), "buyer": {"name": "Ana", "email": "not-an-email"}},
            "email",
            id="bad-email",
        ),
        pytest.param(
            lambda r: order_body((r["standard"], 1), payment_method="cash"), "payment_method", id="method"
        ),
        pytest.param(
            lambda r: order_body((r["standard"], 1), attendees=[{"name": "Bo"}] * 2),
            "attendee_names",
            id="attendees",
        ),
    ],
)
def test_a_request_the_full_path_finds_invalid_keeps_its_422(rush, full_path_runs, body, field):
    sold_out_now(rush)
    answer = post(Client(), "rush", body(rush))
    assert answer.status_code == 422, answer.content
    assert answer.json()["field"] == field
    assert full_path_runs == ["rush", "rush"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda r: order_body((r["standard"], 0)), id="zero"),
        pytest.param(lambda r: order_body((r["standard"], True)), id="not-an-integer"),
        pytest.param(
            lambda r: {k: v for k, v in order_body((r["standard"], 1)).items() if k != "buyer"}, id="no-buyer"
        ),
        pytest.param(lambda r: [order_body((r["standard"], 1))], id="a-list"),
        pytest.param(lambda r: order_body((r["standard"], 1), date=0), id="bad-date"),
        pytest.param(lambda r: order_body((r["standard"], 1), card_number="1\x002"), id="control-character"),
    ],
)
def test_a_body_the_schema_refuses_is_the_routes_422(rush, body):
    sold_out_now(rush)
    answer = post(Client(), "rush", body(rush))
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"] == "The request is not valid; see errors."


def test_malformed_or_non_json_bodies_and_bad_keys_get_the_full_paths_answers(rush):
    sold_out_now(rush)
    client = Client()
    assert post(client, "rush", '{"lines": [').status_code == 400
    assert post(client, "rush", '{"lines": NaN}').status_code == 400
    form = post(client, "rush", "lines=1", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    long_key = post(client, "rush", order_body((rush["standard"], 1)), **{"Idempotency-Key": "k" * 201})
    assert long_key.status_code == 422


def test_an_idempotent_retry_after_the_sell_out_replays_its_order(rush, full_path_runs):
    vip = rush["vip"]
    first = post(Client(), "rush", order_body((vip, 5)), **{"Idempotency-Key": "mine"})
    assert first.status_code == 201
    sold_out_now(rush)  # Standard
    post(Client(), "rush", order_body((vip, 5)), **{"Idempotency-Key": "other"})  # VIP: sold out now
    assert full_path_runs[-1] == "rush"
    runs = len(full_path_runs)
    again = post(Client(), "rush", order_body((vip, 5)), **{"Idempotency-Key": "mine"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == first.json()["code"]
    assert len(full_path_runs) == runs + 1
    # Another new key is still refused by the lane.
    assert post(Client(), "rush", order_body((vip, 5)), **{"Idempotency-Key": "new"}).status_code == 409
    assert len(full_path_runs) == runs + 1


def test_an_unknown_event_or_another_shape_goes_the_full_path(rush, full_path_runs):
    sold_out_now(rush)
    unknown = post(Client(), "nothing-here", order_body((rush["standard"], 1)))
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/problem+json"
    # VIP is on sale: another shape, read and sold.
    assert post(Client(), "rush", order_body((rush["vip"], 1))).status_code == 201
    # Standard with another date given: read afresh (here, the event's only date).
    with_date = post(Client(), "rush", order_body((rush["standard"], 1), date=rush["date"].pk))
    assert with_date.status_code == 409
    assert full_path_runs == ["rush", "nothing-here", "rush", "rush"]


def test_a_date_cancelled_here_answers_its_own_409_at_once(rush, full_path_runs):
    sold_out_now(rush)
    date = EventDate.objects.get(pk=rush["date"].pk)
    date.status = EventDate.Status.CANCELLED
    date.save()  # saved in this process: the snapshots are forgotten
    cancelled = post(Client(), "rush", order_body((rush["standard"], 1)))
    assert cancelled.status_code == 409
    assert cancelled.json()["detail"] == "This date has been cancelled; tickets are no longer sold."
    assert full_path_runs == ["rush", "rush"]


def test_a_session_cookie_or_a_disallowed_host_goes_the_full_path(rush, full_path_runs, settings):
    sold_out_now(rush)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "whatever"
    assert post(client, "rush", order_body((rush["standard"], 1))).status_code == 409
    assert full_path_runs == ["rush", "rush"]
    settings.ALLOWED_HOSTS = ["testserver"]
    refused = post(Client(), "rush", order_body((rush["standard"], 1)), Host="evil.example")
    assert refused.status_code == 400


def test_an_active_room_refuses_sold_out_requests_as_the_full_path_does(rush, full_path_runs, settings):
    open_room(rush["event"])
    from_full_path = post(Client(), "rush", order_body((rush["standard"], 1)), **{"X-Request-ID": "r"})
    assert from_full_path.status_code == 409  # sold out comes before the admission
    from_lane = post(Client(), "rush", order_body((rush["standard"], 1)), **{"X-Request-ID": "r"})
    assert from_lane.content == from_full_path.content
    assert full_path_runs == ["rush"]
    # What is on sale needs an admission: the full path's 403.
    admission = post(Client(), "rush", order_body((rush["vip"], 1)))
    assert admission.status_code == 403
    assert admission.json()["reason"] == "missing"


def test_an_unreachable_database_is_the_usual_503(rush, monkeypatch):
    sold_out_now(rush)

    def unreachable(*args: Any) -> bool:
        raise OperationalError("connection refused")

    monkeypatch.setattr(soldout, "key_used", unreachable)
    answer = post(Client(), "rush", order_body((rush["standard"], 1)), **{"Idempotency-Key": "k"})
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert "cannot reach its database" in answer.json()["detail"]


# --- The snapshots: staleness, forgetting, stock that may come back ----------------------


def test_stock_freed_elsewhere_sells_at_most_refresh_seconds_later(rush, clock, full_path_runs):
    sold_out_now(rush)
    # Another process raises the capacity: this one's snapshot still refuses, for a while.
    DateTicketType.objects.filter(date=rush["date"], ticket_type=rush["standard"]).update(capacity=3)
    clock.later(soldout.REFRESH_SECONDS / 2)
    assert post(Client(), "rush", order_body((rush["standard"], 1))).status_code == 409
    clock.later(soldout.REFRESH_SECONDS / 2)
    assert post(Client(), "rush", order_body((rush["standard"], 1))).status_code == 201
    assert full_path_runs == ["rush", "rush"]
    assert allocated(rush["standard"]) == 3


def test_stock_given_back_or_an_event_saved_here_forgets_at_once(rush, full_path_runs):
    order = Order.objects.get(date=rush["date"])
    sold_out_now(rush)
    lifecycle.cancel(order, actor=None)  # its stock comes back through sales.stock
    assert post(Client(), "rush", order_body((rush["standard"], 2))).status_code == 201
    sold_out_now(rush)
    assert soldout.get(soldout.shape("rush", None, {rush["standard"].pk: 1})) is not None
    offer = DateTicketType.objects.get(date=rush["date"], ticket_type=rush["standard"])
    offer.capacity = 5
    offer.save()
    assert soldout.get(soldout.shape("rush", None, {rush["standard"].pk: 1})) is None
    assert post(Client(), "rush", order_body((rush["standard"], 1))).status_code == 201


def test_a_snapshot_expires_after_refresh_seconds(rush, clock):
    shape = soldout.shape("rush", None, {rush["standard"].pk: 1})
    assert soldout.get(shape) is None
    sold_out_now(rush)
    assert soldout.get(shape) is not None
    clock.later(soldout.REFRESH_SECONDS - 0.01)
    assert soldout.get(shape) is not None
    clock.later(0.01)
    assert soldout.get(shape) is None


def test_nothing_is_kept_while_expired_holds_may_give_stock_back(clock, full_path_runs):
    event = make_event(slug="held", payment_methods=["demo"])
    standard = make_ticket_type(event, price=Decimal("10.00"), capacity=2)
    date = only_date(event)
    buy(date, {standard.pk: 1})
    held = hold(date, {standard.pk: 1})
    Hold.objects.filter(pk=held.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    target = purchase.event_for_purchase("held", None, [standard.pk])
    assert target.stock_may_come_back is True
    assert stock.short_of(target.date, target.offers, {standard.pk: 1}) is not None
    assert purchase.known_sold_out(target, {standard.pk: 1}) is None
    # The purchase releases the expired hold and sells its ticket; nothing is kept.
    assert post(Client(), "held", order_body((standard, 1))).status_code == 201
    assert soldout.get(soldout.shape("held", None, {standard.pk: 1})) is None


def test_without_the_lane_nothing_is_kept(rush, settings):
    without_lane(settings)
    sold_out_now(rush)
    assert soldout.get(soldout.shape("rush", None, {rush["standard"].pk: 1})) is None


@pytest.mark.postgres
def test_holds_expire_and_sales_resume_without_overselling(clock, full_path_runs):
    event = make_event(slug="flash", payment_methods=["demo"])
    standard = make_ticket_type(event, price=Decimal("10.00"), capacity=3)
    date = only_date(event)
    buy(date, {standard.pk: 1})
    held = [hold(date, {standard.pk: 1}) for _ in range(2)]
    assert post(Client(), "flash", order_body((standard, 1))).status_code == 409
    assert post(Client(), "flash", order_body((standard, 1))).status_code == 409
    assert full_path_runs == ["flash"]  # the second from the snapshot
    Hold.objects.filter(pk__in=[h.pk for h in held]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    clock.later()
    answers: list[int] = []

    def buyer(n: int) -> None:
        answers.append(
            post(Client(), "flash", order_body((standard, 1)), **{"Idempotency-Key": f"b-{n}"}).status_code
        )
        connection.close()

    run_together(*[lambda n=n: buyer(n) for n in range(6)])
    assert sorted(answers) == [201, 201, 409, 409, 409, 409]
    assert allocated(standard) == 3
    assert Order.objects.filter(date=date, status=Order.Status.PAID).count() == 3
    assert post(Client(), "flash", order_body((standard, 1))).status_code == 409


def test_an_expired_snapshot_is_read_afresh_and_kept_again(rush, clock, full_path_runs):
    shape = soldout.shape("rush", None, {rush["standard"].pk: 1})
    sold_out_now(rush)
    clock.later()
    assert soldout.get(shape) is None
    sold_out_now(rush)  # the full path, a second later: still sold out
    assert full_path_runs == ["rush", "rush"]
    assert soldout.get(shape) is not None
    sold_out_now(rush)
    assert full_path_runs == ["rush", "rush"]
