"""Organizer API of a series: its dates with their stock, adding and changing a date, orders by date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import tokens
from core import ratelimit
from events.models import DateTicketType, Event, EventDate
from sales import pricing, purchase, quotas, stock
from sales.exceptions import OrderConflict
from tests.factories import make_date, make_event, make_organizer, make_ticket_type, only_date
from tests.support.api import call
from tests.support.races import run_together

pytestmark = pytest.mark.django_db(transaction=True)
EVENT = "/api/v1/manage/events/gig"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def buy(date, quantities, email="ana@example.com"):
    details = pricing.BuyerDetails(name="Ana", email=email, payment_method="demo")
    return purchase.place_order(date, quantities, details, base_url="http://testserver/").order


@pytest.fixture
def api():
    mine, theirs = make_organizer(slug="mine"), make_organizer(slug="theirs")
    event = make_event(organizer=mine, slug="gig", timezone="Europe/Prague", capacity=None)
    standard = make_ticket_type(event, name="Standard", price=Decimal("10.00"), capacity=20)
    hidden = make_ticket_type(event, name="Crew", price=Decimal("0.00"), capacity=5, hidden=True)
    first = only_date(event)
    second = make_date(event)
    third = make_date(event)
    DateTicketType.objects.filter(date=third, ticket_type=hidden).update(offered=False)
    DateTicketType.objects.filter(date=second, ticket_type=standard).update(price=Decimal("12.00"))
    orders = [buy(first, {standard.pk: 2}), buy(second, {standard.pk: 3}, email="bo@example.com")]
    stock.hold(second, {standard.pk: 1})
    other = make_event(organizer=theirs, slug="their-gig")
    raw = {
        role: tokens.create_token(organizer=mine, name=role, role=role, created_by=None)[1]
        for role in ("manager", "door_staff")
    }
    foreign = tokens.create_token(organizer=theirs, name="foreign", role="owner", created_by=None)[1]
    return {
        "event": event, "standard": standard, "hidden": hidden, "dates": [first, second, third],
        "orders": orders, "other": other, "manager": raw["manager"], "door": raw["door_staff"],
        "foreign": foreign,
    }  # fmt: skip


def to_ms(moment: dt.datetime) -> dt.datetime:
    """A moment as the API's date-times carry it (Django's JSON encoder: milliseconds)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_dates_are_listed_with_their_stock_per_ticket_type(api):
    first, second, third = api["dates"]
    standard, hidden = api["standard"], api["hidden"]
    response = call("get", f"{EVENT}/dates", api["door"])  # door staff may read
    assert response.status_code == 200, response.content
    listed = response.json()
    assert [d["id"] for d in listed] == [first.pk, second.pk, third.pk]
    one = listed[1]
    assert one["status"] == "on_sale"
    assert one["venue"] == "Town Hall"
    assert (one["venue_name"], one["capacity"], one["allocated"]) == ("", None, 4)  # 3 sold, 1 held
    assert (one["sold"], one["available"]) == (3, 16)  # the hidden type is not counted for buyers
    assert one["ticket_types"] == [
        {
            "id": standard.pk, "name": "Standard", "offered": True, "price": "12.00", "capacity": 20,
            "sold": 3, "available": 16,
        },
        {
            "id": hidden.pk, "name": "Crew", "offered": True, "price": "0.00", "capacity": 5, "sold": 0,
            "available": 5,
        },
    ]  # fmt: skip
    assert listed[2]["ticket_types"][1]["offered"] is False
    assert listed[2]["ticket_types"][1]["available"] == 0
    # The dates' numbers are the event's, split.
    assert sum(d["sold"] for d in listed) == sum(quotas.sold_counts(api["event"]).values()) == 5
    assert call("get", f"{EVENT}/dates/{second.pk}", api["door"]).json() == one
    assert dt.datetime.fromisoformat(one["starts_at"]) == to_ms(second.starts_at)


