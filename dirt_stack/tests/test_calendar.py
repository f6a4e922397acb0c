"""The order's "Add to calendar" (.ics, sales.calendar): a file icalendar parses, times in the
event's zone across a DST change, a UID stable across downloads, a SEQUENCE raised when the
date moves or is cancelled, no secret inside, and only for whoever has the order's link."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from events import services as event_services
from events.forms import EventForm
from events.models import Event, EventDate
from sales import calendar, date_changes
from sales.event_cancellation import cancel_event
from sales.models import Order
from tests.factories import make_event, make_ticket_type, only_date
from tests.support.dates import buy, delivered_mail

pytestmark = pytest.mark.django_db

BASE_URL = "http://testserver/"
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.SITE_URL = "https://tickets.example.org/"


def next_spring_forward() -> dt.datetime:
    """The next switch of Europe/Prague to summer time (last Sunday of March, 01:00 UTC)."""
    year = timezone.now().year + 1
    last_day = dt.date(year, 3, 31)
    sunday = last_day - dt.timedelta(days=(last_day.weekday() + 1) % 7)
    return dt.datetime(sunday.year, sunday.month, sunday.day, 1, tzinfo=dt.UTC)


@pytest.fixture
def night_order() -> Order:
    """A paid order for a night that starts in winter time and ends in summer time."""
    switch = next_spring_forward()
    event = make_event(
        title="Night of the Clocks",
        starts_at=switch - dt.timedelta(hours=2),
        ends_at=switch + dt.timedelta(hours=3),
        venue_name="Lucerna",
        venue_address="Vodičkova 36, Praha",
    )
    standard = make_ticket_type(event, price=Decimal("20.00"))
    order = buy(only_date(event), {standard.pk: 2})
    assert order.status == Order.Status.PAID
    return order


def move(date: EventDate, starts_at: dt.datetime, admission_at: dt.datetime | None = None) -> None:
    """Move ``date`` to start at ``starts_at``, for two hours (the back office's "Move")."""
    date_changes.move_date(
        date,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        admission_at=admission_at,
        by=None,
        base_url=BASE_URL,
    )


def download(order: Order, client: Client | None = None) -> tuple[bytes, Calendar]:
    response = (client or Client()).get(f"/orders/{order.code}/{order.secret}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{order.event.slug}-{order.code}.ics"'
    return response.content, Calendar.from_ical(response.content)


def vevent(parsed: Calendar):
    (entry,) = parsed.walk("VEVENT")
    return entry


def test_the_file_has_the_date_in_its_zone_across_summer_time(night_order):
    body, parsed = download(night_order)
    entry = vevent(parsed)
    date = night_order.date
    starts, ends = entry.decoded("dtstart"), entry.decoded("dtend")
    # The same instants, written as Prague's wall-clock times with their zone.
    assert starts == date.starts_at
    assert ends == date.ends_at
    assert starts.tzinfo.key == "Europe/Prague"
    assert ends.tzinfo.key == "Europe/Prague"
    assert starts.utcoffset() == dt.timedelta(hours=1)  # winter time
    assert ends.utcoffset() == dt.timedelta(hours=2)  # summer time
    assert entry["dtstart"].params["TZID"] == "Europe/Prague"
    local_start = date.starts_at.astimezone(PRAGUE)
    assert f"DTSTART;TZID=Europe/Prague:{local_start:%Y%m%dT%H%M%S}".encode() in body
    (zone,) = parsed.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Prague"
    assert str(entry["summary"]) == "Night of the Clocks"
    assert str(entry["location"]) == "Lucerna, Vodičkova 36, Praha"
    assert str(entry["status"]) == "CONFIRMED"
    assert entry.decoded("dtstamp").tzinfo is not None
    assert f"http://testserver/events/{night_order.event.slug}/?date={date.pk}" in str(entry["description"])


def test_the_uid_is_the_dates_and_stays_across_downloads(night_order):
    first = vevent(download(night_order)[1])
    again = vevent(download(night_order)[1])
    assert str(first["uid"]) == str(again["uid"]) == f"date-{night_order.date_id}@tickets.example.org"
    # Another order of the same date: the same calendar entry.
    other = buy(night_order.date, {night_order.lines.get().ticket_type_id: 1}, email="bob@example.com")
    assert str(vevent(download(other)[1])["uid"]) == str(first["uid"])


def test_no_ticket_or_order_secret_is_in_the_file(night_order):
    body, _ = download(night_order)
    secrets = [night_order.secret, *night_order.tickets.values_list("secret", flat=True)]
    assert len(secrets) == 3
    unfolded = body.replace(b"\r\n ", b"")
    for secret in secrets:
        assert secret.encode() not in unfolded
    assert b"/orders/" not in unfolded


def test_moving_the_date_raises_the_sequence(night_order):
    date = night_order.date
    assert vevent(download(night_order)[1])["sequence"] == 0
    later = date.starts_at + dt.timedelta(days=1)
    move(date, later)
    entry = vevent(download(night_order)[1])
    assert entry["sequence"] == 1
    assert entry.decoded("dtstart") == later
    # Doors opening is not in the file: moving only them leaves the sequence.
    move(date, later, admission_at=later - dt.timedelta(hours=1))
    assert vevent(download(night_order)[1])["sequence"] == 1
    # The same times again: nothing changes.
    move(date, later, admission_at=later - dt.timedelta(hours=1))
    assert EventDate.objects.get(pk=date.pk).calendar_sequence == 1


def test_the_event_editor_moving_a_single_date_raises_the_sequence(night_order):
    event = night_order.event
    date = night_order.date
    form = EventForm(instance=event)
    data = {name: form.initial.get(name) for name in form.fields}
    data["starts_at"] = (date.starts_at + dt.timedelta(hours=1)).astimezone(PRAGUE).replace(tzinfo=None)
    data["ends_at"] = (date.ends_at + dt.timedelta(hours=1)).astimezone(PRAGUE).replace(tzinfo=None)
    data = {name: value for name, value in data.items() if value is not None}
    bound = EventForm(data=data, instance=event)
    assert bound.is_valid(), bound.errors
    event_services.save_event(bound, event.organizer)
    assert EventDate.objects.get(pk=date.pk).calendar_sequence == 1


def test_a_cancelled_date_is_cancelled_in_the_calendar(night_order):
    date_changes.cancel_date(night_order.date, by=None, base_url=BASE_URL)
    entry = vevent(download(night_order)[1])
    assert str(entry["status"]) == "CANCELLED"
    assert entry["sequence"] == 1


def test_a_cancelled_event_is_cancelled_in_the_calendar(night_order):
    cancel_event(night_order.event, by=None, base_url=BASE_URL)
    entry = vevent(download(night_order)[1])
    assert str(entry["status"]) == "CANCELLED"
    assert entry["sequence"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/orders/{code}/{wrong}/calendar.ics",
        "/orders/{code}//calendar.ics",
        "/orders/NOSUCHCODE/{secret}/calendar.ics",
        "/orders/{code}/{secret}x/calendar.ics",
    ],
)
def test_without_the_orders_link_there_is_no_calendar(night_order, path):
    url = path.format(code=night_order.code, secret=night_order.secret, wrong="x" * len(night_order.secret))
    response = Client().get(url)
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


def test_the_order_page_links_the_calendar(night_order):
    response = Client().get(
        f"/orders/{night_order.code}/{night_order.secret}/",
        headers={"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION},
    )
    assert response.status_code == 200
    order = response.json()["props"]["order"]
    assert order["calendar_url"] == f"{BASE_URL}orders/{night_order.code}/{night_order.secret}/calendar.ics"


def test_the_confirmation_email_links_the_calendar_that_downloads(night_order):
    (confirmation,) = [m for m in delivered_mail() if m.to == ["ana@example.com"]]
    link = f"{BASE_URL}orders/{night_order.code}/{night_order.secret}/calendar.ics"
    assert link in confirmation.body
    assert isinstance(confirmation, EmailMultiAlternatives)
    assert f'href="{link}"' in str(confirmation.alternatives[0][0])
    response = Client().get(link.removeprefix(BASE_URL.rstrip("/")))
    assert response.status_code == 200
    assert vevent(Calendar.from_ical(response.content))["uid"] == calendar.date_uid(night_order.date)


def test_the_moved_date_email_links_the_calendar(night_order):
    delivered_mail()
    date = night_order.date
    later = date.starts_at + dt.timedelta(days=2)
    move(date, later)
    (moved,) = delivered_mail()
    assert f"{BASE_URL}orders/{night_order.code}/{night_order.secret}/calendar.ics" in moved.body


def test_a_title_stored_with_control_characters_stays_one_clean_line(night_order):
    """Text saved before input was cleaned: the file still parses and carries no control character."""
    Event.objects.filter(pk=night_order.event_id).update(title="Night\x07\x1b of\nthe Clocks")
    body, parsed = download(night_order)
    assert str(vevent(parsed)["summary"]) == "Night of the Clocks"
    assert not [byte for byte in body if byte < 0x20 and byte not in (0x0D, 0x0A)]
