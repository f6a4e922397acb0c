"""Load demo data: an organizer, its demo user, and a few upcoming events.

Idempotent: running it again updates the same rows (and moves the demo events'
dates so they stay upcoming) instead of adding new ones.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organizer, User
from events.models import Event

DEMO_EMAIL = "demo@maticko.test"
DEMO_PASSWORD = "maticko-demo"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoEvent:
    slug: str
    title: str
    days_ahead: int
    start_hour: int
    hours: int
    timezone: str
    venue_name: str
    venue_address: str
    description: str
    is_online: bool = False


DEMO_EVENTS = [
    DemoEvent(
        slug="prague-jazz-night",
        title="Prague Jazz Night",
        days_ahead=12,
        start_hour=20,
        hours=3,
        timezone="Europe/Prague",
        venue_name="Lucerna Music Bar",
        venue_address="Vodičkova 36, Prague",
        description="An evening of **modern jazz** with three local quartets.",
    ),
    DemoEvent(
        slug="pycon-community-day",
        title="Python Community Day",
        days_ahead=30,
        start_hour=9,
        hours=8,
        timezone="Europe/Berlin",
        venue_name="Kulturbrauerei",
        venue_address="Schönhauser Allee 36, Berlin",
        description="Talks, workshops and sprints for Python developers of every level.",
    ),
    DemoEvent(
        slug="indie-games-showcase",
        title="Indie Games Showcase",
        days_ahead=45,
        start_hour=18,
        hours=4,
        timezone="America/New_York",
        venue_name="",
        venue_address="",
        description="Play the year's best independent games and meet their makers, from home.",
        is_online=True,
    ),
]


class Command(BaseCommand):
    help = "Create or refresh the demo organizer, its user and upcoming demo events."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        organizer, _ = Organizer.objects.update_or_create(
            slug="maticko-demo",
            defaults={"name": "Maticko Demo Events", "contact_email": DEMO_EMAIL},
        )
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Dana Demo")
        else:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(
            organizer=organizer, user=user, defaults={"role": Membership.Role.OWNER}
        )

        today = timezone.now().date()
        for demo in DEMO_EVENTS:
            tz = zoneinfo.ZoneInfo(demo.timezone)
            day = today + dt.timedelta(days=demo.days_ahead)
            starts_at = dt.datetime.combine(day, dt.time(demo.start_hour), tzinfo=tz)
            Event.objects.update_or_create(
                slug=demo.slug,
                defaults={
                    "organizer": organizer,
                    "title": demo.title,
                    "description": demo.description,
                    "venue_name": demo.venue_name,
                    "venue_address": demo.venue_address,
                    "is_online": demo.is_online,
                    "timezone": demo.timezone,
                    "starts_at": starts_at,
                    "ends_at": starts_at + dt.timedelta(hours=demo.hours),
                    "status": Event.Status.PUBLISHED,
                },
            )

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(DEMO_EVENTS)} events by “{organizer.name}”. "
                f"Organizer login: {DEMO_EMAIL} / {DEMO_PASSWORD}"
            )
        )
