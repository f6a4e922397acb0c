"""The public API of a series: an event's dates, one date's ticket types, the dates paged
and filtered, and buying for one date."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from api.public import DATES_PER_PAGE, DETAIL_DATES
from events import dates as event_dates
from events.models import DateTicketType, Event, EventDate
from sales.models import Order
from tests.factories import allocated, make_date, make_event, make_ticket_type

pytestmark = pytest.mark.django_db

EVENING = dt.datetime(2031, 12, 4, 18, 30, tzinfo=dt.UTC)  # 19:30 in Prague


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


@pytest.fixture
def series() -> Event:
    event = make_event(slug="concerts", starts_at=EVENING)
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50)
    make_ticket_type(event, name="Hidden", hidden=True)
    make_date(event, starts_at=EVENING + dt.timedelta(days=7))
    make_date(event, starts_at=EVENING + dt.timedelta(days=14))
    return event


def dates_of(event: Event) -> list[EventDate]:
    return list(event.dates.order_by("starts_at"))


def add_evenings(event: Event, n: int, first: dt.datetime) -> None:
    event_dates.add_dates(
        event,
        [
            event_dates.DateTimes(first + dt.timedelta(days=i), first + dt.timedelta(days=i, hours=3))
            for i in range(n)
        ],
    )


# --- GET /events/{slug} ------------------------------------------------------------------------


def test_a_series_lists_its_dates_and_no_ticket_types_without_a_date(client, series):
    first, second, third = dates_of(series)
    body = client.get("/api/v1/events/concerts").json()
    assert body["date_count"] == 3
    assert body["date"] is None
    assert body["ticket_types"] == []
    assert body["more_dates"] is False
    assert [d["id"] for d in body["dates"]] == [first.pk, second.pk, third.pk]
    assert body["dates"][0]["url"] == f"http://testserver/events/concerts/?date={first.pk}"
    assert (body["dates"][0]["state"], body["dates"][0]["available"]) == ("on_sale", 50)


def test_a_date_shows_its_ticket_types(client, series):
    _, second, _ = dates_of(series)
    DateTicketType.objects.filter(date=second).update(price=Decimal("30.00"))
    body = client.get(f"/api/v1/events/concerts?date={second.pk}").json()
    assert body["date"]["id"] == second.pk
    assert [(t["name"], t["price"]) for t in body["ticket_types"]] == [("Standard", "30.00")]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("other-event", 404),
        ("-1", 404),
        ("0", 404),
        (str(2**63), 404),
        ("NaN", 422),
        ("1e3", 422),
        ("\x00", 422),
    ],
)
def test_a_date_not_of_the_event_is_a_problem(client, series, value, status):
    if value == "other-event":
        value = str(make_event().dates.get().pk)
    response = client.get("/api/v1/events/concerts", {"date": value})
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_a_long_series_lists_its_first_dates_and_says_there_are_more(client):
    event = make_event(slug="daily", starts_at=EVENING)
    add_evenings(event, DETAIL_DATES, EVENING + dt.timedelta(days=1))
    body = client.get("/api/v1/events/daily").json()
    assert len(body["dates"]) == DETAIL_DATES
    assert body["more_dates"] is True
    assert body["date_count"] == DETAIL_DATES + 1
    last = event.dates.order_by("-starts_at").first()
    assert last is not None
    # A date past the listed ones may still be chosen.
    assert client.get(f"/api/v1/events/daily?date={last.pk}").json()["date"]["id"] == last.pk


# --- GET /events/{slug}/dates ------------------------------------------------------------------


def test_dates_are_paged(client):
    event = make_event(slug="daily", starts_at=EVENING)
    add_evenings(event, DATES_PER_PAGE + 9, EVENING + dt.timedelta(days=1))
    first = client.get("/api/v1/events/daily/dates").json()
    second = client.get("/api/v1/events/daily/dates?page=2").json()
    assert (first["count"], first["page"], first["pages"]) == (DATES_PER_PAGE + 10, 1, 2)
    assert len(first["items"]) == DATES_PER_PAGE
    assert len(second["items"]) == 10
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert ids == [d.pk for d in dates_of(event)]
    assert client.get("/api/v1/events/daily/dates?page=99999").json()["page"] == 2


def test_dates_leave_out_past_ones_and_keep_cancelled_ones(client, series):
    first, second, _ = dates_of(series)
    make_date(series, starts_at=dt.datetime(2020, 1, 1, 18, tzinfo=dt.UTC))
    EventDate.objects.filter(pk=second.pk).update(status=EventDate.Status.CANCELLED)
    items = client.get("/api/v1/events/concerts/dates").json()["items"]
    assert [(d["id"], d["state"]) for d in items][:2] == [(first.pk, "on_sale"), (second.pk, "cancelled")]
    assert len(items) == 3


def test_dates_are_filtered_by_days_in_the_events_time_zone(client):
    # 23:30 in Prague on 4 December is 22:30 UTC; 00:30 on the 6th is the 5th in UTC.
    event = make_event(slug="late", starts_at=dt.datetime(2031, 12, 4, 22, 30, tzinfo=dt.UTC))
    make_date(event, starts_at=dt.datetime(2031, 12, 5, 23, 30, tzinfo=dt.UTC))  # the 6th in Prague

    def days(**params: str) -> list[str]:
        items = client.get("/api/v1/events/late/dates", params).json()["items"]
        return [d["starts_at"][:10] for d in items]

    assert days(**{"from": "2031-12-06"}) == ["2031-12-06"]
    assert days(to="2031-12-05") == ["2031-12-04"]  # it ends after midnight, on the 5th
    assert days(**{"from": "2031-12-05", "to": "2031-12-05"}) == ["2031-12-04"]
    assert days(**{"from": "0001-01-01", "to": "9999-12-31"}) == ["2031-12-04", "2031-12-06"]
    assert days(**{"from": "2031-12-07"}) == []


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2031-13-01"},
        {"to": "yesterday"},
        {"from": "\x00"},
        {"page": "0"},
        {"page": "-1"},
        {"page": str(2**63)},
        {"page": "NaN"},
    ],
)
def test_bad_date_filters_are_a_422_problem(client, series, query):
    response = client.get("/api/v1/events/concerts/dates", query)
    assert response.status_code == 422
    assert response.json()["status"] == 422


def test_dates_of_an_unknown_or_draft_event_are_not_found(client):
    make_event(slug="draft", status=Event.Status.DRAFT)
    assert client.get("/api/v1/events/nope/dates").status_code == 404
    assert client.get("/api/v1/events/draft/dates").status_code == 404


def test_the_openapi_document_describes_dates(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/events/{slug}/dates" in doc["paths"]
    purchase = doc["paths"]["/api/v1/events/{slug}/orders"]["post"]
    assert "`date`" in purchase["description"]
    assert "several dates" in doc["components"]["schemas"]["PurchaseIn"]["properties"]["date"]["description"]


# --- POST /events/{slug}/orders with a date ------------------------------------------------------


def buy(client, event: Event, date: object = None, *, key: str | None = None, omit_date: bool = False):
    body: dict[str, object] = {
        "lines": [{"ticket_type_id": event.ticket_types.get(name="Standard").pk, "quantity": 2}],
        "buyer": {"name": "Ana Buyer", "email": "ana@example.com"},
        "payment_method": "demo",
    }
    if not omit_date:
        body["date"] = date
    return client.post(
        f"/api/v1/events/{event.slug}/orders",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key} if key else {},
    )


@pytest.mark.django_db(transaction=True)
def test_a_purchase_takes_the_chosen_dates_stock(client, series):
    first, second, _ = dates_of(series)
    response = buy(client, series, second.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["event"]["date_id"] == second.pk
    assert body["event"]["url"] == f"/events/concerts/?date={second.pk}"
    assert Order.objects.get().date == second
    assert (allocated(first), allocated(second)) == (0, 2)


@pytest.mark.parametrize("omit", [True, False])
def test_a_series_purchase_without_a_date_is_a_422_on_date(client, series, omit):
    response = buy(client, series, None, omit_date=omit)
    assert response.status_code == 422
    assert response.json()["field"] == "date"
    assert response.json()["detail"] == "This event has several dates: choose one."
    assert Order.objects.count() == 0


def test_a_purchase_for_another_events_date_is_a_422_on_date(client, series):
    response = buy(client, series, make_event().dates.get().pk)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["detail"]) == (
        "date",
        "This date is not one of this event's.",
    )
    assert Order.objects.count() == 0


@pytest.mark.parametrize("value", [0, -1, 2**63, "NaN", "1e3", "\x00", 1.5, [1], {"id": 1}])
def test_hostile_purchase_dates_are_a_422(client, series, value):
    response = buy(client, series, value)
    assert response.status_code == 422
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_date_sells_nothing(client, series):
    first = dates_of(series)[0]
    EventDate.objects.filter(pk=first.pk).update(status=EventDate.Status.CANCELLED)
    response = buy(client, series, first.pk)
    assert response.status_code == 409
    assert response.json()["detail"] == "This date has been cancelled; tickets are no longer sold."
    assert allocated(first) == 0


@pytest.mark.django_db(transaction=True)
def test_a_single_date_event_is_bought_with_or_without_its_date(client):
    event = make_event(slug="solo")
    make_ticket_type(event, name="Standard")
    assert buy(client, event, omit_date=True).status_code == 201
    assert buy(client, event, event.dates.get().pk).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_an_idempotency_key_is_for_one_date(client, series):
    first, second, _ = dates_of(series)
    assert buy(client, series, first.pk, key="k-1").status_code == 201
    replay = buy(client, series, first.pk, key="k-1")
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    other = buy(client, series, second.pk, key="k-1")
    assert other.status_code == 422
    assert other.json()["field"] == "idempotency_key"
    assert Order.objects.count() == 1
