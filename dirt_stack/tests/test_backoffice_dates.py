"""The back office of a series: the dashboard, orders, exports, check-in lists and vouchers,
each for one date or for all of them; one date's numbers and the others' add up to the event's."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership
from checkin import services as checkin
from checkin.models import CheckInList
from events.models import DateTicketType, EventDate
from sales import lifecycle, pricing, purchase, quotas, stock
from sales.exceptions import OrderConflict
from sales.models import Order, Ticket, Voucher
from sales.vouchers import find_voucher
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BASE = "/manage/acme/events/run"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


def buy(date, quantities, method="demo", email="ana@example.com", voucher=None) -> Order:
    details = pricing.BuyerDetails(name="Ana", email=email, payment_method=method)
    return purchase.place_order(
        date, quantities, details, voucher_code=voucher, base_url="http://testserver/"
    ).order


@pytest.fixture
def series():
    """A series of three dates with orders on the first two, a live hold on the second
    and one ticket of the first checked in."""
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="run", currency="EUR", timezone="Europe/Prague")
    a = make_ticket_type(event, name="A", price=Decimal("20.00"), capacity=50)
    b = make_ticket_type(event, name="B", price=Decimal("5.00"), capacity=30)
    first = only_date(event)
    second = make_date(event)
    third = make_date(event)
    DateTicketType.objects.filter(date=second, ticket_type=a).update(capacity=40)
    orders = {
        "first_paid": buy(first, {a.pk: 2, b.pk: 1}),
        "first_pending": buy(first, {b.pk: 2}, method="offline", email="bo@example.com"),
        "second_paid": buy(second, {a.pk: 3}, email="cy@example.com"),
        "second_refunded": buy(second, {b.pk: 1}, email="di@example.com"),
    }
    lifecycle.refund(orders["second_refunded"], Decimal("5.00"))
    stock.hold(second, {b.pk: 4})
    first_list = CheckInList.objects.create(event=event, date=first, name="First night")
    checkin.scan(first_list, secret=orders["first_paid"].tickets.all()[0].secret)
    manager = make_member(organizer, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(manager)
    return {
        "event": event, "a": a, "b": b, "dates": [first, second, third], "orders": orders,
        "first_list": first_list, "client": client, "organizer": organizer,
    }  # fmt: skip


def props(client, path):
    response = client.get(path, headers=INERTIA)
    assert response.status_code == 200, response.content
    return response.json()["props"]


# --- dashboard ------------------------------------------------------------------------------


def test_dashboard_of_one_date_counts_that_date_only(series):
    first, second, _ = series["dates"]
    a, b = series["a"], series["b"]
    figures = props(series["client"], f"{BASE}/dashboard/?date={second.pk}")["figures"]
    assert {t["name"]: (t["sold"], t["held"], t["capacity"]) for t in figures["ticket_types"]} == {
        "A": (3, 0, 40),  # the date's own capacity of A
        "B": (0, 4, 30),  # its one ticket was refunded; four in a live hold
    }
    assert figures["revenue"] == [{"currency": "EUR", "gross": "65.00", "refunded": "5.00", "net": "60.00"}]
    assert sum(day["orders"] for day in figures["orders_per_day"]) == 2
    assert figures["check_in"] == {"checked_in": 0, "expected": 3}
    assert figures["dates"] == []  # the table of dates is for all dates
    first_figures = props(series["client"], f"{BASE}/dashboard/?date={first.pk}")["figures"]
    assert first_figures["check_in"] == {"checked_in": 1, "expected": 3}
    assert quotas.sold_counts(series["event"], first) == {a.pk: 2, b.pk: 3}


def test_the_dates_figures_add_up_to_the_events(series):
    client, dates = series["client"], series["dates"]
    whole = props(client, f"{BASE}/dashboard/")
    assert whole["date"] is None
    assert [d["id"] for d in whole["dates"]] == [d.pk for d in dates]
    per_date = [props(client, f"{BASE}/dashboard/?date={d.pk}") for d in dates]
    assert [p["date"] for p in per_date] == [d.pk for d in dates]

    def total(key, figures_list):
        return sum(sum(t[key] for t in f["figures"]["ticket_types"]) for f in figures_list)

    for key in ("sold", "held", "capacity"):
        assert total(key, per_date) == total(key, [whole]), key
    for key in ("gross", "refunded", "net"):
        assert sum(Decimal(r[key]) for p in per_date for r in p["figures"]["revenue"]) == sum(
            Decimal(r[key]) for r in whole["figures"]["revenue"]
        )
    orders = [sum(day["orders"] for day in p["figures"]["orders_per_day"]) for p in per_date]
    assert orders == [2, 2, 0]
    assert sum(orders) == sum(day["orders"] for day in whole["figures"]["orders_per_day"])
    for key in ("checked_in", "expected"):
        assert sum(p["figures"]["check_in"][key] for p in per_date) == whole["figures"]["check_in"][key]
    # The table of dates says what each date's dashboard says.
    table = {row["id"]: row for row in whole["figures"]["dates"]}
    for date, page in zip(dates, per_date, strict=True):
        row = table[date.pk]
        assert row["sold"] == sum(t["sold"] for t in page["figures"]["ticket_types"])
        assert (row["checked_in"], row["expected"]) == tuple(page["figures"]["check_in"].values())
        left = quotas.availability_by_date([EventDate.objects.get(pk=date.pk)])[date.pk]
        assert (row["capacity"], row["available"]) == (left.capacity, left.total)
    assert [table[d.pk]["sold"] for d in dates] == [5, 3, 0]
    assert sum(row["sold"] for row in table.values()) == sum(quotas.sold_counts(series["event"]).values())


def test_dashboard_ignores_a_date_that_is_not_the_events(series):
    other = make_event(slug="other")
    for value in (str(only_date(other).pk), "abc", "-1", "9" * 30, "²", "1\x00"):
        page = props(series["client"], f"{BASE}/dashboard/?date={value}")
        assert page["date"] is None
        assert len(page["figures"]["dates"]) == 3


def test_dashboard_and_orders_queries_do_not_grow_with_dates(series):
    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert series["client"].get(path, headers=INERTIA).status_code == 200
        return len(queries)

    paths = [
        f"{BASE}/dashboard/",
        f"{BASE}/orders/",
        f"{BASE}/checkin-lists/",
        f"{BASE}/checkin/",
        f"{BASE}/",
    ]
    for path in paths:
        count(path)  # the scanner makes its default list on its first visit
    before = [count(path) for path in paths]
    for _ in range(4):
        date = make_date(series["event"])
        buy(date, {series["a"].pk: 1}, email="more@example.com")
        CheckInList.objects.create(event=series["event"], date=date, name=f"List {date.pk}")
    assert [count(path) for path in paths] == before


# --- orders and their exports -----------------------------------------------------------------


def test_orders_are_filtered_by_date_and_show_it(series):
    first, second, third = series["dates"]
    orders = series["orders"]

    def page(query):
        return props(series["client"], f"{BASE}/orders/?{query}")

    all_orders = page("")
    assert [d["id"] for d in all_orders["dates"]] == [first.pk, second.pk, third.pk]
    starts = {o["code"]: o["date_starts_at"] for o in all_orders["orders"]}
    assert starts[orders["second_paid"].code] == second.starts_at.astimezone(series["event"].tz).isoformat()
    on_first = page(f"date={first.pk}")
    assert sorted(o["code"] for o in on_first["orders"]) == sorted(
        [orders["first_paid"].code, orders["first_pending"].code]
    )
    assert on_first["filters"]["date"] == str(first.pk)
    assert page(f"date={third.pk}")["orders"] == []
    assert [o["code"] for o in page(f"date={second.pk}&status=refunded")["orders"]] == [
        orders["second_refunded"].code
    ]
    # Values that name no date are ignored, as the other filters' are.
    for value in ("abc", "0", "9" * 40, "²", "%00"):
        assert len(page(f"date={value}")["orders"]) == 4


def test_order_page_shows_the_orders_date(series):
    order = series["orders"]["second_paid"]
    page = props(series["client"], f"{BASE}/orders/{order.code}/")
    second = series["dates"][1]
    assert page["order"]["event"]["date_id"] == second.pk
    assert page["order"]["event"]["starts_at"] == second.starts_at.astimezone(series["event"].tz).isoformat()


def csv_rows(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert response.streaming
    return response, list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_exports_have_the_date_and_filter_by_it(series):
    client, event = series["client"], series["event"]
    first, second, third = series["dates"]
    local = {d.pk: d.starts_at.astimezone(event.tz).isoformat() for d in series["dates"]}
    _, orders = csv_rows(client, f"{BASE}/export/orders.csv")
    assert {(r["code"], r["date"]) for r in orders} == {
        (o.code, local[o.date_id]) for o in Order.objects.filter(event=event)
    }
    response, on_second = csv_rows(client, f"{BASE}/export/orders.csv?date={second.pk}")
    assert sorted(r["code"] for r in on_second) == sorted(
        [series["orders"]["second_paid"].code, series["orders"]["second_refunded"].code]
    )
    assert {r["date"] for r in on_second} == {local[second.pk]}
    assert second.starts_at.astimezone(event.tz).strftime("%Y-%m-%d") in response["Content-Disposition"]
    _, attendees = csv_rows(client, f"{BASE}/export/attendees.csv")
    assert len(attendees) == Ticket.objects.filter(order__event=event).count() == 9
    _, on_first = csv_rows(client, f"{BASE}/export/attendees.csv?date={first.pk}")
    assert len(on_first) == 5
    assert {r["date"] for r in on_first} == {local[first.pk]}
    assert sum(1 for r in on_first if r["checked_in_at"]) == 1
    # Per date, the rows add up to the event's.
    per_date = [csv_rows(client, f"{BASE}/export/attendees.csv?date={d.pk}")[1] for d in series["dates"]]
    assert sorted(r["ticket_id"] for rows in per_date for r in rows) == sorted(
        r["ticket_id"] for r in attendees
    )
    assert csv_rows(client, f"{BASE}/export/orders.csv?date={third.pk}")[1] == []


def test_an_export_for_a_date_that_is_not_the_events_is_404(series):
    other = make_event(slug="other")
    for value in (str(only_date(other).pk), "abc", "9" * 30, "1\x00", "-3"):
        for kind in ("orders", "attendees"):
            response = series["client"].get(f"{BASE}/export/{kind}.csv", {"date": value})
            assert response.status_code == 404, (kind, value)


# --- check-in lists -----------------------------------------------------------------------------


def scan_url(check_in_list):
    return f"{BASE}/checkin/{check_in_list.pk}/scan/"


def test_a_dates_list_admits_its_date_and_refuses_anothers(series):
    client = series["client"]
    second_ticket = series["orders"]["second_paid"].tickets.first()
    first_ticket = series["orders"]["first_paid"].tickets.last()
    first_list = series["first_list"]
    refused = client.post(
        scan_url(first_list), json.dumps({"secret": second_ticket.secret}), content_type="application/json"
    ).json()
    assert refused["outcome"] == "refused"
    assert refused["message"].startswith("Wrong date: this ticket is for ")
    admitted = client.post(
        scan_url(first_list), json.dumps({"secret": first_ticket.secret}), content_type="application/json"
    ).json()
    assert (admitted["outcome"], admitted["counts"]) == ("admitted", {"checked_in": 2})
    stats = client.get(f"{BASE}/checkin/{first_list.pk}/stats/").json()
    assert stats == {"checked_in": 2, "expected": 3}  # the first date's paid tickets
    every_date = CheckInList.objects.create(event=series["event"], name="Any night")
    assert checkin.list_counts(every_date)["expected"] == 6
    assert checkin.scan(every_date, secret=second_ticket.secret).outcome == "admitted"


def test_lists_page_names_dates_counts_each_list_and_offers_the_dates_without_one(series):
    first, second, third = series["dates"]
    b_only = CheckInList.objects.create(
        event=series["event"], date=second, name="B door", all_ticket_types=False
    )
    b_only.ticket_types.add(series["b"])
    page = props(series["client"], f"{BASE}/checkin-lists/")
    rows = {row["name"]: row for row in page["lists"]}
    assert rows["First night"]["date_starts_at"] == first.starts_at.astimezone(series["event"].tz).isoformat()
    assert rows["First night"]["counts"] == {"checked_in": 1, "expected": 3}
    assert rows["First night"]["can_delete"] is False
    assert rows["B door"]["counts"] == {"checked_in": 0, "expected": 0}  # B's ticket there was refunded
    assert rows["B door"]["can_delete"] is True
    for lst in CheckInList.objects.filter(event=series["event"]):
        assert rows[lst.name]["counts"] == checkin.list_counts(lst)
    assert [d["id"] for d in page["dates_without_list"]] == [third.pk]
    assert [d["id"] for d in page["dates"]] == [first.pk, second.pk, third.pk]


def test_a_list_is_created_for_a_date_on_demand(series):
    third = series["dates"][2]
    client = series["client"]
    response = client.post(
        f"{BASE}/checkin-lists/",
        json.dumps({"action": "for_date", "date": third.pk}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert response.status_code == 302
    made = CheckInList.objects.get(event=series["event"], date=third)
    assert made.all_ticket_types
    assert made.name == third.starts_at.astimezone(series["event"].tz).strftime("%a %d %b %Y, %H:%M")
    # Asking again gives the same list; the date no longer lacks one.
    assert checkin.list_for_date(third) == made
    second = series["dates"][1]
    assert [d["id"] for d in props(client, f"{BASE}/checkin-lists/")["dates_without_list"]] == [second.pk]
    # The scanner's ?date= opens the date's list, made when missing.
    opened = client.get(f"{BASE}/checkin/?date={second.pk}")
    second_list = CheckInList.objects.get(event=series["event"], date=second)
    assert opened.status_code == 302
    assert opened["Location"].endswith(f"/checkin/?list={second_list.pk}")
    scanner = props(client, opened["Location"])
    assert scanner["list"] == {
        "id": second_list.pk,
        "name": second_list.name,
        "date_starts_at": second.starts_at.astimezone(series["event"].tz).isoformat(),
        "allow_exits": False,
    }
    assert scanner["counts"] == {"checked_in": 0, "expected": 3}


def test_scanner_names_each_lists_date_and_the_dates_without_a_list(series):
    first, second, third = series["dates"]
    door = make_member(series["organizer"], role=Membership.Role.DOOR_STAFF)
    client = Client()
    client.force_login(door)
    page = props(client, f"{BASE}/checkin/?list={series['first_list'].pk}")
    assert page["list"]["id"] == series["first_list"].pk
    assert page["counts"] == {"checked_in": 1, "expected": 3}
    by_name = {lst["name"]: lst["date_starts_at"] for lst in page["lists"]}
    assert by_name["First night"] == first.starts_at.astimezone(series["event"].tz).isoformat()
    assert [d["id"] for d in page["dates_without_list"]] == [second.pk, third.pk]
    # No list, or one that is not the event's: the list of the date happening now or next.
    for value in ("", "abc", "9" * 30, "1\x00"):
        assert props(client, f"{BASE}/checkin/?list={value}")["list"]["id"] == series["first_list"].pk
    assert not CheckInList.objects.filter(event=series["event"], date__isnull=True).exists()


def test_the_scanner_of_a_series_opens_on_the_list_of_the_date_happening_next(series):
    first, second, _ = series["dates"]
    EventDate.objects.filter(pk=first.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=2), ends_at=timezone.now() - dt.timedelta(days=1)
    )
    door = make_member(series["organizer"], role=Membership.Role.DOOR_STAFF)
    client = Client()
    client.force_login(door)
    page = props(client, f"{BASE}/checkin/")
    made = CheckInList.objects.get(event=series["event"], date=second)  # made on demand
    assert (page["list"]["id"], page["list"]["date_starts_at"]) == (
        made.pk,
        second.starts_at.astimezone(series["event"].tz).isoformat(),
    )


def test_a_list_form_takes_a_date_or_every_date(series):
    first = series["dates"][0]
    client = series["client"]

    def create(**data):
        return client.post(
            f"{BASE}/checkin-lists/",
            json.dumps({"all_ticket_types": True, **data}),
            content_type="application/json",
            headers=INERTIA,
        )

    assert create(name="Night one", date=first.pk).status_code == 302
    assert CheckInList.objects.get(name="Night one").date_id == first.pk
    assert create(name="Always", date="").status_code == 302
    assert CheckInList.objects.get(name="Always").date_id is None
    other = only_date(make_event(slug="other"))
    refused = create(name="Theirs", date=other.pk)
    assert refused.status_code == 422
    assert refused.json()["props"]["errors"]["date"] == "Choose one of the event's dates, or every date."
    assert not CheckInList.objects.filter(name="Theirs").exists()


# --- vouchers -------------------------------------------------------------------------------


def test_a_voucher_valid_on_some_dates_is_refused_on_the_others(series):
    first, second, third = series["dates"]
    event = series["event"]
    voucher = Voucher.objects.create(event=event, code="NIGHT1", value=Decimal("50"), max_usages=5)
    voucher.dates.set([first, third])
    assert find_voucher(event, "night1", first) == voucher
    assert find_voucher(event, "NIGHT1", third) == voucher
    with pytest.raises(OrderConflict, match="not valid for this date"):
        find_voucher(event, "NIGHT1", second)
    with pytest.raises(OrderConflict):
        buy(second, {series["a"].pk: 1}, voucher="NIGHT1")
    order = buy(first, {series["a"].pk: 1}, voucher="NIGHT1", email="v@example.com")
    assert (order.voucher_id, order.total) == (voucher.pk, Decimal("10.00"))
    # Without dates it is valid on every date.
    voucher.dates.clear()
    assert find_voucher(event, "NIGHT1", second) == voucher


def test_voucher_form_takes_dates_and_the_editor_shows_them(series):
    first, second, _ = series["dates"]
    client = series["client"]
    response = client.post(
        f"{BASE}/vouchers/",
        json.dumps(
            {
                "code": "TWO",
                "kind": "percent",
                "value": "10",
                "max_usages": "3",
                "dates": [first.pk, second.pk],
            }
        ),
        content_type="application/json",
        headers=INERTIA,
    )
    assert response.status_code == 302, response.content
    voucher = Voucher.objects.get(event=series["event"], code="TWO")
    assert set(voucher.dates.values_list("pk", flat=True)) == {first.pk, second.pk}
    page = props(client, f"{BASE}/")
    assert [d["id"] for d in page["dates"]] == [d.pk for d in series["dates"]]
    (row,) = [v for v in page["vouchers"] if v["code"] == "TWO"]
    tz = series["event"].tz
    assert row["dates"] == [
        first.starts_at.astimezone(tz).isoformat(),
        second.starts_at.astimezone(tz).isoformat(),
    ]
    # Through the public purchase API: refused on a date the voucher is not for.
    body = {
        "date": series["dates"][2].pk,
        "lines": [{"ticket_type_id": series["a"].pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "voucher": "TWO",
        "payment_method": "demo",
    }
    refused = Client().post("/api/v1/events/run/orders", json.dumps(body), content_type="application/json")
    assert refused.status_code == 409, refused.content
    assert refused.json()["detail"] == "This voucher is not valid for this date."
    accepted = Client().post(
        "/api/v1/events/run/orders", json.dumps({**body, "date": first.pk}), content_type="application/json"
    )
    assert accepted.status_code == 201, accepted.content
