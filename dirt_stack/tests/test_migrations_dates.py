"""The migrations that gave every event dates, run on real rows both ways.

The database goes back to the schema before dates (events 0001, sales 0002,
checkin 0001), gets a few organizers' events with orders, tickets, holds,
vouchers and check-ins written through the historical models, and migrates
forward to the latest schema: every event becomes a series of one date that
carries its times, capacity and stock counters, every order and hold points to
that date, and nothing is lost. Migrating back restores the counters on events
and ticket types. The test leaves the schema at the latest migration.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F, Sum
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

# The schema just before dates (what the date migrations depend on).
BEFORE_DATES = [
    ("events", "0001_initial"),
    ("sales", "0002_ticket_voided_at_auditentry"),
    ("checkin", "0001_initial"),
]
DATE_MIGRATIONS = [
    ("events", "0002_event_dates"),
    ("events", "0003_remove_event_allocated"),
    ("sales", "0003_order_and_hold_dates"),
    ("sales", "0004_order_date_required"),
    ("checkin", "0002_check_in_list_date"),
]
# Statuses whose tickets count against capacity (sales.models.Order.HOLDING_STOCK).
# "partially_refunded" (sales 0005 on) is paid with some tickets void: it holds their stock.
HOLDING_STOCK = ("pending", "paid", "partially_refunded")
START = dt.datetime(2027, 5, 14, 18, 30, tzinfo=dt.UTC)


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate the test database to ``targets``; the historical models of every app as
    the database now stands."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(list(executor.loader.applied_migrations)).apps


def plan_from_before_dates() -> list[tuple[Any, bool]]:
    """The migrations going from BEFORE_DATES to the latest schema would run (forwards)."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    before = set()
    for target in BEFORE_DATES:
        before |= set(graph.forwards_plan(target))
    return [
        (graph.nodes[key], False)
        for leaf in graph.leaf_nodes()
        for key in graph.forwards_plan(leaf)
        if key not in before and key[0] in {app for app, _ in BEFORE_DATES}
    ]


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@dataclass
class OldWorld:
    """Rows written with the historical models of the schema before dates."""

    apps: Apps
    tickets_made: itertools.count = field(default_factory=itertools.count)

    def model(self, label: str) -> Any:
        app, name = label.split(".")
        return self.apps.get_model(app, name)

    def organizer(self, slug: str) -> Any:
        return self.model("accounts.Organizer").objects.create(name=slug.title(), slug=slug)

    def event(self, organizer: Any, slug: str, status: str, capacity: int | None, days: int) -> Any:
        starts_at = START + dt.timedelta(days=days)
        return self.model("events.Event").objects.create(
            organizer=organizer,
            title=slug.replace("-", " ").title(),
            slug=slug,
            status=status,
            capacity=capacity,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=4),
            venue_name="Town Hall",
        )

    def ticket_type(self, event: Any, name: str, price: str, capacity: int) -> Any:
        return self.model("events.TicketType").objects.create(
            event=event, name=name, price=Decimal(price), capacity=capacity
        )

    def order(
        self,
        event: Any,
        status: str,
        lines: list[tuple[Any, int]],
        *,
        voucher: Any = None,
        payment_method: str = "demo",
        voided: int = 0,
        refunded: Decimal = Decimal("0"),
    ) -> Any:
        """An order with its lines, one ticket per unit (the first ``voided`` of them
        voided), a payment, and a refund row when ``refunded``."""
        discount = Decimal("2.00") if voucher else Decimal("0")
        subtotal = sum((tt.price * n for tt, n in lines), Decimal("0"))
        now = timezone.now()
        order = self.model("sales.Order").objects.create(
            event=event,
            buyer_name="Buyer",
            buyer_email=f"buyer{next(self.tickets_made)}@example.com",
            status=status,
            payment_method=payment_method,
            currency="EUR",
            subtotal=subtotal,
            discount=discount,
            total=subtotal - discount,
            refunded_amount=refunded,
            voucher=voucher,
            paid_at=now if status in ("paid", "refunded") else None,
            cancelled_at=now if status in ("cancelled", "refunded") else None,
            payment_deadline=now + dt.timedelta(days=3) if status == "pending" else None,
        )
        tickets = []
        for ticket_type, quantity in lines:
            self.model("sales.OrderLine").objects.create(
                order=order,
                ticket_type=ticket_type,
                quantity=quantity,
                unit_price=ticket_type.price,
                total=ticket_type.price * quantity,
            )
            for _ in range(quantity):
                tickets.append(
                    self.model("sales.Ticket").objects.create(
                        order=order,
                        ticket_type=ticket_type,
                        price=ticket_type.price,
                        attendee_name=f"Guest {next(self.tickets_made)}",
                        voided_at=None,
                    )
                )
        Ticket = self.model("sales.Ticket")
        Ticket.objects.filter(pk__in=[t.pk for t in tickets[:voided]]).update(voided_at=timezone.now())
        succeeded = status in ("paid", "refunded")
        self.model("sales.Payment").objects.create(
            order=order,
            provider=payment_method,
            amount=order.total,
            status="succeeded" if succeeded else "created",
            reference=f"pay-{order.code}",
        )
        if refunded:
            self.model("sales.Refund").objects.create(
                order=order, amount=refunded, provider=payment_method, reason="Asked for it"
            )
        return order

    def hold(self, event: Any, status: str, lines: list[tuple[Any, int]], expires_in: dt.timedelta) -> Any:
        hold = self.model("sales.Hold").objects.create(
            event=event, status=status, expires_at=timezone.now() + expires_in
        )
        for ticket_type, quantity in lines:
            self.model("sales.HoldLine").objects.create(hold=hold, ticket_type=ticket_type, quantity=quantity)
        return hold

    def set_counters(self) -> None:
        """Every stock counter as the rows say (tickets of pending and paid orders not
        voided, plus lines of holds still live, expired or not), and every voucher's
        redeemed count (orders that used it and are not cancelled nor expired)."""
        TicketType, Event = self.model("events.TicketType"), self.model("events.Event")
        for ticket_type in TicketType.objects.all():
            sold = self.model("sales.Ticket").objects.filter(
                ticket_type=ticket_type, voided_at__isnull=True, order__status__in=HOLDING_STOCK
            )
            held = self.model("sales.HoldLine").objects.filter(ticket_type=ticket_type, hold__status="live")
            n = sold.count() + (held.aggregate(n=Sum("quantity"))["n"] or 0)
            TicketType.objects.filter(pk=ticket_type.pk).update(allocated=n)
        for event in Event.objects.all():
            n = TicketType.objects.filter(event=event).aggregate(n=Sum("allocated"))["n"] or 0
            Event.objects.filter(pk=event.pk).update(allocated=n)
        Voucher = self.model("sales.Voucher")
        for voucher in Voucher.objects.all():
            used = (
                self.model("sales.Order")
                .objects.filter(voucher=voucher)
                .exclude(status__in=("cancelled", "expired"))
            )
            Voucher.objects.filter(pk=voucher.pk).update(redeemed=used.count())


