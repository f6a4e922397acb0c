"""Hostile values in every field and parameter the back office and the organizer API take
for dates: each gets a clear 4xx (or is ignored where a filter ignores bad values), never a
server error, and nothing is written. Run on PostgreSQL too (DATABASE_URL), which refuses
NUL bytes in text and integers beyond 64 bits that SQLite would take or choke on differently."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from accounts import tokens
from accounts.models import Membership
from checkin.models import CheckInList
from checkin.services import door_list
from events.models import EventDate
from sales import pricing, purchase
from sales.models import Voucher
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type, only_date
from tests.support.api import call

pytestmark = pytest.mark.django_db(transaction=True)
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BASE = "/manage/acme/events/run"
API = "/api/v1/manage/events/run"

# Values of a query string's id.
BAD_QUERY_IDS = ["\x00", "1\x00", "NaN", "-1", "0", "1.5", "9" * 300, str(2**63), str(2**64), "²", "١", " "]
# Values of a JSON field that should hold one id.
BAD_JSON_IDS = ["\x00", "NaN", "abc", -1, 0, 1.5, 2**63, 2**70, True, [1], {"id": 1}, "9" * 300]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.API_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


@pytest.fixture
def series():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="run", timezone="America/New_York")
    ticket_type = make_ticket_type(event, name="A", price=Decimal("10.00"), capacity=10)
    first = only_date(event)
    second = make_date(event)
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    purchase.place_order(first, {ticket_type.pk: 2}, details, base_url="http://testserver/")
    manager = make_member(organizer, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(manager)
    token = tokens.create_token(organizer=organizer, name="t", role="manager", created_by=None)[1]
    return {"event": event, "dates": [first, second], "client": client, "token": token, "type": ticket_type}


def post_json(client, path, data, **headers):
    return client.post(path, json.dumps(data), content_type="application/json", headers=headers)


def api(series, method, path, body=None, raw=None):
    return call(method, path, series["token"], body, raw=raw)


def snapshot(series):
    """What a refused request must leave as it was."""
    return (
        list(EventDate.objects.filter(event=series["event"]).order_by("id").values()),
        list(CheckInList.objects.filter(event=series["event"]).values("id", "date_id", "name")),
        list(Voucher.objects.filter(event=series["event"]).values("id", "code")),
    )


# --- the back office ---------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_QUERY_IDS)
def test_date_filters_ignore_what_is_not_a_date(series, value):
    client = series["client"]
    for path in (f"{BASE}/dashboard/", f"{BASE}/orders/"):
        response = client.get(path, {"date": value}, headers=INERTIA)
        assert response.status_code == 200, (path, response.content[:300])
    page = client.get(f"{BASE}/orders/", {"date": value, "ticket_type": value}, headers=INERTIA).json()
    assert page["props"]["pagination"]["count"] == 1
    for kind in ("orders", "attendees"):
        assert client.get(f"{BASE}/export/{kind}.csv", {"date": value}).status_code == 404
    scanner = client.get(f"{BASE}/checkin/", {"date": value, "list": value}, headers=INERTIA)
    assert scanner.status_code == 200
    # Not a list of the event: the list of the date happening now or next.
    assert scanner.json()["props"]["list"]["id"] == door_list(series["event"]).pk


@pytest.mark.parametrize("value", BAD_JSON_IDS)
def test_check_in_list_form_refuses_a_bad_date(series, value):
    before = snapshot(series)
    response = post_json(
        series["client"],
        f"{BASE}/checkin-lists/",
        {"name": "Door", "date": value, "all_ticket_types": True},
        **INERTIA,
    )
    assert response.status_code == 422, response.content[:300]
    assert response.json()["props"]["errors"]["date"]
    made_for_date = post_json(
        series["client"], f"{BASE}/checkin-lists/", {"action": "for_date", "date": value}, **INERTIA
    )
    assert made_for_date.status_code == 422
    assert made_for_date.json()["props"]["errors"]["form"] == "Choose one of the event's dates."
    deleted = post_json(
        series["client"], f"{BASE}/checkin-lists/", {"action": "delete", "id": value}, **INERTIA
    )
    assert deleted.status_code == 404
    assert snapshot(series) == before


@pytest.mark.parametrize("name", ["Door\x00", "x" * 101])
def test_check_in_list_name_is_checked(series, name):
    response = post_json(
        series["client"],
        f"{BASE}/checkin-lists/",
        {"name": name, "date": series["dates"][0].pk, "all_ticket_types": True},
        **INERTIA,
    )
    assert response.status_code == 422
    assert response.json()["props"]["errors"]["name"]


@pytest.mark.parametrize(
    "dates",
    [
        "abc",
        "\x00",
        "NaN",
        ["\x00"],
        ["NaN"],
        [-1],
        [0],
        [1.5],
        [True],
        [2**63],
        [2**70],
        ["9" * 300],
        [[1]],
        [{"id": 1}],
        {"id": 1},
    ],
)
def test_voucher_dates_refuse_what_is_not_a_date_of_the_event(series, dates):
    before = snapshot(series)
    response = post_json(
        series["client"],
        f"{BASE}/vouchers/",
        {"code": "HOSTILE", "kind": "percent", "value": "10", "max_usages": "1", "dates": dates},
        **INERTIA,
    )
    assert response.status_code == 422, response.content[:300]
    assert response.json()["props"]["errors"]["voucher.dates"]
    assert snapshot(series) == before


def test_voucher_dates_of_another_event_are_refused(series):
    other = only_date(make_event(slug="other"))
    response = post_json(
        series["client"],
        f"{BASE}/vouchers/",
        {"code": "OTHER", "kind": "percent", "value": "10", "max_usages": "1", "dates": [other.pk]},
        **INERTIA,
    )
    assert response.status_code == 422
    assert response.json()["props"]["errors"]["voucher.dates"] == "Choose among the event's dates."


# --- the organizer API ---------------------------------------------------------------------

BAD_TIMES = [
    "9999-12-31T23:59:59-05:00",  # past the calendar's end in UTC
    "0001-01-01T00:00:00+01:00",  # before its start
    "9999-12-31T23:59:59",  # the event's local time, the calendar's last day
    "0001-01-01T00:00:00",
    "3001-01-01T00:00:00Z",
    "1969-12-30T00:00:00Z",
    "NaN",
    "\x00",
    "2031-01-01T19:00:00\x00",
    "x" * 10_000,
    12345678901234567890,
    -1,
    1.5e308,
    [],
    {"year": 2031},
    True,
]


@pytest.mark.parametrize("value", BAD_TIMES)
def test_a_new_date_refuses_bad_times(series, value):
    before = snapshot(series)
    for field in ("starts_at", "ends_at", "admission_at"):
        body = {"starts_at": "2031-06-01T19:00:00", "ends_at": "2031-06-01T22:00:00", field: value}
        response = api(series, "post", f"{API}/dates", body)
        assert response.status_code == 422, (field, value, response.content[:300])
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"]
    assert snapshot(series) == before


@pytest.mark.parametrize("value", BAD_TIMES)
def test_a_date_change_refuses_bad_times(series, value):
    before = snapshot(series)
    date = series["dates"][1]
    for field in ("admission_at", "sales_start", "sales_end"):
        response = api(series, "patch", f"{API}/dates/{date.pk}", {field: value})
        assert response.status_code == 422, (field, value, response.content[:300])
        assert response.json()["errors"]
    assert snapshot(series) == before


@pytest.mark.parametrize(
    "body",
    [
        {"capacity": -1},
        {"capacity": 2**63},
        {"capacity": 2**31},
        {"capacity": 1.5},
        {"capacity": "NaN"},
        {"capacity": "\x00"},
        {"capacity": [1]},
        {"capacity": 1},  # two are sold on the first date
        {"status": "cancelled"},
        {"status": "NaN"},
        {"status": "on_sale\x00"},
        {"status": 1},
        {"venue_name": "Hall\x00"},
        {"venue_name": "x" * 201},
        {"venue_address": "x" * 301},
        {"venue_address": ["Main St"]},
        {"sales_start": "2031-02-01T10:00:00", "sales_end": "2031-01-01T10:00:00"},
        {"admission_at": "2999-01-01T10:00:00"},  # after the date ends
    ],
)
def test_a_date_change_refuses_bad_values(series, body):
    before = snapshot(series)
    first = series["dates"][0]
    response = api(series, "patch", f"{API}/dates/{first.pk}", body)
    assert response.status_code == 422, (body, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]
    assert snapshot(series) == before


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"capacity": ' + "[" * 5000 + "]" * 5000 + "}",
        "not json",
        '"a string"',
        "\x00",
        "[1, 2]",
    ],
)
def test_a_date_change_refuses_bodies_that_are_not_an_object(series, raw):
    before = snapshot(series)
    response = api(series, "patch", f"{API}/dates/{series['dates'][0].pk}", raw=raw)
    assert 400 <= response.status_code < 500, response.content[:300]
    created = api(series, "post", f"{API}/dates", raw=raw)
    assert 400 <= created.status_code < 500
    assert snapshot(series) == before


@pytest.mark.parametrize("value", ["0", "-1", str(2**63), str(2**64), "9" * 300, "abc", "1.5", "NaN"])
def test_date_ids_in_paths_that_name_no_date_answer_4xx(series, value):
    for method, body in (("get", None), ("patch", {"status": "on_sale"})):
        response = api(series, method, f"{API}/dates/{value}", body)
        assert response.status_code in (404, 422), (method, value, response.status_code)
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("value", ["0", "-1", str(2**63), str(2**64), "9" * 300, "abc", "1.5", "NaN", "1%00"])
def test_orders_date_filter_refuses_what_is_not_a_date(series, value):
    response = api(series, "get", f"{API}/orders?date={value}")
    assert response.status_code == 422, (value, response.content[:300])
    assert response.json()["errors"][0]["loc"] == ["query", "date"]


@pytest.mark.parametrize("raw", ['"a string"', "[1, 2]", "5", "true", "null"])
def test_organizer_bodies_must_be_objects(series, raw):
    """A body that is not a JSON object is refused, not read for attributes (a string's
    ``title`` method once renamed the event)."""
    title = series["event"].title
    for method, path in [
        ("patch", API),
        ("patch", f"{API}/ticket-types/{series['type'].pk}"),
        ("patch", f"{API}/dates/{series['dates'][0].pk}"),
        ("post", f"{API}/dates"),
    ]:
        response = api(series, method, path, raw=raw)
        assert response.status_code == 422, (method, path, raw, response.content[:300])
    series["event"].refresh_from_db()
    assert series["event"].title == title
