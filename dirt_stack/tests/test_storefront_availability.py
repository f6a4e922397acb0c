"""Storefront lists: each card says "few left", "sold out" or when sales open, from the
numbers the shop sells by, in a fixed number of queries; the search ignores accents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organizer
from events.models import DateTicketType, EventDate
from tests.factories import make_event, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.INERTIA_VERSION = "0.1.0"


def cards(url: str = "/") -> dict[str, Any]:
    response = Client().get(url, headers=INERTIA)
    assert response.status_code == 200
    return {card["slug"]: card["availability"] for card in response.json()["props"]["events"]}


def event_with(slug: str, capacity: int, taken: int, **fields):
    event = make_event(slug=slug, **fields)
    make_ticket_type(event, capacity=capacity)
    DateTicketType.objects.filter(date=only_date(event)).update(allocated=taken)
    return event


def test_cards_say_few_left_sold_out_and_when_sales_open():
    event_with("plenty", 100, 89)  # 11 left of 100: more than 10 %
    event_with("few", 100, 90)  # 10 left: 10 %
    event_with("tiny", 10, 7)  # 3 left: at least 3 count as few
    event_with("gone", 50, 50)
    starts = timezone.now() + dt.timedelta(days=3)
    later = event_with("later", 50, 0)
    EventDate.objects.filter(event=later).update(sales_start=starts)
    found = cards()
    assert found["plenty"] == {"state": "on_sale", "available": 11, "sales_start": None}
    assert found["few"] == {"state": "few_left", "available": 10, "sales_start": None}
    assert found["tiny"] == {"state": "few_left", "available": 3, "sales_start": None}
    assert found["gone"] == {"state": "sold_out", "available": 0, "sales_start": None}
    assert found["later"]["state"] == "not_yet_on_sale"
    assert found["later"]["sales_start"] is not None


def test_a_hidden_type_is_not_counted_as_public_stock():
    event = event_with("hidden-left", 10, 10)
    make_ticket_type(event, capacity=100, hidden=True)
    assert cards()["hidden-left"]["state"] == "sold_out"


def test_an_event_without_a_date_left_has_no_availability():
    past = timezone.now() - dt.timedelta(days=3)
    make_event(slug="over", starts_at=past, ends_at=past + dt.timedelta(hours=2))
    assert "over" not in cards()


def test_the_cards_cost_the_same_queries_for_two_or_ten_events():
    organizer = make_organizer(slug="host")
    for n in range(2):
        event_with(f"e{n}", 10, n, organizer=organizer)
    with CaptureQueriesContext(connection) as two:
        cards("/o/host/")
    for n in range(2, 10):
        event_with(f"e{n}", 10, n, organizer=organizer)
    with CaptureQueriesContext(connection) as ten:
        assert len(cards("/o/host/")) == 10
    assert len(ten.captured_queries) == len(two.captured_queries)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Zurich", {"zurich"}),
        ("zürich", {"zurich"}),
        ("ZÜRICH", {"zurich"}),
        ("prazsky", {"prague"}),
        ("PRAŽSKÝ", {"prague"}),
        ("Vodickova", {"prague"}),
        ("lodz", {"lodz"}),
        ("Łódź", {"lodz"}),
        ("sao paulo", {"brazil"}),
        ("Mustermann", {"brazil"}),
        ("Zurichx", set()),
        ("100%", set()),
    ],
)
def test_the_search_ignores_accents_and_case(query, found):
    make_event(slug="zurich", title="Jazz in Zürich")
    make_event(slug="prague", title="Pražský jaro", venue_address="Vodičkova 36, Praha")
    make_event(slug="lodz", title="Night", venue_name="Łódź Kaliska")
    make_event(
        slug="brazil",
        title="Samba",
        description="In São Paulo",
        organizer=Organizer.objects.create(name="Müstermann", slug="m"),
    )
    response = Client().get("/", {"q": query}, headers=INERTIA)
    assert {card["slug"] for card in response.json()["props"]["events"]} == found


def test_the_fold_matches_in_python_and_sql():
    from core.search import fold

    assert fold("Pražský Łódź ŽLUŤOUČKÝ kůň São Trần") == "prazsky lodz zlutoucky kun sao tran"
    assert fold("Zürich") == "zurich"