def build(apps: Apps) -> None:
    """Three organizers' events: published, draft and cancelled; orders in every status."""
    world = OldWorld(apps)
    Voucher = world.model("sales.Voucher")
    CheckInList, CheckIn = world.model("checkin.CheckInList"), world.model("checkin.CheckIn")
    hour = dt.timedelta(hours=1)

    # Organizer 1: a published concert with a shared capacity, and a draft.
    music = world.organizer("music-club")
    concert = world.event(music, "spring-concert", "published", capacity=40, days=0)
    standing = world.ticket_type(concert, "Standing", "25.00", capacity=30)
    vip = world.ticket_type(concert, "VIP", "80.00", capacity=10)
    early = Voucher.objects.create(
        event=concert, code="EARLY", kind="amount", value=Decimal("2"), max_usages=5
    )
    paid = world.order(concert, "paid", [(standing, 2), (vip, 1)], voucher=early)
    world.order(concert, "pending", [(standing, 1)], payment_method="offline")
    world.order(concert, "cancelled", [(standing, 2)], voucher=early)
    world.order(concert, "refunded", [(vip, 1)], refunded=Decimal("80.00"))
    partly = world.order(concert, "paid", [(standing, 3)], voided=1, refunded=Decimal("25.00"))
    world.hold(concert, "live", [(standing, 2), (vip, 1)], expires_in=hour)
    world.hold(concert, "live", [(vip, 2)], expires_in=-hour)  # expired, not yet released
    world.hold(concert, "released", [(standing, 4)], expires_in=-hour)
    world.hold(concert, "converted", [(standing, 2), (vip, 1)], expires_in=-hour)
    door = CheckInList.objects.create(event=concert, name="Main door")
    vip_door = CheckInList.objects.create(event=concert, name="VIP door", all_ticket_types=False)
    vip_door.ticket_types.set([vip])
    Ticket = world.model("sales.Ticket")
    for ticket in Ticket.objects.filter(order=paid):
        CheckIn.objects.create(ticket=ticket, check_in_list=door)
    partly_valid = Ticket.objects.filter(order=partly, voided_at__isnull=True).first()
    CheckIn.objects.create(ticket=partly_valid, check_in_list=door, reverted_at=timezone.now())
    draft = world.event(music, "autumn-draft", "draft", capacity=None, days=120)
    world.ticket_type(draft, "Entry", "15.00", capacity=200)

    # Organizer 2: a cancelled festival (its orders refunded or cancelled) and a workshop.
    festival_org = world.organizer("festival-works")
    festival = world.event(festival_org, "summer-festival", "cancelled", capacity=None, days=45)
    day_pass = world.ticket_type(festival, "Day pass", "49.00", capacity=500)
    world.order(festival, "refunded", [(day_pass, 2)], refunded=Decimal("98.00"))
    world.order(festival, "cancelled", [(day_pass, 1)])
    world.order(festival, "expired", [(day_pass, 3)], payment_method="offline")
    CheckInList.objects.create(event=festival, name="Gate A")
    workshop = world.event(festival_org, "pottery-workshop", "published", capacity=None, days=10)
    seat = world.ticket_type(workshop, "Seat", "120.00", capacity=12)
    student = world.ticket_type(workshop, "Student", "60.00", capacity=4)
    half = Voucher.objects.create(
        event=workshop, code="HALF", kind="percent", value=Decimal("50"), max_usages=3
    )
    half.ticket_types.set([seat])
    world.order(workshop, "paid", [(seat, 2)], voucher=half)
    world.order(workshop, "paid", [(seat, 1), (student, 4)], voucher=half)
    world.order(workshop, "pending", [(seat, 1)], payment_method="offline")
    world.hold(workshop, "live", [(seat, 3)], expires_in=dt.timedelta(minutes=5))

    # Organizer 3: a talk sold out exactly to its capacity.
    talks = world.organizer("city-talks")
    talk = world.event(talks, "sold-out-talk", "published", capacity=6, days=3)
    chair = world.ticket_type(talk, "Chair", "0.00", capacity=6)
    world.order(talk, "paid", [(chair, 4)])
    world.order(talk, "paid", [(chair, 2)])

    world.set_counters()


