"""A series on the storefront: choosing a date on the event page, its direct link, event
lists, the hold, checkout and order pages, the email and the PDF ticket of that date."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pypdf
import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from core.input import parse_id
from events.models import DateTicketType, Event, EventDate
from onsale import gate
from sales import pricing, purchase
from sales.models import Hold, Order
from tests.factories import allocated, make_date, make_event, make_ticket_type, make_user

pytestmark = pytest.mark.django_db

PRAGUE_EVENING = dt.datetime(2031, 12, 4, 18, 30, tzinfo=dt.UTC)  # Thursday, 19:30 in Prague


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def page(client, path: str, **params: str):
    response = client.get(
        path, params, headers={"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION}
    )
    assert response.status_code == 200, response.content[:500]
    return response.json()["props"]


def post(client, path: str, data: object):
    return client.post(
        path,
        json.dumps(data),
        content_type="application/json",
        headers={"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION},
    )


@pytest.fixture
def series():
    """Three evenings a week apart, the second at another venue with doors at 19:00."""
    event = make_event(
        slug="concerts", title="Winter Concerts", starts_at=PRAGUE_EVENING, venue_name="Rudolfinum"
    )
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50)
    make_ticket_type(event, name="Student", price=Decimal("10.00"), capacity=20)
    second = PRAGUE_EVENING + dt.timedelta(days=7)
    make_date(
        event, starts_at=second, admission_at=second - dt.timedelta(minutes=30), venue_name="Municipal House"
    )
    make_date(event)
    return event


def dates_of(event: Event) -> list[EventDate]:
    return list(event.dates.order_by("starts_at"))


def ticket_type(event: Event, name: str):
    return event.ticket_types.get(name=name)


# --- The event page -----------------------------------------------------------------------


def test_a_series_offers_its_upcoming_dates_and_no_tickets_until_one_is_chosen(client, series):
    past = make_date(series, starts_at=timezone.now() - dt.timedelta(days=3))
    first, second, third = [d for d in dates_of(series) if d != past]

    event = page(client, "/events/concerts/")["event"]

    assert event["date_count"] == 4
    assert [d["id"] for d in event["dates"]] == [first.pk, second.pk, third.pk]  # not the past one
    assert event["date"] is None
    assert event["ticket_types"] == []
    assert event["next_starts_at"] == "2031-12-04T19:30:00+01:00"
    assert event["dates"][1] == {
        "id": second.pk,
        "starts_at": "2031-12-11T19:30:00+01:00",
        "ends_at": "2031-12-11T22:30:00+01:00",
        "admission_at": "2031-12-11T19:00:00+01:00",
        "venue": "Municipal House",
        "status": "on_sale",
        "state": "on_sale",
        "sales_start": None,
        "available": 70,
        "url": f"/events/concerts/?date={second.pk}",
    }


def test_the_direct_link_of_a_date_shows_that_dates_tickets_at_its_own_prices(client, series):
    _, second, _ = dates_of(series)
    student = ticket_type(series, "Student")
    DateTicketType.objects.filter(date=second, ticket_type=ticket_type(series, "Standard")).update(
        price=Decimal("25.00"), allocated=48
    )
    DateTicketType.objects.filter(date=second, ticket_type=student).update(offered=False)

    event = page(client, "/events/concerts/", date=str(second.pk))["event"]

    assert event["date"]["id"] == second.pk
    assert event["date"]["url"] == f"/events/concerts/?date={second.pk}"
    assert event["date"]["venue"] == "Municipal House"
    assert [(t["name"], t["price"], t["state"], t["available"]) for t in event["ticket_types"]] == [
        ("Standard", "25.00", "few_left", 2)
    ]


def test_a_single_date_event_has_its_date_chosen_and_no_choice_to_make(client):
    event = make_event(slug="solo")
    make_ticket_type(event, name="Entry")
    detail = page(client, "/events/solo/")["event"]
    assert detail["date_count"] == 1
    assert detail["date"]["id"] == event.dates.get().pk
    assert [t["name"] for t in detail["ticket_types"]] == ["Entry"]


def test_another_events_date_is_not_found(client, series):
    other = make_event(slug="other")
    response = client.get(f"/events/concerts/?date={other.dates.get().pk}")
    assert response.status_code == 404
    assert "Winter Concerts" not in response.content.decode()


@pytest.mark.parametrize("value", ["\x00", "NaN", "-1", str(2**63), "1e3", "0", "١", "1.0", "9" * 400])
def test_hostile_date_values_are_not_found(client, series, value):
    assert client.get("/events/concerts/", {"date": value}).status_code == 404


def test_an_empty_date_is_no_choice(client, series):
    assert page(client, "/events/concerts/", date="")["event"]["date"] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("5", 5),
        ("0005", 5),
        (True, None),
        (5.0, None),
        ("5.0", None),
        ("-5", None),
        ("", None),
        (None, None),
        ([5], None),
        ({"id": 5}, None),
        (2**63 - 1, 2**63 - 1),
        (2**63, None),
        (str(2**63), None),
        ("\x005", None),
        (" 5 ", 5),  # a form's stray spaces
    ],
)
def test_a_date_id_is_a_positive_whole_number(value, expected):
    assert parse_id(value) == expected


def test_each_date_says_whether_it_can_be_bought(client, series):
    now = timezone.now()
    first, second, third = dates_of(series)
    later = make_date(series)
    over = make_date(series)
    EventDate.objects.filter(pk=first.pk).update(status=EventDate.Status.CANCELLED)
    EventDate.objects.filter(pk=second.pk).update(status=EventDate.Status.SOLD_OUT)
    DateTicketType.objects.filter(date=third, ticket_type=ticket_type(series, "Standard")).update(
        allocated=48
    )
    DateTicketType.objects.filter(date=third, ticket_type=ticket_type(series, "Student")).update(allocated=18)
    EventDate.objects.filter(pk=later.pk).update(sales_start=now + dt.timedelta(days=1))
    EventDate.objects.filter(pk=over.pk).update(sales_end=now - dt.timedelta(hours=1))

    dates = page(client, "/events/concerts/")["event"]["dates"]

    assert [(d["state"], d["available"]) for d in dates] == [
        ("cancelled", 0),
        ("sold_out", 0),
        ("few_left", 4),
        ("not_yet_on_sale", 0),
        ("sales_ended", 0),
    ]
    assert dates[3]["sales_start"] is not None


def test_a_cancelled_dates_page_shows_it_cancelled_and_sells_nothing(client, series):
    first = dates_of(series)[0]
    EventDate.objects.filter(pk=first.pk).update(status=EventDate.Status.CANCELLED)
    event = page(client, "/events/concerts/", date=str(first.pk))["event"]
    assert event["date"]["state"] == "cancelled"
    assert {t["state"] for t in event["ticket_types"]} == {"cancelled"}

    response = post(
        client,
        "/events/concerts/hold/",
        {"date": first.pk, "quantities": {str(ticket_type(series, "Standard").pk): 1}},
    )
    assert response.status_code == 409
    assert response.json()["props"]["errors"] == {
        "form": "This date has been cancelled; tickets are no longer sold."
    }
    assert Hold.objects.count() == 0


def test_a_chosen_date_is_what_search_engines_see(client, series):
    _, second, _ = dates_of(series)
    html = client.get(f"/events/concerts/?date={second.pk}").content.decode()
    data = json.loads(html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    assert data["startDate"] == "2031-12-11T19:30:00+01:00"
    assert data["url"] == f"http://testserver/events/concerts/?date={second.pk}"


def test_a_series_page_with_no_date_chosen_makes_few_queries(
    client, django_assert_max_num_queries, monkeypatch
):
    event = make_event(slug="long")
    make_ticket_type(event)
    make_ticket_type(event)
    dates_add = [make_date(event) for _ in range(40)]
    assert len(dates_add) == 40
    # The on-sale rooms' map is read once a second per process, not per page: held here.
    monkeypatch.setattr(gate, "REFRESH_SECONDS", 3600)
    gate.enabled_rooms()
    with django_assert_max_num_queries(6):
        client.get("/events/long/")


# --- Event lists ---------------------------------------------------------------------------


def test_a_series_is_listed_with_its_date_count_and_next_date(client, series):
    first = dates_of(series)[0]
    EventDate.objects.filter(pk=first.pk).update(status=EventDate.Status.CANCELLED)
    make_event(slug="solo", starts_at=PRAGUE_EVENING + dt.timedelta(days=1))

    listed = {e["slug"]: e for e in page(client, "/")["events"]}

    assert (listed["concerts"]["date_count"], listed["concerts"]["next_starts_at"]) == (
        3,
        "2031-12-11T19:30:00+01:00",  # the cancelled first date is skipped
    )
    assert listed["solo"]["date_count"] == 1
    assert listed["solo"]["next_starts_at"] == listed["solo"]["starts_at"]
    assert [e["slug"] for e in page(client, "/o/" + series.organizer.slug + "/")["events"]] == ["concerts"]


def test_the_date_filter_matches_an_events_dates_not_its_span(client, series):
    make_event(slug="december-night", starts_at=dt.datetime(2031, 12, 20, 18, tzinfo=dt.UTC))

    def slugs(**params: str) -> list[str]:
        return sorted(e["slug"] for e in page(client, "/", **params)["events"])

    # The series plays on 4, 11 and 18 December: the 5th to the 10th is inside its span only.
    assert slugs(**{"from": "2031-12-05", "to": "2031-12-10"}) == []
    assert slugs(**{"from": "2031-12-11", "to": "2031-12-11"}) == ["concerts"]
    assert slugs(**{"from": "2031-12-19"}) == ["december-night"]
    assert slugs(to="2031-12-04") == ["concerts"]
    # A cancelled date is no reason to list the event.
    EventDate.objects.filter(event=series, starts_at__date="2031-12-11").update(
        status=EventDate.Status.CANCELLED
    )
    assert slugs(**{"from": "2031-12-11", "to": "2031-12-11"}) == []
    # Far and malformed days are no error.
    assert slugs(**{"from": "0001-01-01", "to": "9999-12-31"}) == ["concerts", "december-night"]
    assert slugs(**{"from": "2031-02-30", "to": "\x00"}) == ["concerts", "december-night"]


# --- Holding tickets for a date --------------------------------------------------------------


def hold(client, event: Event, date: object, n: int = 2, **extra: object):
    return post(
        client,
        f"/events/{event.slug}/hold/",
        {"quantities": {str(ticket_type(event, "Standard").pk): n}, "date": date, **extra},
    )


def test_a_hold_takes_stock_of_the_chosen_date_only(client, series):
    first, second, _ = dates_of(series)
    response = hold(client, series, second.pk, 2)
    assert response.status_code == 302
    assert Hold.objects.get().date == second
    assert (allocated(first), allocated(second)) == (0, 2)


def test_a_series_hold_without_a_date_asks_for_one(client, series):
    response = hold(client, series, None)
    assert response.status_code == 422
    props = response.json()["props"]
    assert props["errors"] == {"date": "Choose a date."}
    assert props["event"]["date"] is None
    assert len(props["event"]["dates"]) == 3
    assert Hold.objects.count() == 0


@pytest.mark.parametrize(
    "value", ["other-event", True, 1.5, "1e3", [1], {"id": 1}, -1, 0, 2**63, "\x00", "NaN"]
)
def test_a_hold_for_a_date_not_of_this_event_is_refused(client, series, value):
    if value == "other-event":
        value = make_event().dates.get().pk
    response = hold(client, series, value)
    assert response.status_code == 422
    assert response.json()["props"]["errors"] == {"date": "This date is not one of this event's."}
    assert Hold.objects.count() == 0


def test_releasing_a_hold_returns_to_the_same_dates_page(client, series):
    _, second, _ = dates_of(series)
    checkout_url = hold(client, series, second.pk)["Location"]
    response = post(client, checkout_url + "release/", {})
    assert response["Location"] == f"/events/concerts/?date={second.pk}"
    assert allocated(second) == 0


def test_the_checkout_shows_the_reservations_date(client, series):
    _, second, _ = dates_of(series)
    checkout_url = hold(client, series, second.pk)["Location"]
    event = page(client, checkout_url)["event"]
    assert event | {"collect_attendee_names": None} == {
        "slug": "concerts",
        "title": "Winter Concerts",
        "date_id": second.pk,
        "starts_at": "2031-12-11T19:30:00+01:00",
        "ends_at": "2031-12-11T22:30:00+01:00",
        "admission_at": "2031-12-11T19:00:00+01:00",
        "timezone": "Europe/Prague",
        "venue": "Municipal House",
        "status": "published",
        "date_status": "on_sale",
        "url": f"/events/concerts/?date={second.pk}",
        "collect_attendee_names": None,
    }
    Hold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = client.get(
        checkout_url, headers={"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION}
    )
    assert expired.json()["props"]["event_url"] == f"/events/concerts/?date={second.pk}"


# --- The order of a date: its page, My orders, the email and the PDF --------------------------


@pytest.mark.django_db(transaction=True)
def test_the_order_its_email_and_its_pdf_show_the_orders_date(client, series):
    _, second, _ = dates_of(series)
    buyer = make_user()
    client.force_login(buyer)
    checkout_url = hold(client, series, second.pk, 1)["Location"]
    response = post(
        client,
        checkout_url,
        {
            "name": "Ana",
            "email": "ana@example.com",
            "payment_method": "demo",
            "card_number": "4242424242424242",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.date == second

    event = page(client, f"/orders/{order.code}/{order.secret}/")["order"]["event"]
    assert (event["date_id"], event["starts_at"], event["admission_at"], event["venue"]) == (
        second.pk,
        "2031-12-11T19:30:00+01:00",
        "2031-12-11T19:00:00+01:00",
        "Municipal House",
    )
    (mine,) = page(client, "/orders/")["orders"]
    assert mine["event"] == event

    (email,) = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    html = email.alternatives[0][0]
    assert isinstance(html, str)
    for body in (email.body, html):
        assert "Thursday, December 11, 2031, 7:30\u202fPM CET" in body
        assert "Doors open 7:00\u202fPM" in body
        assert "Municipal House" in body

    pdf = client.get(f"/orders/{order.code}/{order.secret}/tickets.pdf")
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Thursday, December 11, 2031, 7:30 PM CET" in text
    assert "Doors open 7:00 PM" in text
    assert "Municipal House" in text


def test_an_order_of_a_cancelled_date_says_so(client, series):
    first = dates_of(series)[0]
    details = pricing.BuyerDetails(name="Bo", email="bo@example.com", payment_method="demo")
    first.event = series
    order = purchase.place_order(
        first, {ticket_type(series, "Standard").pk: 1}, details, base_url="http://testserver/"
    ).order
    EventDate.objects.filter(pk=first.pk).update(status=EventDate.Status.CANCELLED)
    event = page(client, f"/orders/{order.code}/{order.secret}/")["order"]["event"]
    assert (event["status"], event["date_status"]) == ("published", "cancelled")