def test_list_of_dates_takes_a_fixed_number_of_queries(api, monkeypatch):
    # The rate limiter purges old counters on about one hit in 200 (three queries):
    # not part of the listing's cost, and it would make the count random.
    monkeypatch.setattr(ratelimit.random, "randrange", lambda _: 1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert call("get", f"{EVENT}/dates", api["door"]).status_code == 200
        return len(captured)

    queries()  # the token's first use is recorded once
    three = queries()
    for _ in range(5):
        buy(make_date(api["event"]), {api["standard"].pk: 1})
    assert queries() == three <= 12


def test_a_date_is_added_with_every_ticket_type_and_the_event_span_follows(api):
    event = api["event"]
    # Later than every date the factories make (each a day later than the one before), so
    # the new date is the event's last whatever the number of tests run before.
    body = {
        "starts_at": "2095-03-01T19:00:00",  # no offset: the event's local time
        "ends_at": "2095-03-01T22:00:00+01:00",
        "admission_at": "2095-03-01T18:00:00Z",
    }
    response = call("post", f"{EVENT}/dates", api["manager"], body)
    assert response.status_code == 201, response.content
    created = response.json()
    date = EventDate.objects.get(pk=created["id"])
    prague = event.tz
    assert date.starts_at == dt.datetime(2095, 3, 1, 19, 0, tzinfo=prague)
    assert date.ends_at == dt.datetime(2095, 3, 1, 22, 0, tzinfo=prague)
    assert date.admission_at == dt.datetime(2095, 3, 1, 19, 0, tzinfo=prague)  # 18:00 UTC
    assert (created["status"], created["sold"], created["available"]) == ("on_sale", 0, 20)  # visible types
    assert {t["id"] for t in created["ticket_types"]} == {api["standard"].pk, api["hidden"].pk}
    assert Event.objects.get(pk=event.pk).ends_at == date.ends_at
    # The same start again is a mistake.
    again = call("post", f"{EVENT}/dates", api["manager"], body)
    assert again.status_code == 422
    assert again.json()["errors"][0]["loc"] == ["body", "starts_at"]
    # Times out of order are refused with the field named.
    backwards = call(
        "post",
        f"{EVENT}/dates",
        api["manager"],
        {"starts_at": "2095-04-01T19:00:00", "ends_at": "2095-04-01T18:00:00"},
    )
    assert backwards.status_code == 422
    assert backwards["Content-Type"] == "application/problem+json"
    assert backwards.json()["errors"] == [
        {"loc": ["body", "ends_at"], "msg": "A date cannot end before it starts.", "type": "value_error"}
    ]


def test_a_cancelled_event_gets_no_new_date(api):
    Event.objects.filter(pk=api["event"].pk).update(status=Event.Status.CANCELLED)
    body = {"starts_at": "2032-03-01T19:00:00", "ends_at": "2032-03-01T22:00:00"}
    response = call("post", f"{EVENT}/dates", api["manager"], body)
    assert response.status_code == 409
    assert response.json()["detail"] == "This event is cancelled; it gets no new dates."


def test_a_date_is_changed_field_by_field(api):
    second = api["dates"][1]
    url = f"{EVENT}/dates/{second.pk}"
    changed = call(
        "patch",
        url,
        api["manager"],
        {
            "admission_at": "2027-01-01T00:00:00",
            "sales_start": "2026-01-01T10:00:00+01:00",
            "sales_end": "2026-12-01T10:00:00",
            "venue_name": "Small Hall",
            "capacity": 10,
        },
    )
    assert changed.status_code == 200, changed.content
    date = EventDate.objects.get(pk=second.pk)
    tz = api["event"].tz
    assert date.sales_start == dt.datetime(2026, 1, 1, 10, 0, tzinfo=tz)
    assert date.sales_end == dt.datetime(2026, 12, 1, 10, 0, tzinfo=tz)
    assert (date.venue_name, date.capacity, date.allocated) == ("Small Hall", 10, 4)
    assert changed.json()["venue"] == "Small Hall"
    assert changed.json()["available"] == 6  # within the date's own capacity
    # Fields left out keep their value; null clears the nullable ones.
    cleared = call("patch", url, api["manager"], {"capacity": None, "sales_end": None, "venue_name": None})
    assert cleared.status_code == 200, cleared.content
    date.refresh_from_db()
    assert date.capacity is None
    assert date.sales_end is None
    assert date.venue_name == "Small Hall"
    assert date.sales_start == dt.datetime(2026, 1, 1, 10, 0, tzinfo=tz)


def test_capacity_below_what_is_allocated_is_refused(api):
    second = api["dates"][1]
    response = call("patch", f"{EVENT}/dates/{second.pk}", api["manager"], {"capacity": 3})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "loc": ["body", "capacity"],
            "msg": "4 tickets are already sold or reserved; the capacity cannot be lower.",
            "type": "value_error",
        }
    ]
    assert EventDate.objects.get(pk=second.pk).capacity is None
    assert call("patch", f"{EVENT}/dates/{second.pk}", api["manager"], {"capacity": 4}).status_code == 200


