"""An order's date as an iCalendar file (.ics, RFC 5545): the buyer's "Add to calendar".

One VEVENT per file, for the order's date. Its UID is derived from the date, never random,
so downloading the file again (or from another order of the same date) updates the entry a
calendar already has instead of adding a second one; its SEQUENCE is the date's
``calendar_sequence``, raised each time the date's start or end moves or it is cancelled
(sales.date_changes, sales.event_cancellation, events.services), so a calendar takes the
newer file's times. Times are in the event's zone (TZID with its VTIMEZONE), like every
time Maticko shows a buyer.

The file holds no secret: the order page's link is a bearer secret (whoever has it sees
the order and its tickets) and calendars get shared and synced, so the description links
the public event page instead, and no ticket or order secret is written.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from core.text import single_line
from core.translated import resolve
from events.models import Event, EventDate
from sales.models import Order, order_url

PRODUCT_ID = "-//Maticko//Tickets//EN"
# How far around the date the VTIMEZONE describes the zone's offsets: enough for the
# date itself, and small (the default of icalendar spans 1970-2038).
_ZONE_MARGIN = dt.timedelta(days=366)


def date_uid(date: EventDate) -> str:
    """The calendar UID of ``date``: the same on every download, from every order of it."""
    host = urlsplit(settings.SITE_URL).hostname or "maticko"
    return f"date-{date.pk}@{host}"


def calendar_url(order: Order, base_url: str) -> str:
    """Where the order's .ics is: under its secret link (storefront's "sales:order_calendar")."""
    return f"{order_url(order, base_url)}calendar.ics"


def calendar_filename(order: Order) -> str:
    return f"{order.event.slug}-{order.code}.ics"


def is_cancelled(event: Event, date: EventDate) -> bool:
    return event.status == Event.Status.CANCELLED or date.status == EventDate.Status.CANCELLED


def order_calendar(order: Order, base_url: str, *, now: dt.datetime | None = None) -> bytes:
    """The .ics file of ``order``'s date (``order.event`` and ``order.date`` loaded)."""
    event, date = order.event, order.date
    zone = event.tz
    entry = CalendarEvent()
    entry.add("uid", date_uid(date))
    entry.add("dtstamp", now or timezone.now())
    entry.add("sequence", date.calendar_sequence)
    # One line each: a title or a name stored with a control character (before input was
    # cleaned) must not reach a calendar app.
    title = single_line(resolve(event, "title"))
    entry.add("summary", title)
    entry.add("dtstart", date.starts_at.astimezone(zone))
    entry.add("dtend", date.ends_at.astimezone(zone))
    date.event = event  # the same row: the date's venue falls back to the event's
    if venue := single_line(date.venue_label):
        entry.add("location", venue)
    event_page = f"{base_url.rstrip('/')}/events/{event.slug}/?date={date.pk}"
    entry.add("description", f"{title}, by {single_line(event.organizer.name)}.\n{event_page}")
    entry.add("url", event_page)
    entry.add("status", "CANCELLED" if is_cancelled(event, date) else "CONFIRMED")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    first = date.starts_at.astimezone(zone).date() - _ZONE_MARGIN
    last = date.ends_at.astimezone(zone).date() + _ZONE_MARGIN
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
