"""Duplicating an event (backoffice.duplication, events.duplication): every configuration
model is copied and no data model is, dates move by one wall-clock offset, the copy is a
draft, vouchers only when asked, both events' audit logs, the back office and the API."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client

from accounts import tokens
from accounts.models import Membership
from backoffice import duplication
from backoffice.duplication import duplicate_event
from checkin import devices
from checkin.models import CheckInList
from events.models import DateTicketType, Event, EventAuditEntry, EventDate, TicketType
from messaging import services as messaging
from messaging.models import Reminder
from onsale import services as onsale_services
from onsale.models import Room
from questions import services as questions
from questions.models import AnswerSettings, Question
from sales import email_texts, pricing, purchase, tickets
from sales.audit import Actor
from sales.models import BuyerLoad, EventCancellation, Order, Voucher
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type
from tests.support.api import call
from waitlist.models import Entry, WaitlistSettings
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BASE_URL = "http://testserver/"
ROBOT = Actor(token_name="robot")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PRAGUE)


def wall(value: dt.datetime | None) -> dt.datetime:
    """``value`` in Prague: compared with ``local(...)``, and moved by a timedelta, as a
    wall-clock time there."""
    assert value is not None
    return value.astimezone(PRAGUE)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


@pytest.fixture
def source():
    """A series of three dates in winter time (one cancelled) with every kind of
    configuration, and data: an order, a hold, a waiting-list entry, a buyer's load, a
    cancellation record."""
    organizer = make_organizer(slug="acme")
    event = make_event(
        organizer=organizer,
        slug="jazz",
        title="Jazz night",
        starts_at=local(2031, 3, 10, 19, 0),
        ends_at=local(2031, 3, 10, 22, 0),
        payment_methods=["demo", "offline"],
        hold_minutes=15,
        max_tickets_per_email=6,
        buyer_share_percent=20,
        name_change_deadline_hours=48,
        collect_attendee_names=True,
    )
    first = event.dates.get()
    EventDate.objects.filter(pk=first.pk).update(
        admission_at=local(2031, 3, 10, 18, 30), sales_end=local(2031, 3, 10, 18, 0)
    )
    second = make_date(event, starts_at=local(2031, 3, 17, 19, 0), ends_at=local(2031, 3, 17, 22, 0))
    gone = make_date(event, starts_at=local(2031, 3, 24, 19, 0), status=EventDate.Status.CANCELLED)
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50, position=0)
    vip = make_ticket_type(
        event,
        name="VIP",
        price=Decimal("80.00"),
        capacity=10,
        position=1,
        hidden=True,
        max_per_order=2,
        max_tickets_per_email=2,
        sales_start=local(2026, 1, 5, 10, 0),
        sales_end=local(2031, 3, 9, 23, 0),
    )
    DateTicketType.objects.filter(date=second, ticket_type=vip).update(price=Decimal("90.00"), offered=False)
    meal = questions.add_question(
        Question(event=event, label="Meal", kind=Question.Kind.SINGLE_CHOICE, choices=["Meat", "Veg"]),
        [vip.pk],
    )
    questions.add_question(Question(event=event, label="Company", kind=Question.Kind.TEXT), [])
    questions.save_answer_settings(event, buyers_edit=False, hours_before=24)
    door = CheckInList.objects.create(event=event, name="VIP door", all_ticket_types=False, date=second)
    door.ticket_types.set([vip])
    CheckInList.objects.create(event=event, name="Main", allow_exits=True)
    CheckInList.objects.create(event=event, name="Cancelled night", date=gone)
    onsale_services.configure(
        event,
        actor=None,
        actor_label="test",
        enabled=True,
        queue_opens_at=local(2031, 2, 1, 9, 30),
        sale_starts_at=local(2031, 2, 1, 10, 0),
        admissions_per_minute=60,
        max_active_shoppers=40,
        session_minutes=12,
        mode="fifo",
    )
    WaitlistSettings.objects.create(event=event, enabled=True, offer_hours=6)
    early = Voucher.objects.create(
        event=event, code="EARLY", kind="percent", value=Decimal("10"), max_usages=5,
        valid_until=local(2031, 3, 1, 0, 0),
    )  # fmt: skip
    early.ticket_types.set([vip])
    early.dates.set([second])
    Voucher.objects.create(event=event, code="GONE").dates.set([gone])
    editor = make_member(event.organizer, role=Membership.Role.MANAGER, email="editor@example.com")
    email_texts.save(event, "confirmation", "Your {event} tickets", "See you, {buyer_name}!", actor=editor)
    messaging.configure_reminder(event, 24)
    # Data.
    first.refresh_from_db()
    first.event = event
    details = pricing.BuyerDetails(
        name="Ana", email="ana@example.com", payment_method="demo", attendee_names=["Ana", "Bo"]
    )
    order = purchase.place_order(first, {standard.pk: 2}, details, base_url=BASE_URL, voucher_code=None).order
    purchase.start_checkout(first, {standard.pk: 1})
    Entry.objects.create(
        event=event, date=first, ticket_type=standard, email="w@example.com", email_key="w@example.com",
        quantity=1,
    )  # fmt: skip
    BuyerLoad.objects.get_or_create(date=first, key="someone", defaults={"tickets": 1})
    EventCancellation.objects.create(event=event, reason="not really")
    messaging.send(event, "Doors at 7", "Hello {buyer_name}", messaging.Filters(), actor=editor)
    Reminder.objects.create(order=order, date=first)
    devices.create_device(event, name="Front phone", gate="Front", lists=None, actor=editor)
    tickets.reissue_secret(order.tickets.all()[0])  # the door's change feed
    endpoint = WebhookEndpoint.objects.create(
        organizer=event.organizer, url="https://hooks.example.com/in", secret="whsec_x", enabled=False
    )
    endpoint.events.set([event])
    WebhookDelivery.objects.create(
        endpoint=endpoint, message_id="msg_1", event_type="order.created", event=event, payload="{}"
    )
    return {
        "event": Event.objects.get(pk=event.pk),
        "first": first,
        "second": second,
        "standard": standard,
        "vip": vip,
        "meal": meal,
        "order": order,
    }


def related_models() -> set[str]:
    """Every model with a relation to an event, a date or a ticket type (many-to-many ones
    included; not Django's automatic through tables)."""
    found = set()
    for target in (Event, EventDate, TicketType):
        for field in target._meta.get_fields(include_hidden=True):
            if field.auto_created and field.is_relation and not field.concrete:
                model = field.related_model
                assert isinstance(model, type)
                if not model._meta.auto_created:
                    found.add(model._meta.label)
    return found


def rows_of(label: str, event: Event) -> models.QuerySet:
    """``label``'s rows that belong to ``event`` (through the event, a date or a ticket type)."""
    model = apps.get_model(label)
    for target, path in ((Event, ""), (EventDate, "__event"), (TicketType, "__event")):
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is target:
                return model._default_manager.filter(**{f"{field.name}{path}": event}).distinct()
    raise AssertionError(f"{label} has no relation to an event")


def test_every_model_related_to_an_event_is_declared_configuration_or_data():
    """A new model pointing at an event, a date or a ticket type must be decided on: copied
    (backoffice.duplication.CONFIGURATION, with a copier) or never (DATA)."""
    decided = (duplication.CONFIGURATION, duplication.DATA, duplication.ORGANIZER_SETTINGS)
    assert sum(len(kind) for kind in decided) == len(frozenset().union(*decided))  # disjoint
    undecided = related_models() - frozenset().union(*decided)
    assert not undecided, f"Decide whether a duplicated event copies {sorted(undecided)}"
    assert related_models() == frozenset().union(*decided)


def test_configuration_is_copied_and_data_is_not(source):
    event = source["event"]
    copy = duplicate_event(event, new_start=local(2031, 4, 7, 19, 0), vouchers=True, actor=ROBOT)
    for label in duplication.CONFIGURATION:
        assert rows_of(label, event).exists(), f"the source has no {label}: the test proves nothing"
        assert rows_of(label, copy).exists(), f"{label} was not copied"
    for label in duplication.DATA:
        assert rows_of(label, event).exists(), f"the source has no {label}: the test proves nothing"
        if label == "events.EventAuditEntry":
            assert list(rows_of(label, copy).values_list("action", flat=True)) == ["duplicated_from"]
        else:
            assert not rows_of(label, copy).exists(), f"{label} was copied"
    # The organizer's endpoint limited to the source is not widened to the copy.
    endpoint = WebhookEndpoint.objects.get(organizer=event.organizer)
    assert list(endpoint.events.all()) == [event]


def test_the_copy_is_a_draft_with_the_settings_and_ticket_types(source):
    event = source["event"]
    copy = duplicate_event(event, new_start=local(2031, 4, 7, 19, 0), actor=ROBOT)
    assert copy.status == Event.Status.DRAFT
    assert (copy.title, copy.slug) == ("Jazz night (copy)", "jazz-night-copy")
    for name in (
        "organizer_id", "description", "venue_name", "timezone", "currency", "hold_minutes",
        "payment_methods", "max_tickets_per_email", "buyer_share_percent", "name_change_deadline_hours",
        "collect_attendee_names", "offline_payment_days", "confirm_bank_transfers", "capacity",
    ):  # fmt: skip
        assert getattr(copy, name) == getattr(event, name), name
    fields = (
        "name", "price", "capacity", "hidden", "min_per_order", "max_per_order", "max_tickets_per_email",
        "position",
    )  # fmt: skip
    assert list(copy.ticket_types.values_list(*fields)) == list(event.ticket_types.values_list(*fields))
    # Stock rows: the same capacities, prices and offers per date, nothing allocated.
    rows = DateTicketType.objects.filter(date__event=copy)
    assert rows.count() == 4  # two dates (the cancelled one left out) x two types
    assert sum(rows.values_list("allocated", flat=True)) == 0
    vip_second = rows.get(ticket_type__name="VIP", date__starts_at=local(2031, 4, 14, 19, 0))
    assert (vip_second.price, vip_second.offered) == (Decimal("90.00"), False)
    assert all(d.status == EventDate.Status.ON_SALE for d in copy.dates.all())
    # Questions limited to the copy's own ticket types; the answers' settings; the flag.
    meal = Question.objects.get(event=copy, label="Meal")
    assert (meal.kind, meal.choices) == (Question.Kind.SINGLE_CHOICE, ["Meat", "Veg"])
    assert list(meal.ticket_types.all()) == [copy.ticket_types.get(name="VIP")]
    assert copy.asks_questions
    settings = AnswerSettings.objects.get(event=copy)
    assert (settings.buyers_edit, settings.buyer_edit_hours_before) == (False, 24)
    # Check-in lists: the cancelled date's left out, the others on the copy's dates and types.
    lists = {c.name: c for c in CheckInList.objects.filter(event=copy)}
    assert set(lists) == {"VIP door", "Main"}
    vip_door_date = lists["VIP door"].date
    assert vip_door_date is not None
    assert vip_door_date.starts_at == local(2031, 4, 14, 19, 0)
    assert list(lists["VIP door"].ticket_types.all()) == [copy.ticket_types.get(name="VIP")]
    assert (lists["Main"].allow_exits, lists["VIP door"].allow_exits) == (True, False)
    # The room's settings, its ticker afresh; the waiting list's settings.
    room = Room.objects.get(event=copy)
    assert (room.enabled, room.admissions_per_minute, room.max_active_shoppers) == (True, 60, 40)
    assert (room.session_minutes, room.mode, room.opened_at, room.next_position) == (12, "fifo", None, 1)
    assert room.entries.count() == 0
    assert WaitlistSettings.objects.filter(event=copy, enabled=True, offer_hours=6).exists()
    # The source is untouched.
    assert Event.objects.get(pk=event.pk).status == Event.Status.PUBLISHED
    assert Order.objects.filter(event=event).count() == 1


def test_every_date_time_moves_by_the_same_wall_clock_offset(source):
    """Four weeks later, across the change to summer time: 19:00 stays 19:00."""
    event = source["event"]
    copy = duplicate_event(event, new_start=local(2031, 4, 7, 19, 0), vouchers=True, actor=ROBOT)
    four_weeks = dt.timedelta(days=28)
    dates = list(copy.dates.order_by("starts_at"))
    assert [wall(d.starts_at) for d in dates] == [local(2031, 4, 7, 19), local(2031, 4, 14, 19)]
    assert [wall(d.ends_at) for d in dates] == [local(2031, 4, 7, 22), local(2031, 4, 14, 22)]
    assert wall(dates[0].admission_at) == local(2031, 4, 7, 18, 30)
    assert wall(dates[0].sales_end) == local(2031, 4, 7, 18, 0)
    assert (wall(copy.starts_at), wall(copy.ends_at)) == (
        local(2031, 4, 7, 19),
        local(2031, 4, 14, 22),
    )
    vip = copy.ticket_types.get(name="VIP")
    assert wall(vip.sales_start) == wall(source["vip"].sales_start) + four_weeks
    assert wall(vip.sales_end) == local(2031, 4, 6, 23, 0)
    room = Room.objects.get(event=copy)
    assert (wall(room.queue_opens_at), wall(room.sale_starts_at)) == (
        local(2031, 3, 1, 9, 30),
        local(2031, 3, 1, 10, 0),
    )
    voucher = Voucher.objects.get(event=copy, code="EARLY")
    assert wall(voucher.valid_until) == local(2031, 3, 29, 0, 0)
    # The real offset differs by the hour summer time takes.
    assert dates[0].starts_at - source["first"].starts_at == four_weeks - dt.timedelta(hours=1)


def test_vouchers_are_copied_only_when_asked_with_the_same_codes_and_unused(source):
    event = source["event"]
    Voucher.objects.filter(event=event, code="EARLY").update(redeemed=3)
    without = duplicate_event(event, new_start=local(2031, 5, 5, 19, 0), actor=ROBOT)
    assert not Voucher.objects.filter(event=without).exists()
    with_vouchers = duplicate_event(event, new_start=local(2031, 5, 5, 19, 0), vouchers=True, actor=ROBOT)
    assert with_vouchers.slug == "jazz-night-copy-2"
    copied = Voucher.objects.get(event=with_vouchers)
    # "GONE" was only for the cancelled date, which the copy leaves out.
    assert (copied.code, copied.kind, copied.value, copied.max_usages, copied.redeemed) == (
        "EARLY", "percent", Decimal("10.00"), 5, 0,
    )  # fmt: skip
    assert list(copied.ticket_types.all()) == [with_vouchers.ticket_types.get(name="VIP")]
    assert [wall(d.starts_at) for d in copied.dates.all()] == [local(2031, 5, 12, 19)]


def test_title_given_slug_unique_and_both_audit_logs(source):
    event = source["event"]
    make_event(organizer=event.organizer, slug="spring-jazz", starts_at=local(2031, 1, 1, 19, 0))
    manager = make_member(event.organizer, role=Membership.Role.MANAGER, email="m@example.com")
    copy = duplicate_event(
        event, new_start=local(2031, 6, 1, 20, 0), title="Spring jazz", actor=Actor(user=manager)
    )
    assert (copy.title, copy.slug) == ("Spring jazz", "spring-jazz-2")
    (entry,) = EventAuditEntry.objects.filter(event=copy)
    assert (entry.action, entry.actor, entry.actor_label) == ("duplicated_from", manager, "m@example.com")
    assert entry.detail == {"source": "jazz", "source_title": "Jazz night", "vouchers": False}
    (entry,) = EventAuditEntry.objects.filter(event=event)
    assert (entry.action, entry.detail["copy"]) == ("duplicated", "spring-jazz-2")


def test_a_long_title_keeps_its_copy_suffix_within_the_column(source):
    event = source["event"]
    Event.objects.filter(pk=event.pk).update(title="x" * 200)
    event.refresh_from_db()
    copy = duplicate_event(event, new_start=local(2031, 6, 1, 20, 0), actor=ROBOT)
    assert len(copy.title) == 200
    assert copy.title.endswith(" (copy)")


def test_a_start_moving_a_time_out_of_the_window_is_refused_and_writes_nothing(source):
    event = source["event"]
    before = Event.objects.count()
    # The VIP sales start (2026) moves 74 years earlier than 2100: out of the window.
    with pytest.raises(ValidationError) as refused:
        duplicate_event(event, new_start=local(2000, 1, 3, 19, 0), actor=ROBOT)
    assert "starts_at" in refused.value.message_dict
    assert Event.objects.count() == before
    assert not EventAuditEntry.objects.exists()


def test_a_single_date_event_copies_its_one_date():
    event = make_event(slug="talk", title="Talk", starts_at=local(2030, 9, 1, 10, 0))
    make_ticket_type(event, name="Seat")
    copy = duplicate_event(event, new_start=local(2030, 10, 1, 11, 0), actor=ROBOT)
    (date,) = copy.dates.all()
    assert (wall(date.starts_at), wall(date.ends_at)) == (
        local(2030, 10, 1, 11),
        local(2030, 10, 1, 14),
    )
    assert list(copy.ticket_types.values_list("name", flat=True)) == ["Seat"]


# --- the back office and the API ---------------------------------------------------------------


def test_back_office_page_and_duplicate_redirects_to_the_draft(source):
    event = source["event"]
    manager = make_member(event.organizer, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(manager)
    page = client.get("/manage/acme/events/jazz/duplicate/", headers=INERTIA)
    assert page.status_code == 200
    props = page.json()["props"]
    assert props["initial"] == {
        "title": "Jazz night (copy)",
        "starts_at": "2031-03-10T19:00",
        "copy_vouchers": False,
    }
    assert (props["date_count"], props["ticket_type_count"], props["voucher_count"]) == (2, 2, 2)
    response = client.post(
        "/manage/acme/events/jazz/duplicate/",
        {"title": "Jazz night II", "starts_at": "2031-09-01T20:00", "copy_vouchers": True},
        content_type="application/json",
        headers=INERTIA,
    )
    assert response.status_code == 302
    assert response["Location"] == "/manage/acme/events/jazz-night-ii/"
    copy = Event.objects.get(slug="jazz-night-ii")
    assert copy.status == Event.Status.DRAFT
    assert copy.vouchers.count() == 1
    assert wall(copy.starts_at) == local(2031, 9, 1, 20)
    assert EventAuditEntry.objects.get(event=copy).actor == manager
    history = client.get("/manage/acme/events/jazz/", headers=INERTIA).json()["props"]["history"]
    assert [(h["action"], h["actor"], h["detail"]["copy"]) for h in history] == [
        ("duplicated", manager.email, "jazz-night-ii")
    ]


def test_back_office_errors(source):
    manager = make_member(source["event"].organizer, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(manager)

    def post(body):
        return client.post(
            "/manage/acme/events/jazz/duplicate/", body, content_type="application/json", headers=INERTIA
        )

    missing = post({"title": "x"})
    assert missing.status_code == 422
    assert "starts_at" in missing.json()["props"]["errors"]
    far = post({"starts_at": "2000-01-03T19:00"})
    assert far.status_code == 422
    assert "starts_at" in far.json()["props"]["errors"]
    assert Event.objects.count() == 1


def test_api_duplicate(source):
    event = source["event"]
    _, token = tokens.create_token(organizer=event.organizer, name="robot", role="manager", created_by=None)
    response = call(
        "post",
        "/api/v1/manage/events/jazz/duplicate",
        token,
        {"starts_at": "2031-04-07T19:00:00", "copy_vouchers": True},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["title"], body["status"]) == ("jazz-night-copy", "Jazz night (copy)", "draft")
    assert body["starts_at"] == "2031-04-07T17:00:00Z"  # 19:00 in Prague, summer time
    copy = Event.objects.get(slug="jazz-night-copy")
    assert copy.vouchers.count() == 1
    entry = EventAuditEntry.objects.get(event=copy)
    assert (entry.actor, entry.actor_label) == (None, "API token “robot”")

    refused = call(
        "post", "/api/v1/manage/events/jazz/duplicate", token, {"starts_at": "2000-01-03T19:00:00"}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "starts_at"]

    _, door = tokens.create_token(organizer=event.organizer, name="door", role="door", created_by=None)
    assert (
        call(
            "post", "/api/v1/manage/events/jazz/duplicate", door, {"starts_at": "2031-04-07T19:00:00"}
        ).status_code
        == 403
    )
    other = make_organizer()
    _, stranger = tokens.create_token(organizer=other, name="x", role="owner", created_by=None)
    assert (
        call(
            "post", "/api/v1/manage/events/jazz/duplicate", stranger, {"starts_at": "2031-04-07T19:00:00"}
        ).status_code
        == 404
    )


def test_a_slug_taken_in_the_meantime_gives_the_next_free_one(source, monkeypatch):
    """Two copies racing for one slug: the second takes the next free one, not a 500."""
    from events import duplication as event_duplication

    chosen = event_duplication.unique_slug
    calls = []

    def stale(title: str) -> str:
        calls.append(title)
        return "jazz" if len(calls) == 1 else chosen(title)  # the first answer is already taken

    monkeypatch.setattr(event_duplication, "unique_slug", stale)
    copy = duplicate_event(source["event"], new_start=local(2031, 6, 1, 20, 0), actor=ROBOT)
    assert copy.slug == "jazz-night-copy"
    assert len(calls) == 2