def test_sold_out_stops_sales_on_that_date_only_and_on_sale_resumes_them(api):
    first, second, _ = api["dates"]
    url = f"{EVENT}/dates/{second.pk}"
    assert call("patch", url, api["manager"], {"status": "sold_out"}).json()["status"] == "sold_out"
    with pytest.raises(OrderConflict):
        buy(EventDate.objects.select_related("event").get(pk=second.pk), {api["standard"].pk: 1})
    buy(first, {api["standard"].pk: 1}, email="other@example.com")
    assert call("patch", url, api["manager"], {"status": "on_sale"}).json()["status"] == "on_sale"
    buy(EventDate.objects.select_related("event").get(pk=second.pk), {api["standard"].pk: 1})
    refused = call("patch", url, api["manager"], {"status": "cancelled"})
    assert refused.status_code == 422  # cancelling tells the buyers: not done here


def test_a_cancelled_date_cannot_be_changed(api):
    third = api["dates"][2]
    EventDate.objects.filter(pk=third.pk).update(status=EventDate.Status.CANCELLED)
    response = call("patch", f"{EVENT}/dates/{third.pk}", api["manager"], {"status": "on_sale"})
    assert response.status_code == 409
    assert response.json()["detail"] == "This date is cancelled; it cannot be changed."
    assert EventDate.objects.get(pk=third.pk).status == EventDate.Status.CANCELLED


def test_dates_are_scoped_to_the_tokens_organizer_and_changes_need_a_manager(api):
    date = api["dates"][0]
    other_date = only_date(api["other"])
    new = {"starts_at": "2032-03-01T19:00:00", "ends_at": "2032-03-01T22:00:00"}
    for method, path, body in [
        ("get", f"{EVENT}/dates", None),
        ("post", f"{EVENT}/dates", new),
        ("get", f"{EVENT}/dates/{date.pk}", None),
        ("patch", f"{EVENT}/dates/{date.pk}", {"status": "sold_out"}),
    ]:
        assert call(method, path, None, body).status_code == 401
        assert call(method, path, api["foreign"], body).status_code == 404
        expected = 200 if method == "get" else 403
        assert call(method, path, api["door"], body).status_code == expected
    # Another event's date is not found through this event.
    for method in ("get", "patch"):
        response = call(
            method, f"{EVENT}/dates/{other_date.pk}", api["manager"], {} if method == "patch" else None
        )
        assert response.status_code == 404
        assert response.json()["detail"] == "This event has no date with this id."
    assert EventDate.objects.filter(event=api["event"]).count() == 3