def totals(apps: Apps) -> dict[str, Any]:
    """What must survive a migration, in either schema."""
    Order, Ticket = apps.get_model("sales", "Order"), apps.get_model("sales", "Ticket")
    Refund, Voucher = apps.get_model("sales", "Refund"), apps.get_model("sales", "Voucher")
    return {
        "orders": Order.objects.count(),
        # A paid order with a refund is "partially_refunded" from sales 0005 on: still paid here.
        "order_statuses": Counter(
            "paid" if status == "partially_refunded" else status
            for status in Order.objects.values_list("status", flat=True)
        ),
        "order_lines": apps.get_model("sales", "OrderLine").objects.count(),
        "tickets": Ticket.objects.count(),
        "voided_tickets": Ticket.objects.filter(voided_at__isnull=False).count(),
        "sum_of_totals": Order.objects.aggregate(n=Sum("total"))["n"],
        "refunded_amounts": Order.objects.aggregate(n=Sum("refunded_amount"))["n"],
        "refunds": Refund.objects.aggregate(n=Sum("amount"))["n"],
        "payments": Counter(apps.get_model("sales", "Payment").objects.values_list("status", flat=True)),
        "holds": Counter(apps.get_model("sales", "Hold").objects.values_list("status", flat=True)),
        "hold_lines": apps.get_model("sales", "HoldLine").objects.aggregate(n=Sum("quantity"))["n"],
        "vouchers": dict(Voucher.objects.values_list("code", "redeemed")),
        "check_in_lists": apps.get_model("checkin", "CheckInList").objects.count(),
        "check_ins": apps.get_model("checkin", "CheckIn").objects.count(),
        "events": dict(apps.get_model("events", "Event").objects.values_list("slug", "status")),
    }


