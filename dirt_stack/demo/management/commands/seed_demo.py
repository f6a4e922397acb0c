"""Load demo data: two organizers with their users, and events in every state.

Idempotent: running it again updates the same rows (and moves the demo events'
dates so they stay where they belong relative to today) instead of adding new
ones.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organizer, User
from core.models import OutboxMessage
from events.models import Event, TicketType
from sales import orders
from sales.models import Voucher

DEMO_EMAIL = "demo@maticko.test"
DEMO_PASSWORD = "maticko-demo"  # noqa: S105 - printed for the demo on purpose
DOOR_EMAIL = "door@maticko.test"


@dataclass(frozen=True)
class DemoTicketType:
    name: str
    price: str
    capacity: int
    sales_start_days: int | None = None  # relative to today; None: on sale now
    hidden: bool = False
    description: str = ""


@dataclass(frozen=True)
class DemoVoucher:
    code: str
    kind: str
    value: str
    max_usages: int
    unlocks: tuple[str, ...] = ()  # ticket type names


@dataclass(frozen=True)
class DemoEvent:
    organizer: str
    slug: str
    title: str
    days_ahead: int
    start_hour: int
    hours: int
    timezone: str
    venue_name: str
    venue_address: str
    description: str
    currency: str = "EUR"
    status: str = Event.Status.PUBLISHED
    is_online: bool = False
    capacity: int | None = None
    collect_attendee_names: bool = False
    ticket_types: list[DemoTicketType] = field(default_factory=list)
    vouchers: list[DemoVoucher] = field(default_factory=list)
    # Tickets sold by demo orders (through the real purchase service), per ticket type name.
    sold: dict[str, int] = field(default_factory=dict)


ORGANIZERS = {
    "maticko-demo": ("Maticko Demo Events", DEMO_EMAIL),
    "riverside-arts": ("Riverside Arts Collective", "hello@riverside-arts.test"),
}

DEMO_EVENTS = [
    DemoEvent(
        organizer="maticko-demo",
        slug="prague-jazz-night",
        title="Prague Jazz Night",
        days_ahead=12,
        start_hour=20,
        hours=3,
        timezone="Europe/Prague",
        venue_name="Lucerna Music Bar",
        venue_address="Vodičkova 36, Prague",
        currency="CZK",
        description=(
            "An evening of **modern jazz** with three local quartets.\n\n- Doors at 19:30\n- Bar open"
        ),
        ticket_types=[
            DemoTicketType("Standing", "450.00", 300),
            DemoTicketType("Table for two", "1400.00", 20, description="Reserved table near the stage."),
            DemoTicketType("Friends of the band", "300.00", 30, hidden=True),
        ],
        vouchers=[
            DemoVoucher("JAZZ20", "percent", "20", 50),
            DemoVoucher("BAND", "percent", "0", 30, unlocks=("Friends of the band",)),
        ],
        sold={"Standing": 40},
    ),
    DemoEvent(
        organizer="maticko-demo",
        slug="python-community-day",
        title="Python Community Day",
        days_ahead=30,
        start_hour=9,
        hours=8,
        timezone="Europe/Berlin",
        venue_name="Kulturbrauerei",
        venue_address="Schönhauser Allee 36, Berlin",
        description="Talks, workshops and sprints for Python developers of every level.",
        ticket_types=[
            DemoTicketType("Community ticket", "0.00", 400, description="Free; registration required.")
        ],
    ),
    DemoEvent(
        organizer="maticko-demo",
        slug="indie-games-showcase",
        title="Indie Games Showcase",
        days_ahead=45,
        start_hour=18,
        hours=4,
        timezone="America/New_York",
        venue_name="",
        venue_address="",
        currency="USD",
        is_online=True,
        description="Play the year's best independent games and meet their makers, from home.",
        ticket_types=[
            DemoTicketType("Early access", "15.00", 500),
            DemoTicketType("Regular", "25.00", 1000, sales_start_days=20),
        ],
    ),
    DemoEvent(
        organizer="riverside-arts",
        slug="riverside-summer-festival",
        title="Riverside Summer Festival",
        days_ahead=90,
        start_hour=12,
        hours=10,
        timezone="Europe/London",
        venue_name="Riverside Park",
        venue_address="Thames Path, London",
        currency="GBP",
        capacity=2000,
        description="A day of music, food and art by the river. Tickets go on sale soon.",
        ticket_types=[
            DemoTicketType("Day pass", "45.00", 1500, sales_start_days=14),
            DemoTicketType("VIP", "120.00", 200, sales_start_days=14),
        ],
    ),
    DemoEvent(
        organizer="riverside-arts",
        slug="poetry-by-candlelight",
        title="Poetry by Candlelight",
        days_ahead=6,
        start_hour=19,
        hours=2,
        timezone="Europe/London",
        venue_name="The Old Library",
        venue_address="12 Bridge Street, London",
        currency="GBP",
        description="An intimate evening of readings. Only a few seats.",
        collect_attendee_names=True,
        ticket_types=[DemoTicketType("Seat", "12.00", 40)],
        sold={"Seat": 37},
    ),
    DemoEvent(
        organizer="riverside-arts",
        slug="spring-print-fair",
        title="Spring Print Fair",
        days_ahead=-40,
        start_hour=10,
        hours=7,
        timezone="Europe/London",
        venue_name="Riverside Hall",
        venue_address="1 Quay Road, London",
        currency="GBP",
        description="Independent printmakers and small presses.",
        ticket_types=[DemoTicketType("Entry", "5.00", 500)],
    ),
    DemoEvent(
        organizer="riverside-arts",
        slug="open-air-cinema",
        title="Open-Air Cinema",
        days_ahead=20,
        start_hour=21,
        hours=3,
        timezone="Europe/London",
        venue_name="Riverside Park",
        venue_address="Thames Path, London",
        currency="GBP",
        status=Event.Status.CANCELLED,
        description="Cancelled because of the forecast storm. All orders are refunded.",
        ticket_types=[DemoTicketType("Deckchair", "9.50", 150)],
    ),
    DemoEvent(
        organizer="maticko-demo",
        slug="winter-workshop-draft",
        title="Winter Workshop (draft)",
        days_ahead=60,
        start_hour=10,
        hours=6,
        timezone="Europe/Prague",
        venue_name="Impact Hub",
        venue_address="Drtinova 10, Prague",
        status=Event.Status.DRAFT,
        description="Not published yet: only its organizer sees it.",
        ticket_types=[DemoTicketType("Participant", "990.00", 25)],
    ),
]


class Command(BaseCommand):
    help = "Create or refresh the demo organizers, their users and events in every state."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        organizers = {slug: self._organizer(slug, name, email) for slug, (name, email) in ORGANIZERS.items()}
        owner = self._user(DEMO_EMAIL, "Dana Demo")
        door = self._user(DOOR_EMAIL, "Dominik Door")
        for organizer in organizers.values():
            Membership.objects.update_or_create(
                organizer=organizer, user=owner, defaults={"role": Membership.Role.OWNER}
            )
        Membership.objects.update_or_create(
            organizer=organizers["maticko-demo"], user=door, defaults={"role": Membership.Role.DOOR_STAFF}
        )
        today = timezone.now().date()
        last_message = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for demo in DEMO_EVENTS:
            event = self._event(demo, organizers[demo.organizer], today)
            self._vouchers(demo, event)
            self._sales(demo, event)
        # Demo buyers get no confirmation emails.
        OutboxMessage.objects.filter(pk__gt=last_message, sent_at__isnull=True).delete()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(DEMO_EVENTS)} events by {len(organizers)} organizers. "
                f"Organizer login: {DEMO_EMAIL} / {DEMO_PASSWORD} "
                f"(door staff: {DOOR_EMAIL} / {DEMO_PASSWORD})"
            )
        )

    def _organizer(self, slug: str, name: str, email: str) -> Organizer:
        organizer, _ = Organizer.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "contact_email": email,
                "bank_transfer_details": f"{name}\nIBAN CZ65 0800 0000 1920 0014 5399\nBIC GIBACZPX",
            },
        )
        return organizer

    def _vouchers(self, demo: DemoEvent, event: Event) -> None:
        for spec in demo.vouchers:
            voucher, _ = Voucher.objects.update_or_create(
                event=event,
                code=spec.code,
                defaults={"kind": spec.kind, "value": Decimal(spec.value), "max_usages": spec.max_usages},
            )
            voucher.ticket_types.set(event.ticket_types.filter(name__in=spec.unlocks))

    def _sales(self, demo: DemoEvent, event: Event) -> None:
        """Sell demo tickets through the purchase service, once; later runs find them sold."""
        if not demo.sold or event.orders.exists():
            return
        for name, count in demo.sold.items():
            ticket_type = event.ticket_types.get(name=name)
            for n in range(count):
                details = orders.BuyerDetails(
                    name=f"Demo Buyer {n + 1}",
                    email=f"buyer{n + 1}@example.com",
                    payment_method="offline",
                    attendee_names=[f"Demo Buyer {n + 1}"] if event.collect_attendee_names else [],
                )
                placed = orders.place_order(
                    event, {ticket_type.pk: 1}, details, base_url="http://127.0.0.1:8000/"
                )
                orders.mark_paid(placed.order, reference="demo data")

    def _user(self, email: str, name: str) -> User:
        user = User.objects.filter(email=email).first() or User.objects.create_user(email, full_name=name)
        user.set_password(DEMO_PASSWORD)
        user.full_name = name
        user.save(update_fields=["password", "full_name"])
        return user

    def _event(self, demo: DemoEvent, organizer: Organizer, today: dt.date) -> Event:
        tz = zoneinfo.ZoneInfo(demo.timezone)
        starts_at = dt.datetime.combine(
            today + dt.timedelta(days=demo.days_ahead), dt.time(demo.start_hour), tzinfo=tz
        )
        event, _ = Event.objects.update_or_create(
            slug=demo.slug,
            defaults={
                "organizer": organizer,
                "title": demo.title,
                "description": demo.description,
                "venue_name": demo.venue_name,
                "venue_address": demo.venue_address,
                "is_online": demo.is_online,
                "timezone": demo.timezone,
                "currency": demo.currency,
                "starts_at": starts_at,
                "ends_at": starts_at + dt.timedelta(hours=demo.hours),
                "status": demo.status,
                "capacity": demo.capacity,
                "collect_attendee_names": demo.collect_attendee_names,
                "payment_methods": ["demo", "offline", "stripe"],
            },
        )
        for position, ticket in enumerate(demo.ticket_types):
            sales_start = (
                dt.datetime.combine(
                    today + dt.timedelta(days=ticket.sales_start_days), dt.time(10), tzinfo=tz
                )
                if ticket.sales_start_days is not None
                else None
            )
            TicketType.objects.update_or_create(
                event=event,
                name=ticket.name,
                defaults={
                    "price": Decimal(ticket.price),
                    "capacity": ticket.capacity,
                    "sales_start": sales_start,
                    "hidden": ticket.hidden,
                    "description": ticket.description,
                    "position": position,
                },
            )
        return event