def test_orders_are_filtered_by_date_and_carry_it(api):
    first, second, third = api["dates"]
    page = call("get", f"{EVENT}/orders", api["manager"]).json()
    dates = {o["code"]: o["date"] for o in page["items"]}
    assert dates[api["orders"][1].code]["id"] == second.pk
    assert dt.datetime.fromisoformat(dates[api["orders"][1].code]["starts_at"]) == to_ms(second.starts_at)
    on_first = call("get", f"{EVENT}/orders?date={first.pk}", api["manager"]).json()
    assert [o["code"] for o in on_first["items"]] == [api["orders"][0].code]
    assert call("get", f"{EVENT}/orders?date={third.pk}", api["manager"]).json()["count"] == 0
    foreign_date = only_date(api["other"])
    refused = call("get", f"{EVENT}/orders?date={foreign_date.pk}", api["manager"])
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"loc": ["query", "date"], "msg": "This event has no date with this id.", "type": "value_error"}
    ]
    single = call("get", f"/api/v1/manage/orders/{api['orders'][1].code}", api["manager"]).json()
    assert single["event"]["date_id"] == second.pk


def test_the_openapi_document_describes_the_dates_endpoints():
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    listing = paths["/api/v1/manage/events/{slug}/dates"]
    assert listing["get"]["summary"] == "The event's dates"
    assert set(listing["post"]["responses"]) == {"201", "401", "403", "404", "409", "422"}
    one = paths["/api/v1/manage/events/{slug}/dates/{date_id}"]
    assert "allocated" in one["patch"]["description"]
    assert set(one["patch"]["responses"]) == {"200", "401", "403", "404", "409", "422"}
    schemas = document["components"]["schemas"]
    assert schemas["ManagedDateOut"]["properties"]["status"]["enum"] == ["on_sale", "sold_out", "cancelled"]
    assert schemas["DatePatch"]["properties"]["status"]["anyOf"][0]["enum"] == ["on_sale", "sold_out"]
    date_param = [
        p for p in paths["/api/v1/manage/events/{slug}/orders"]["get"]["parameters"] if p["name"] == "date"
    ]
    assert [p["in"] for p in date_param] == ["query"]


def test_a_date_in_the_past_sells_nothing(api):
    """A date added for the record after it happened is listed, with nothing to buy."""
    past = timezone.now() - dt.timedelta(days=30)
    response = call(
        "post",
        f"{EVENT}/dates",
        api["manager"],
        {"starts_at": past.isoformat(), "ends_at": (past + dt.timedelta(hours=2)).isoformat()},
    )
    assert response.status_code == 201, response.content
    date = EventDate.objects.select_related("event").get(pk=response.json()["id"])
    with pytest.raises(OrderConflict):
        buy(date, {api["standard"].pk: 1})


@pytest.mark.postgres
def test_capacity_changes_racing_purchases_never_fail_nor_oversell(api):
    """Buyers and capacity changes at once: each change is saved (200) or refused
    (422) against what is allocated when it runs, never a server error."""
    date = api["dates"][2]
    event_id, ticket_type_id = api["event"].pk, api["standard"].pk
    results: list[str] = []

    def attempt(i: int) -> None:
        if i % 2:
            response = call("patch", f"{EVENT}/dates/{date.pk}", api["manager"], {"capacity": i})
            results.append(str(response.status_code))
            return
        target = EventDate.objects.select_related("event").get(pk=date.pk, event_id=event_id)
        try:
            buy(target, {ticket_type_id: 1}, email=f"b{i}@example.com")
        except OrderConflict:
            results.append("sold out")
            return
        results.append("bought")

    run_together(*(partial(attempt, i) for i in range(16)))
    assert set(results) <= {"200", "422", "bought", "sold out"}, results
    final = EventDate.objects.get(pk=date.pk)
    assert final.capacity is None or final.allocated <= final.capacity
    assert final.allocated == results.count("bought") == quotas.sold_per_date(api["event"])[date.pk]
