"""Every date-time an organizer sets lies from 1 January 2000 to 31 December 2100 in UTC
(core.datetimes): security review H-1. A wall-clock time at the calendar's edge (31
December 9999, 23:00 in America/Adak is year 10000 in UTC) is refused with a readable
error through the back office and the organizer API, nothing is saved, and the pages that
list events stay up. CHECK constraints keep the same window in the database (run this
file on PostgreSQL too: DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.test import Client

from accounts import tokens
from core.datetimes import WINDOW_END, WINDOW_START, move_into_window, to_utc, window_checked, within_window
from events.models import Event, EventDate, TicketType
from events.recurrence import RecurrenceForm
from sales import date_changes
from sales.models import Voucher
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true"}
ADAK, TOKYO = "America/Adak", "Asia/Tokyo"  # UTC-10 in winter; UTC+9
WINDOW = ("1 January 2000", "31 December 2100")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.API_RATE_LIMIT = 0
    settings.DEMO_PAYMENTS = True


def post(client: Client, url: str, data: object, **headers: str) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", headers={**INERTIA, **headers})


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.content[:500]
    return response.json()["props"]["errors"]


def says_the_window(message: str) -> bool:
    return all(bound in message for bound in WINDOW)


def api(method: str, path: str, token: str, body: object | None = None) -> Any:
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    if body is None:
        return getattr(client, method)(path, headers=headers)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", headers=headers)


def everything_stays_up(client: Client, organizer_slug: str, event_slug: str) -> None:
    """The pages the stored year-10000 event broke: the storefront, the public API, the back office."""
    for url in ("/", "/api/v1/events", "/manage/", f"/manage/{organizer_slug}/"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/manage/{organizer_slug}/events/{event_slug}/").status_code == 200
    assert client.get(f"/manage/{organizer_slug}/events/{event_slug}/dates/").status_code == 200


# --- the H-1 reproduction: a self-registered user and the event editor ------------------------


def csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


EVENT = {
    "title": "Eve's Party",
    "slug": "",
    "description": "",
    "venue_name": "Hall",
    "venue_address": "",
    "is_online": False,
    "timezone": "Europe/Prague",
    "starts_at": "2031-10-01T19:30",
    "ends_at": "2031-10-01T22:00",
    "currency": "EUR",
    "capacity": "",
}


@pytest.fixture
def eve(django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """What the review did as Eve: sign up, create an organizer and an event with a free
    ticket type, publish it."""
    client, token = csrf_client()
    csrf = {"X-XSRF-TOKEN": token}
    with django_capture_on_commit_callbacks(execute=True):  # the signup email goes out
        assert post(client, "/accounts/signup/", {"email": "eve@example.com"}, **csrf).status_code == 302
    link = re.search(r"http://testserver(/accounts/signup/confirm/\?token=\S+)", str(mail.outbox[-1].body))
    assert link is not None
    signup = {"full_name": "Eve", "password": "a-long-pass-phrase"}
    assert post(client, link.group(1), signup, **csrf).status_code == 302
    csrf = {"X-XSRF-TOKEN": client.cookies[settings.CSRF_COOKIE_NAME].value}  # rotated at login
    organizer = {"name": "Eve Events", "contact_email": "eve@example.com"}
    assert post(client, "/manage/organizers/new/", organizer, **csrf).status_code == 302
    assert post(client, "/manage/eve-events/events/new/", EVENT, **csrf).status_code == 302
    ticket_type = {"name": "Free", "price": "0", "capacity": "10", "min_per_order": "1", "max_per_order": "5"}
    url = "/manage/eve-events/events/eves-party/"
    assert post(client, f"{url}ticket-types/", ticket_type, **csrf).status_code == 302
    assert post(client, f"{url}publish/", {}, **csrf).status_code == 302
    event = Event.objects.get(slug="eves-party")
    assert event.status == Event.Status.PUBLISHED
    return {"client": client, "csrf": csrf, "url": url, "event": event}


@pytest.mark.parametrize(
    ("zone", "starts_at", "ends_at", "message"),
    [
        # The review's exact request: year 10000 in UTC.
        (ADAK, "9999-12-31T23:00", "9999-12-31T23:30", "between the years 2000 and 2100"),
        (TOKYO, "0001-01-01T00:00", "0001-01-01T01:00", "between the years 2000 and 2100"),
        # Years the form takes, out of the window once in UTC.
        (ADAK, "2100-12-31T14:00", "2100-12-31T15:00", "Starts at: give a time from 1 January 2000"),
        (TOKYO, "2000-01-01T08:59", "2000-01-01T10:00", "Starts at: give a time from 1 January 2000"),
    ],
)
def test_the_year_9999_event_cannot_be_saved_and_everything_stays_up(eve, zone, starts_at, ends_at, message):
    before = Event.objects.values().get(pk=eve["event"].pk)
    edit = {**EVENT, "timezone": zone, "starts_at": starts_at, "ends_at": ends_at}
    errors = errors_of(post(eve["client"], eve["url"], edit, **eve["csrf"]))
    assert message in errors["starts_at"]
    assert Event.objects.values().get(pk=eve["event"].pk) == before
    assert EventDate.objects.get(event=eve["event"]).starts_at == before["starts_at"]
    everything_stays_up(eve["client"], "eve-events", "eves-party")
    assert "eves-party" in json.dumps(Client().get("/api/v1/events").json())


@pytest.mark.parametrize(
    ("zone", "starts_at", "utc"),
    [
        ("UTC", "2000-01-01T00:00", "2000-01-01T00:00:00+00:00"),  # the window's first minute
        ("UTC", "2100-12-31T23:59", "2100-12-31T23:59:00+00:00"),  # and its last
        (TOKYO, "2000-01-01T09:00", "2000-01-01T00:00:00+00:00"),
        (ADAK, "2100-12-31T13:59", "2100-12-31T23:59:00+00:00"),
    ],
)
def test_times_at_the_windows_edges_are_saved(eve, zone, starts_at, utc):
    edit = {**EVENT, "timezone": zone, "starts_at": starts_at, "ends_at": starts_at}
    assert post(eve["client"], eve["url"], edit, **eve["csrf"]).status_code == 302
    event = Event.objects.get(pk=eve["event"].pk)
    assert event.starts_at.isoformat() == utc
    assert only_date(event).starts_at.isoformat() == utc
    everything_stays_up(eve["client"], "eve-events", "eves-party")


def test_moving_a_single_date_event_keeps_its_doors_in_the_window(eve):
    date = only_date(eve["event"])
    EventDate.objects.filter(pk=date.pk).update(admission_at=date.starts_at - dt.timedelta(hours=2))
    edit = {**EVENT, "timezone": "UTC", "starts_at": "2000-01-01T01:00", "ends_at": "2000-01-01T02:00"}
    errors = errors_of(post(eve["client"], eve["url"], edit, **eve["csrf"]))
    assert errors["starts_at"].startswith("Doors open")
    assert says_the_window(errors["starts_at"])
    assert only_date(Event.objects.get(pk=eve["event"].pk)).starts_at == date.starts_at


# --- the organizer API --------------------------------------------------------------------------


@pytest.fixture
def token() -> str:
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", timezone=ADAK)
    make_ticket_type(event, name="Standard")
    return tokens.create_token(organizer=organizer, name="t", role="manager", created_by=None)[1]


NEW_EVENT = {"title": "Far Away", "timezone": ADAK, "venue_name": "Hall"}


@pytest.mark.parametrize(
    ("zone", "starts_at", "ends_at"),
    [
        # The review's exact request: an OverflowError and a 500 before.
        (ADAK, "9999-12-31T23:00:00-10:00", "9999-12-31T23:30:00-10:00"),
        (TOKYO, "0001-01-01T00:00:00+09:00", "0001-01-01T01:00:00+09:00"),
        (ADAK, "2101-01-01T00:00:00Z", "2101-01-01T01:00:00Z"),
        (TOKYO, "1999-12-31T23:59:59Z", "2000-01-01T01:00:00Z"),
        # Without an offset: the event's local time, out of the window in UTC.
        (ADAK, "2100-12-31T14:00:00", "2100-12-31T15:00:00"),
        (TOKYO, "2000-01-01T08:00:00", "2000-01-01T10:00:00"),
        (ADAK, "9999-12-31T23:00:00", "9999-12-31T23:30:00"),
    ],
)
def test_the_api_refuses_an_event_out_of_the_window(token, zone, starts_at, ends_at):
    body = {**NEW_EVENT, "timezone": zone, "starts_at": starts_at, "ends_at": ends_at}
    created = api("post", "/api/v1/manage/events", token, body)
    assert created.status_code == 422, created.content
    assert created["Content-Type"] == "application/problem+json"
    errors = created.json()["errors"]
    assert "starts_at" in [error["loc"][-1] for error in errors]
    assert any("2000" in error["msg"] and "2100" in error["msg"] for error in errors)
    assert not Event.objects.filter(title="Far Away").exists()
    patch = {"timezone": zone, "starts_at": starts_at, "ends_at": ends_at}
    changed = api("patch", "/api/v1/manage/events/gig", token, patch)
    assert changed.status_code == 422
    assert Event.objects.get(slug="gig").timezone == ADAK
    assert Client().get("/api/v1/events").status_code == 200
    assert Client().get("/").status_code == 200


def test_the_api_takes_the_windows_edges(token):
    body = {**NEW_EVENT, "starts_at": "2100-12-31T13:59:00-10:00", "ends_at": "2100-12-31T23:59:59Z"}
    created = api("post", "/api/v1/manage/events", token, body)
    assert created.status_code == 201, created.content
    event = Event.objects.get(slug=created.json()["slug"])
    assert event.starts_at == event.ends_at == WINDOW_END - dt.timedelta(minutes=1)


LATE = {"name": "Late", "price": "1", "capacity": 5}
SOON = {"starts_at": "2031-01-01T10:00:00", "ends_at": "2031-01-01T11:00:00"}


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/ticket-types", "post", {**LATE, "sales_end": "9999-12-31T23:59:59-10:00"}, "sales_end"),
        ("/ticket-types", "post", {**LATE, "sales_start": "2100-12-31T20:00:00"}, "sales_start"),
        (
            "/dates",
            "post",
            {"starts_at": "2100-12-31T23:00:00", "ends_at": "2100-12-31T23:30:00"},
            "starts_at",
        ),
        ("/dates", "post", {**SOON, "admission_at": "0001-01-01T00:00:00+09:00"}, "admission_at"),
        ("/dates/{date}", "patch", {"sales_end": "2101-01-01T00:00:00Z"}, "sales_end"),
        ("/dates/{date}", "patch", {"sales_start": "1999-12-31T13:00:00"}, "sales_start"),
    ],
)
def test_the_api_refuses_ticket_type_and_date_times_out_of_the_window(token, path, method, body, field):
    event = Event.objects.get(slug="gig")
    before = (list(EventDate.objects.values()), list(TicketType.objects.values()))
    url = "/api/v1/manage/events/gig" + path.format(date=only_date(event).pk)
    response = api(method, url, token, body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    (error,) = [e for e in response.json()["errors"] if e["loc"][-1] == field]
    assert "2000" in error["msg"]
    assert "2100" in error["msg"]
    assert (list(EventDate.objects.values()), list(TicketType.objects.values())) == before


# --- the back office's other forms -------------------------------------------------------------


@pytest.fixture
def shop() -> dict[str, Any]:
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", timezone=ADAK)
    ticket_type = make_ticket_type(event, name="Standard")
    client = Client()
    client.force_login(make_member(organizer))
    return {"event": event, "type": ticket_type, "date": only_date(event), "client": client}


URL = "/manage/acme/events/gig/"
TICKET_TYPE = {"name": "Late", "price": "5", "capacity": "10", "min_per_order": "1", "max_per_order": "5"}
VOUCHER = {"code": "FAR", "kind": "percent", "value": "10", "max_usages": "5"}
OUT = "2100-12-31T14:00"  # 2101-01-01 00:00 UTC in Adak
MOVE = {"starts_at": "2031-05-01T19:00", "ends_at": "2031-05-01T22:00", "admission_at": ""}


@pytest.mark.parametrize(
    ("path", "data", "key"),
    [
        ("ticket-types/", {**TICKET_TYPE, "sales_end": OUT}, "new.sales_end"),
        ("ticket-types/", {**TICKET_TYPE, "sales_start": "9999-12-31T23:00"}, "new.sales_start"),
        ("vouchers/", {**VOUCHER, "valid_until": OUT}, "voucher.valid_until"),
        ("vouchers/", {**VOUCHER, "valid_from": "1999-12-31T23:00"}, "voucher.valid_from"),
        ("dates/new/", {"starts_at": OUT, "ends_at": "2100-12-31T15:00"}, "add.starts_at"),
        ("dates/{date}/", {"sales_start": "1999-12-31T23:00"}, "{date}.edit.sales_start"),
        ("dates/{date}/", {"admission_at": OUT}, "{date}.edit.admission_at"),
        ("dates/{date}/move/", {**MOVE, "ends_at": OUT}, "{date}.move.ends_at"),
        ("dates/{date}/move/", {**MOVE, "admission_at": "1999-12-31T23:00"}, "{date}.move.admission_at"),
    ],
)
def test_every_time_field_refuses_times_out_of_the_window(shop, path, data, key):
    date = shop["date"].pk
    before = [list(model.objects.values()) for model in (EventDate, TicketType, Voucher)]
    errors = errors_of(post(shop["client"], URL + path.format(date=date), data))
    assert (
        says_the_window(errors[key.format(date=date)]) or "between the years" in errors[key.format(date=date)]
    )
    assert [list(model.objects.values()) for model in (EventDate, TicketType, Voucher)] == before
    everything_stays_up(shop["client"], "acme", "gig")


def test_a_ticket_type_and_a_voucher_at_the_windows_edges_are_saved(shop):
    edge = {"sales_start": "2000-01-01T00:00", "sales_end": "2100-12-31T13:59"}  # Adak: UTC-10
    assert post(shop["client"], f"{URL}ticket-types/", {**TICKET_TYPE, **edge}).status_code == 302
    late = TicketType.objects.get(name="Late")
    assert (late.sales_start, late.sales_end) == (
        WINDOW_START + dt.timedelta(hours=10),
        WINDOW_END - dt.timedelta(minutes=1),
    )
    voucher = {**VOUCHER, "valid_from": edge["sales_start"], "valid_until": edge["sales_end"]}
    assert post(shop["client"], f"{URL}vouchers/", voucher).status_code == 302
    assert Voucher.objects.get(code="FAR").valid_until == WINDOW_END - dt.timedelta(minutes=1)


# --- recurrence -----------------------------------------------------------------------------------

RULE = {
    "frequency": "monthly",
    "interval": "12",
    "first_day": "2031-06-05",
    "start_time": "19:30",
    "duration_minutes": "120",
    "ends": "count",
    "count": "100",
}


@pytest.mark.parametrize(
    ("changes", "field", "day"),
    [
        ({}, "count", "5 June 2101"),  # yearly for 100 years from 2031
        (
            {
                "ends": "until",
                "until": "2100-12-31",
                "frequency": "daily",
                "interval": "1",
                "first_day": "2100-12-30",
                "start_time": "14:30",
            },
            "until",
            "31 December 2100",
        ),
        (
            {"frequency": "daily", "first_day": "2100-12-31", "start_time": "23:00", "count": "1"},
            "first_day",
            "31 December 2100",
        ),
    ],
)
def test_a_rule_whose_dates_leave_the_window_is_refused(changes, field, day):
    form = RecurrenceForm({**RULE, **changes}, tz=zoneinfo.ZoneInfo(ADAK))
    assert not form.is_valid()
    assert form.errors[field] == [
        f"The date on {day}: give a time from 1 January 2000 to 31 December 2100 (UTC)."
    ]


def test_a_rule_until_the_windows_last_day_makes_its_dates(shop):
    rule = {**RULE, "ends": "until", "until": "2100-12-31", "first_day": "2100-01-05", "interval": "1"}
    response = post(shop["client"], f"{URL}dates/preview/", rule)
    assert response.status_code == 200, response.content
    assert len(response.json()["dates"]) == 12
    errors = errors_of(post(shop["client"], f"{URL}dates/rule/", {**RULE, "count": "80"}))
    assert says_the_window(errors["rule.count"])
    assert shop["event"].dates.count() == 1


# --- services and the database ----------------------------------------------------------------


def test_to_utc_converts_a_wall_clock_time_or_names_the_field():
    naive = dt.datetime.fromisoformat
    adak, tokyo = dt.timezone(dt.timedelta(hours=-10)), dt.timezone(dt.timedelta(hours=9))
    assert to_utc(naive("2100-12-31T13:59"), adak, "Start") == WINDOW_END - dt.timedelta(minutes=1)
    assert to_utc(naive("2000-01-01T09:00"), tokyo, "Start") == WINDOW_START
    for value in ("9999-12-31T23:00", "9999-12-31T23:59:59.999999", "2100-12-31T14:00"):
        with pytest.raises(ValidationError) as refused:
            to_utc(naive(value), adak, "Start")
        assert refused.value.messages == ["Start: give a time from 1 January 2000 to 31 December 2100 (UTC)."]
    for value in ("0001-01-01T00:00", "0001-01-01T08:59", "2000-01-01T08:59:59"):
        with pytest.raises(ValidationError):
            to_utc(naive(value), tokyo, "Start")
    with pytest.raises(ValidationError):
        within_window(naive("9999-12-31T23:59:59").replace(tzinfo=adak), "End")


def test_moving_a_date_refuses_times_out_of_the_window(shop):
    date = shop["date"]
    far = dt.datetime(2101, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        date_changes.move_date(
            date, starts_at=far, ends_at=far, admission_at=WINDOW_START - dt.timedelta(seconds=1),
            by=None, base_url="http://testserver/",
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"starts_at", "ends_at", "admission_at"}
    assert EventDate.objects.get(pk=date.pk).starts_at == date.starts_at


FIELDS = [
    (Event, "starts_at"),
    (Event, "ends_at"),
    (EventDate, "starts_at"),
    (EventDate, "ends_at"),
    (EventDate, "admission_at"),
    (EventDate, "sales_start"),
    (EventDate, "sales_end"),
    (TicketType, "sales_start"),
    (TicketType, "sales_end"),
    (Voucher, "valid_from"),
    (Voucher, "valid_until"),
]


def _rows(shop: dict[str, Any]) -> dict[type, Any]:
    voucher = Voucher.objects.create(event=shop["event"], code="V", value=Decimal("5"))
    return {Event: shop["event"], EventDate: shop["date"], TicketType: shop["type"], Voucher: voucher}


@pytest.mark.parametrize(("model", "field"), FIELDS)
@pytest.mark.parametrize("value", [WINDOW_END, WINDOW_START - dt.timedelta(microseconds=1)])
def test_the_database_refuses_a_time_out_of_the_window(shop, model, field, value):
    row = _rows(shop)[model]
    # Both ends of a span move together, so only the window can refuse.
    same = {"starts_at": value, "ends_at": value} if field in ("starts_at", "ends_at") else {field: value}
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**same)
    with pytest.raises(ValidationError) as refused, window_checked():
        model.objects.filter(pk=row.pk).update(**same)
    assert says_the_window(" ".join(refused.value.messages))
    assert set(refused.value.message_dict) <= set(same)


@pytest.mark.parametrize(("model", "field"), FIELDS)
def test_the_database_takes_the_windows_edges_and_no_time(shop, model, field):
    row = _rows(shop)[model]
    last = WINDOW_END - dt.timedelta(microseconds=1)
    for value in (WINDOW_START, last, None):
        if value is None and model._meta.get_field(field).null is False:
            continue
        same = {"starts_at": value, "ends_at": value} if field in ("starts_at", "ends_at") else {field: value}
        model.objects.filter(pk=row.pk).update(**same)
        assert getattr(model.objects.get(pk=row.pk), field) == value


def test_moving_stored_times_into_the_window_keeps_their_order(shop):
    """What the data migrations do to rows stored before the window existed (on SQLite
    and PostgreSQL alike; a year-10000 row can only exist on PostgreSQL)."""
    date = shop["date"]
    inside = WINDOW_START + dt.timedelta(days=1)
    EventDate.objects.filter(pk=date.pk).update(sales_start=inside, sales_end=inside + dt.timedelta(hours=1))
    move_into_window(EventDate, "sales_start", highest=inside - dt.timedelta(hours=1))
    move_into_window(EventDate, "sales_end", lowest=inside + dt.timedelta(hours=2))
    moved = EventDate.objects.get(pk=date.pk)
    assert (moved.sales_start, moved.sales_end) == (
        inside - dt.timedelta(hours=1),
        inside + dt.timedelta(hours=2),
    )


@pytest.mark.postgres
def test_the_migration_mends_a_stored_year_10000_event(shop):
    """The review's stored row (PostgreSQL takes year 10000, Python cannot load it): the
    data migration moves it to the window's last second, then its CHECK constraints hold."""
    migration = importlib.import_module("events.migrations.0004_dates_into_window")
    names = [("events_event", f"event_{f}_in_window") for f in ("starts_at", "ends_at")]
    names += [("events_eventdate", f"event_date_{f}_in_window") for f in ("starts_at", "ends_at")]
    far = "10000-01-01 09:00:00+00"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's foreign keys, before ALTER TABLE
        for table, name in names:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for table, row in (("events_event", shop["event"]), ("events_eventdate", shop["date"])):
            cursor.execute(
                f"UPDATE {table} SET starts_at = %s::timestamptz, ends_at = %s::timestamptz WHERE id = %s",  # noqa: S608
                [far, far, row.pk],
            )
    with pytest.raises(DataError), transaction.atomic():
        Event.objects.get(pk=shop["event"].pk)
    migration.forwards(django_apps, None)
    last = WINDOW_END - dt.timedelta(seconds=1)
    event = Event.objects.get(pk=shop["event"].pk)
    assert (event.starts_at, event.ends_at, only_date(event).starts_at) == (last, last, last)
    with connection.schema_editor() as editor:
        for model in (Event, EventDate):
            for constraint in model._meta.constraints:
                if constraint.name in {name for _, name in names}:
                    editor.add_constraint(model, constraint)
    everything_stays_up(shop["client"], "acme", "gig")
