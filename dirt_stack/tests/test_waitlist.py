"""The waiting list: joining with double opt-in, offers of freed stock before the public,
expiry passing to the next entry, claiming at the offer's price, group entries, unsubscribing,
the back office, the organizer API and the on-sale room's link. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts import tokens
from accounts.models import Membership
from events import date_services, dates
from events.models import DateTicketType, EventDate
from sales import date_changes, event_cancellation, order_actions, pricing, purchase
from sales.audit import Actor
from sales.models import Hold, Order
from sales.sweeper import sweep
from tests.factories import allocated, make_event, make_member, make_organizer, make_ticket_type, only_date
from waitlist import services
from waitlist.models import Entry, Offer, WaitlistSettings

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BASE_URL = "http://testserver/"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    settings.SITE_URL = "http://testserver/"


@pytest.fixture
def shop():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", currency="EUR", payment_methods=["demo"])
    entry = make_ticket_type(event, name="Entry", price=Decimal("20.00"), capacity=2, max_per_order=4)
    WaitlistSettings.objects.create(event=event, enabled=True)
    manager = make_member(organizer, role=Membership.Role.MANAGER, email="manager@example.com")
    client = Client()
    client.force_login(manager)
    return {"event": event, "entry": entry, "date": only_date(event), "manager": client}


def buy(shop, quantity=1, email="buyer@example.com") -> Order:
    details = pricing.BuyerDetails(name="Ana", email=email, payment_method="demo")
    return purchase.place_order(shop["date"], {shop["entry"].pk: quantity}, details, base_url=BASE_URL).order


def join(shop, email, quantity=1) -> Entry:
    return services.join(shop["date"], shop["entry"], email, quantity).entry


def link(to: str, kind: str) -> str:
    """The path of the last ``kind`` link (confirm, unsubscribe, offer) emailed to ``to``."""
    for message in reversed(mail.outbox):
        if to in message.to:
            found = re.search(rf"http://testserver(/waitlist/{kind}/[^/\s]+/)", str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"No {kind} link emailed to {to}.")


def confirm(email: str) -> None:
    response = Client().post(link(email, "confirm"))
    assert response.status_code == 302


def offers_to(email: str) -> list[str]:
    """The offer emails' bodies sent to ``email`` (each with its unsubscribe link)."""
    bodies = [str(m.body) for m in mail.outbox if email in m.to and m.subject.startswith("Tickets for you")]
    for body in bodies:
        assert "/waitlist/unsubscribe/" in body
    return bodies


def refund_one(order: Order) -> None:
    order_actions.refund(order, Actor(system="test"), amount=order.total)


def public_state(shop) -> tuple[str, int, str]:
    """The ticket type as the public API and the event page show it."""
    api = Client().get("/api/v1/events/gig").json()["ticket_types"][0]
    page = Client().get("/events/gig/", headers=INERTIA).json()["props"]["event"]["ticket_types"][0]
    return api["state"], api["available"], page["state"]


