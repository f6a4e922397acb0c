"""The demo data: two organizers with their users, and events in every state.

Dates are relative to the day ``seed_demo`` runs, so the events stay where they
belong (upcoming, on sale soon, past) whenever the demo is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from events.models import Event

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
    # A weekly series of this many dates (1: a single-date event).
    weekly_dates: int = 1
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
        slug="thursday-pub-quiz",
        title="Thursday Pub Quiz",
        days_ahead=3,
        start_hour=19,
        hours=2,
        timezone="Europe/Prague",
        venue_name="U Sudu",
        venue_address="Vodičkova 10, Prague",
        currency="CZK",
        capacity=60,
        description="Eight rounds, teams of up to six, a prize for the winners. **Every Thursday.**",
        ticket_types=[DemoTicketType("Player", "120.00", 60)],
        weekly_dates=8,
        sold={"Player": 12},
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