def old_counters(apps: Apps) -> dict[str, Any]:
    """The stock counters before dates: per event and per ticket type (event slug, name)."""
    # Historical models: these fields are gone from the current ones.
    Event: Any = apps.get_model("events", "Event")
    TicketType: Any = apps.get_model("events", "TicketType")
    return {
        "events": dict(Event.objects.values_list("slug", "allocated")),
        "ticket_types": {
            (slug, name): n
            for slug, name, n in TicketType.objects.values_list("event__slug", "name", "allocated")
        },
    }


def test_the_date_migrations_follow_the_schema_before_dates():
    """BEFORE_DATES is exactly what the date migrations start from, and going forward
    from it runs each of them."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    parents = {parent.key for node in DATE_MIGRATIONS for parent in graph.node_map[node].parents}
    assert parents - set(DATE_MIGRATIONS) == set(BEFORE_DATES)
    forward = [migration.app_label + "." + migration.name for migration, _ in plan_from_before_dates()]
    assert {f"{app}.{name}" for app, name in DATE_MIGRATIONS} <= set(forward)


def test_existing_events_become_series_of_one_date_and_back(settings):
    settings.DEMO_PAYMENTS = True
    try:
        old = migrate(BEFORE_DATES)
        build(old)
        before = totals(old)
        counters = old_counters(old)
        Event, TicketType = old.get_model("events", "Event"), old.get_model("events", "TicketType")
        events = {e.slug: e for e in Event.objects.all()}
        capacities = dict(TicketType.objects.values_list("pk", "capacity"))
        assert sum(counters["events"].values()) > 0  # the data has stock to carry

        new = migrate(latest())
        assert totals(new) == before
        check_one_date_per_event(new, events, counters, capacities)
        check_counters_match_rows(new)
        assert not new.get_model("checkin", "CheckInList").objects.filter(date__isnull=False).exists()
        Voucher = new.get_model("sales", "Voucher")
        assert not Voucher.objects.filter(dates__isnull=False).exists()  # valid on every date

        back = migrate(BEFORE_DATES)
        assert totals(back) == before
        assert old_counters(back) == counters
    finally:
        migrate(latest())
        if connection.vendor == "postgresql":
            # Statements prepared on this connection saw the tables the migrations replaced.
            connection.close()
    check_migrated_rows_work_with_the_application()


def check_one_date_per_event(
    apps: Apps, events: dict[str, Any], counters: dict[str, Any], capacities: dict[int, int]
) -> None:
    EventDate = apps.get_model("events", "EventDate")
    DateTicketType = apps.get_model("events", "DateTicketType")
    TicketType = apps.get_model("events", "TicketType")
    for slug, old_event in events.items():
        (date,) = EventDate.objects.filter(event__slug=slug)
        assert (date.starts_at, date.ends_at) == (old_event.starts_at, old_event.ends_at)
        assert date.capacity == old_event.capacity
        # A date keeps its own counter only under a shared capacity (events 0007).
        assert date.allocated == (counters["events"][slug] if date.capacity is not None else 0)
        tickets = DateTicketType.objects.filter(date=date).aggregate(n=Sum("allocated"))["n"] or 0
        assert tickets == counters["events"][slug]
        assert date.status == ("cancelled" if old_event.status == "cancelled" else "on_sale")
        assert apps.get_model("events", "Event").objects.get(slug=slug).starts_at == old_event.starts_at
        for ticket_type in TicketType.objects.filter(event__slug=slug):
            (row,) = DateTicketType.objects.filter(ticket_type=ticket_type)
            assert row.date_id == date.pk
            assert row.capacity == capacities[ticket_type.pk]
            assert row.allocated == counters["ticket_types"][(slug, ticket_type.name)]
            assert (row.price, row.offered) == (None, True)
        for name in ("Order", "Hold"):
            rows = apps.get_model("sales", name).objects.filter(event__slug=slug)
            assert set(rows.values_list("date_id", flat=True)) <= {date.pk}
    for name in ("Order", "Hold"):
        rows = apps.get_model("sales", name).objects.all()
        assert rows.exists()
        assert not rows.exclude(date__event=F("event")).exists()


def check_counters_match_rows(apps: Apps) -> None:
    """Each date's counters as its rows say: tickets of its pending and paid orders
    not voided, plus its live holds' lines; the date's counter is their sum under a
    shared capacity, else 0 (not kept)."""
    Ticket, HoldLine = apps.get_model("sales", "Ticket"), apps.get_model("sales", "HoldLine")
    for date in apps.get_model("events", "EventDate").objects.all():
        total = 0
        for row in apps.get_model("events", "DateTicketType").objects.filter(date=date):
            sold = Ticket.objects.filter(
                ticket_type_id=row.ticket_type_id,
                order__date=date,
                order__status__in=HOLDING_STOCK,
                voided_at__isnull=True,
            ).count()
            held = HoldLine.objects.filter(
                ticket_type_id=row.ticket_type_id, hold__date=date, hold__status="live"
            ).aggregate(n=Sum("quantity"))["n"]
            assert row.allocated == sold + (held or 0)
            assert row.allocated <= row.capacity
            total += row.allocated
        assert date.allocated == (total if date.capacity is not None else 0)
        assert date.capacity is None or date.allocated <= date.capacity


def check_migrated_rows_work_with_the_application() -> None:
    """With the latest code: the expired hold's stock comes back, a new order takes
    stock on the migrated date, and a migrated ticket is admitted through a migrated list."""
    from checkin import services as checkin
    from checkin.models import CheckInList
    from events.models import DateTicketType, Event, EventDate
    from sales import pricing, purchase, stock
    from sales.models import Ticket
    from tests.factories import only_date

    concert = Event.objects.get(slug="spring-concert")
    date = only_date(concert)
    vip = DateTicketType.objects.get(date=date, ticket_type__name="VIP")
    assert stock.release_expired(date.pk) == 2
    assert DateTicketType.objects.get(pk=vip.pk).allocated == vip.allocated - 2
    placed = purchase.place_order(
        date,
        {vip.ticket_type_id: 2},
        pricing.BuyerDetails(name="New Buyer", email="new@example.com", payment_method="demo"),
        base_url="http://testserver/",
    )
    assert placed.order.date_id == date.pk
    assert DateTicketType.objects.get(pk=vip.pk).allocated == vip.allocated
    assert EventDate.objects.get(pk=date.pk).allocated == date.allocated
    door = CheckInList.objects.select_related("event__organizer").get(event=concert, name="Main door")
    partly_refunded = Ticket.objects.filter(
        order__event=concert, voided_at__isnull=True, check_ins__isnull=False
    )
    reverted = partly_refunded.filter(check_ins__reverted_at__isnull=False).first()
    assert reverted is not None
    assert checkin.scan(door, secret=reverted.secret).outcome == "admitted"
    assert placed.tickets
    assert checkin.scan(door, secret=placed.tickets[0].secret).outcome == "admitted"