def expire(offer: Offer) -> None:
    Hold.objects.filter(pk=offer.hold_id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_refund_offers_the_first_confirmed_entry_and_the_public_still_sees_sold_out(shop):
    orders = [buy(shop), buy(shop)]
    unconfirmed = join(shop, "early@example.com")  # joined first, never confirms
    for email in ("first@example.com", "second@example.com", "third@example.com"):
        join(shop, email)
        confirm(email)
    assert Entry.objects.filter(status=Entry.Status.WAITING).count() == 3

    refund_one(orders[0])

    first = Entry.objects.get(email="first@example.com")
    assert first.status == Entry.Status.OFFERED
    offer = first.offers.get()
    assert (offer.quantity, offer.unit_price, offer.status) == (1, Decimal("20.00"), Offer.Status.OPEN)
    assert len(offers_to("first@example.com")) == 1
    assert public_state(shop) == ("sold_out", 0, "sold_out")
    assert allocated(shop["date"]) == 2
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == Entry.Status.PENDING
    assert not offers_to("early@example.com")

    # Unclaimed at its expiry: the sweeper releases the hold, the next entry gets it.
    expire(offer)
    sweep()
    offer.refresh_from_db()
    first.refresh_from_db()
    assert (offer.status, first.status) == (Offer.Status.LAPSED, Entry.Status.LAPSED)
    second = Entry.objects.get(email="second@example.com")
    assert second.status == Entry.Status.OFFERED
    assert offers_to("second@example.com")
    assert public_state(shop) == ("sold_out", 0, "sold_out")
    assert allocated(shop["date"]) == 2
    # The lapsed offer's link is spent.
    assert Client().get(link("first@example.com", "offer")).status_code == 410

    # Claimed: the link opens the checkout of the hold, which buys at the offer's price.
    buyer = Client()
    opened = buyer.get(link("second@example.com", "offer"))
    second_offer = second.offers.get()
    assert opened.status_code == 302
    assert opened["Location"] == f"/checkout/{second_offer.hold.token}/"
    DateTicketType.objects.filter(ticket_type=shop["entry"]).update(
        price=Decimal("35.00")
    )  # later price rise
    bought = buyer.post(
        opened["Location"],
        {"name": "Bo", "email": "second@example.com", "payment_method": "demo", "card_number": "4242"},
        content_type="application/json",
        headers=INERTIA,
    )
    assert bought.status_code in (302, 409), bought.content
    order = Order.objects.get(buyer_email="second@example.com")
    assert order.status == Order.Status.PAID
    assert order.total == second_offer.unit_price == Decimal("20.00")
    assert Client().get(link("second@example.com", "offer")).status_code == 410
    second.refresh_from_db()
    second_offer.refresh_from_db()
    assert (second.status, second_offer.status, second_offer.order) == (
        Entry.Status.CLAIMED,
        Offer.Status.CLAIMED,
        order,
    )
    assert allocated(shop["date"]) == 2

    # Unsubscribing removes the third entry: the next refund offers nobody, the public buys.
    unsubscribe = Client()
    assert unsubscribe.get(link("third@example.com", "unsubscribe")).status_code == 200
    assert unsubscribe.post(link("third@example.com", "unsubscribe")).status_code == 302
    assert Entry.objects.get(email="third@example.com").status == Entry.Status.REMOVED
    refund_one(orders[1])
    assert public_state(shop) == ("few_left", 1, "few_left")
    assert not Offer.objects.filter(entry__email="third@example.com").exists()


def test_a_group_entry_waits_without_blocking_a_smaller_later_one(shop):
    DateTicketType.objects.filter(ticket_type=shop["entry"]).update(capacity=3)
    single, pair = buy(shop, 1), buy(shop, 2)
    group = join(shop, "group@example.com", 2)
    confirm("group@example.com")
    solo = join(shop, "solo@example.com", 1)
    confirm("solo@example.com")

    refund_one(single)  # one ticket free: the group of 2 waits, the later single gets it
    group.refresh_from_db()
    solo.refresh_from_db()
    assert (group.status, solo.status) == (Entry.Status.WAITING, Entry.Status.OFFERED)
    rows = (
        shop["manager"].get("/manage/acme/events/gig/waitlist/", headers=INERTIA).json()["props"]["entries"]
    )
    assert [(r["email"], r["position"]) for r in rows] == [
        ("group@example.com", 1),
        ("solo@example.com", None),
    ]

    refund_one(pair)  # two free: the group, first in line, gets both at once
    group.refresh_from_db()
    assert group.status == Entry.Status.OFFERED
    assert group.offers.get().quantity == 2
    assert allocated(shop["date"]) == 3


def test_confirming_when_tickets_are_free_offers_at_once_and_joining_is_double_opt_in(shop):
    buy(shop, 2)
    entry = join(shop, "Fan+tag@Example.com", 2)
    again = services.join(shop["date"], shop["entry"], "fan@example.com", 1)
    assert again.entry.pk == entry.pk
    assert not again.created
    assert entry.status == Entry.Status.PENDING
    # Stock freed before the confirmation goes to the public: unconfirmed entries get nothing.
    DateTicketType.objects.filter(ticket_type=shop["entry"]).update(capacity=4)
    assert services.sweep() == 0
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.PENDING
    assert not Offer.objects.exists()
    # The link's GET only shows a button (mail scanners confirm nothing); POST confirms.
    page = Client().get(link("Fan+tag@Example.com", "confirm"), headers=INERTIA)
    assert page.status_code == 200
    assert page.json()["props"]["action_url"]
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.PENDING
    confirm("Fan+tag@Example.com")
    entry.refresh_from_db()
    assert entry.status == Entry.Status.OFFERED  # the raised capacity, offered on confirmation
    assert allocated(shop["date"]) == 4


def test_a_raised_capacity_is_offered_by_the_sweep(shop):
    buy(shop, 2)
    join(shop, "a@example.com", 1)
    confirm("a@example.com")
    DateTicketType.objects.filter(ticket_type=shop["entry"]).update(capacity=3)
    assert services.sweep() == 1
    assert Entry.objects.get(email="a@example.com").status == Entry.Status.OFFERED
    assert services.sweep() == 0


def test_joining_refusals(shop):
    client = Client()

    def post(**body):
        data = {
            "date": shop["date"].pk,
            "ticket_type_id": shop["entry"].pk,
            "quantity": 1,
            "email": "x@example.com",
        }
        return client.post("/api/v1/events/gig/waitlist", {**data, **body}, content_type="application/json")

    assert post().status_code == 409  # still on sale: buy
    buy(shop, 2)
    assert post(quantity=5).status_code == 422  # over the maximum per order
    assert post(email="not-an-email").json()["field"] == "email"
    assert post(email="x@[127.0.0.1]").status_code == 422
    assert post(ticket_type_id=999_999).status_code == 422
    assert client.post("/api/v1/events/nope/waitlist", {}, content_type="application/json").status_code in (
        404,
        422,
    )
    accepted = post()
    assert accepted.status_code == 202
    assert Entry.objects.filter(email="x@example.com").count() == 1
    assert post().status_code == 202
    assert Entry.objects.filter(email="x@example.com").count() == 1
    WaitlistSettings.objects.filter(event=shop["event"]).update(enabled=False)
    assert post(email="y@example.com").status_code == 409


def test_joins_per_address_are_limited(shop, monkeypatch):
    buy(shop, 2)
    monkeypatch.setattr(
        services, "JOINS_PER_ADDRESS", services.ratelimit.RateLimit(limit=2, window_seconds=600)
    )
    body = {"ticket_type_id": shop["entry"].pk, "quantity": 1}
    client = Client()
    answers = [
        client.post(
            "/api/v1/events/gig/waitlist",
            {**body, "email": f"n{i}@example.com"},
            content_type="application/json",
        ).status_code
        for i in range(3)
    ]
    assert answers == [202, 202, 429]


def test_the_event_page_offers_the_waiting_list_and_joins(shop):
    props = Client().get("/events/gig/", headers=INERTIA).json()["props"]
    assert props["waitlist"] is None  # on sale
    buy(shop, 2)
    props = Client().get("/events/gig/", headers=INERTIA).json()["props"]
    assert props["waitlist"] == {"join_url": "/events/gig/waitlist/", "ticket_type_ids": [shop["entry"].pk]}
    client = Client()
    refused = client.post(
        "/events/gig/waitlist/",
        {"date": shop["date"].pk, "ticket_type": shop["entry"].pk, "quantity": 1, "email": "bad"},
        content_type="application/json",
        headers=INERTIA,
    )
    assert refused.status_code == 422
    assert refused.json()["props"]["errors"] == {"waitlist_email": "Enter a valid email address."}
    joined = client.post(
        "/events/gig/waitlist/",
        {"date": shop["date"].pk, "ticket_type": shop["entry"].pk, "quantity": 2, "email": "web@example.com"},
        content_type="application/json",
        headers=INERTIA,
    )
    assert joined.status_code == 302
    assert Entry.objects.get(email="web@example.com").quantity == 2
    WaitlistSettings.objects.filter(event=shop["event"]).update(enabled=False)
    assert Client().get("/events/gig/", headers=INERTIA).json()["props"]["waitlist"] is None


def test_back_office_offer_now_remove_csv_settings_and_api(shop):
    DateTicketType.objects.filter(ticket_type=shop["entry"]).update(capacity=4)
    buy(shop, 2)
    buy(shop, 1)
    big = join(shop, "big@example.com", 2)  # 1 free: not enough for it
    confirm("big@example.com")
    late = join(shop, "late@example.com", 2)
    confirm("late@example.com")
    manager = shop["manager"]
    base = "/manage/acme/events/gig/waitlist"
    refused = manager.post(f"{base}/{big.pk}/offer/", headers=INERTIA)
    assert refused.status_code == 409
    assert "1 free" in refused.json()["props"]["errors"]["form"]
    buy_back = Order.objects.filter(status=Order.Status.PAID).order_by("-id").first()
    assert buy_back is not None
    # The organizer raises the capacity; "offer now" serves the later entry ahead of its turn.
    DateTicketType.objects.filter(ticket_type=shop["entry"]).update(capacity=5)
    assert manager.post(f"{base}/{late.pk}/offer/", headers=INERTIA).status_code == 302
    late.refresh_from_db()
    assert late.status == Entry.Status.OFFERED
    assert late.offers.get().made_by == "manager@example.com"
    # Removing an offered entry releases its hold, which goes to the next entry that fits.
    assert manager.post(f"{base}/{late.pk}/remove/", headers=INERTIA).status_code == 302
    late.refresh_from_db()
    big.refresh_from_db()
    assert late.status == Entry.Status.REMOVED
    assert late.offers.get().status == Offer.Status.LAPSED
    assert big.status == Entry.Status.OFFERED
    assert allocated(shop["date"]) == 5

    rows = list(
        csv.DictReader(io.StringIO(b"".join(manager.get(f"{base}/export.csv").streaming_content).decode()))
    )
    assert [(r["email"], r["status"], r["offers"]) for r in rows] == [
        ("big@example.com", "offered", "1"),
        ("late@example.com", "removed", "1"),
    ]

    assert (
        manager.post(
            base + "/", {"enabled": True, "offer_hours": 0}, content_type="application/json", headers=INERTIA
        ).status_code
        == 422
    )
    assert (
        manager.post(
            base + "/", {"enabled": True, "offer_hours": 6}, content_type="application/json", headers=INERTIA
        ).status_code
        == 302
    )
    assert WaitlistSettings.objects.get(event=shop["event"]).offer_hours == 6

    token = tokens.create_token(
        organizer=shop["event"].organizer, name="robot", role="manager", created_by=None
    )[1]
    listed = Client().get("/api/v1/manage/events/gig/waitlist", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    body = listed.json()
    assert body["settings"] == {"enabled": True, "offer_hours": 6}
    assert [(e["email"], e["status"], len(e["offers"])) for e in body["entries"]] == [
        ("big@example.com", "offered", 1),
        ("late@example.com", "removed", 1),
    ]


def test_an_offer_lasts_the_event_hours_but_never_past_the_sales_end_and_less_near_the_event(shop):
    now = timezone.now()
    date = shop["date"]
    ticket_type = shop["entry"]
    date.starts_at = now + dt.timedelta(days=10)
    assert services.offer_expiry(date, ticket_type, 24, now) == now + dt.timedelta(hours=24)
    date.sales_end = now + dt.timedelta(hours=5)
    assert services.offer_expiry(date, ticket_type, 24, now) == now + dt.timedelta(hours=5)
    date.sales_end = None
    date.starts_at = now + dt.timedelta(hours=8)
    assert services.offer_expiry(date, ticket_type, 24, now) == now + dt.timedelta(hours=2)
    date.starts_at = now + dt.timedelta(minutes=40)
    assert services.offer_expiry(date, ticket_type, 24, now) is None


def test_a_cancelled_date_makes_no_offer(shop):
    order = buy(shop, 2)
    join(shop, "a@example.com")
    confirm("a@example.com")
    EventDate.objects.filter(pk=shop["date"].pk).update(status=EventDate.Status.CANCELLED)
    refund_one(order)
    assert Entry.objects.get(email="a@example.com").status == Entry.Status.WAITING
    assert not Offer.objects.exists()


def test_the_on_sale_room_links_to_the_waiting_list(shop):
    from onsale.models import Room

    now = timezone.now()
    Room.objects.create(
        event=shop["event"], enabled=True, queue_opens_at=now - dt.timedelta(hours=1), sale_starts_at=now
    )
    props = Client().get("/events/gig/queue/", headers=INERTIA).json()["props"]
    assert props["waitlist_url"] == "/events/gig/"
    WaitlistSettings.objects.filter(event=shop["event"]).update(enabled=False)
    assert Client().get("/events/gig/queue/", headers=INERTIA).json()["props"]["waitlist_url"] is None


def test_a_raised_capacity_is_offered_as_soon_as_it_is_saved(shop, django_capture_on_commit_callbacks):
    """The organizer raises a sold-out type's capacity (organizer API, a date's ticket type,
    a date's shared capacity): the waiting list gets it before the public, without the sweep."""
    buy(shop, 2)
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        join(shop, email, 1)
        confirm(email)
    _, token = tokens.create_token(
        organizer=shop["event"].organizer, name="t", role="manager", created_by=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().patch(
            f"/api/v1/manage/events/gig/ticket-types/{shop['entry'].pk}",
            {"capacity": 3},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.content
    assert Entry.objects.get(email="a@example.com").status == Entry.Status.OFFERED
    assert Entry.objects.get(email="b@example.com").status == Entry.Status.WAITING
    public = Client().get("/api/v1/events/gig").json()
    assert [t["available"] for t in public["ticket_types"]] == [0]

    # The date's own row of the type (the dates page).
    row = DateTicketType.objects.get(date=shop["date"], ticket_type=shop["entry"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        date_services._set_offer(shop["date"], row, capacity=4, prefix="t")
    assert Entry.objects.get(email="b@example.com").status == Entry.Status.OFFERED

    # A shared capacity raised on the date.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        dates.set_capacity([shop["date"].pk], 4)
    DateTicketType.objects.filter(pk=row.pk).update(capacity=5)  # the type's row allows one more
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        dates.set_capacity([shop["date"].pk], 5)
    assert Entry.objects.get(email="c@example.com").status == Entry.Status.OFFERED
    assert allocated(shop["date"]) == 5


@pytest.mark.parametrize("what", ["date", "event"])
def test_cancelling_the_date_or_the_event_closes_its_waiting_list_and_tells_who_waited(shop, what):
    order = buy(shop, 2)
    for email in ("offered@example.com", "waiting@example.com"):
        join(shop, email, 1)
        confirm(email)
    join(shop, "unconfirmed@example.com", 1)
    refund_one(order)  # one ticket free: offered to the first entry
    assert Entry.objects.get(email="offered@example.com").status == Entry.Status.OFFERED
    mail.outbox.clear()

    if what == "date":
        date_changes.cancel_date(shop["date"], by=None, base_url=BASE_URL)
    else:
        event_cancellation.cancel_event(shop["event"], by=None, base_url=BASE_URL)

    assert set(Entry.objects.values_list("status", flat=True)) == {Entry.Status.REMOVED}
    assert set(Offer.objects.values_list("status", flat=True)) == {Offer.Status.LAPSED}
    assert not Hold.objects.filter(status=Hold.Status.LIVE).exists()
    told = sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Cancelled: "))
    assert told == ["offered@example.com", "waiting@example.com"]
    assert all("no longer on it" in str(m.body) for m in mail.outbox if m.subject.startswith("Cancelled: "))
