"""The public home page and event page, as Inertia responses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from events.models import Event
from tests.factories import make_event

pytestmark = pytest.mark.django_db


def inertia_get(client, path: str):
    return client.get(path, headers={"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION})


def test_home_lists_upcoming_published_events_in_start_order(client):
    later = make_event(title="Later", starts_at=timezone.now() + dt.timedelta(days=20))
    sooner = make_event(title="Sooner", starts_at=timezone.now() + dt.timedelta(days=2))
    make_event(title="Draft", status=Event.Status.DRAFT)
    make_event(title="Cancelled", status=Event.Status.CANCELLED)
    make_event(title="Past", starts_at=timezone.now() - dt.timedelta(days=3))

    response = inertia_get(client, "/")

    assert response.status_code == 200
    page = response.json()
    assert page["component"] == "Home"
    assert [e["slug"] for e in page["props"]["events"]] == [sooner.slug, later.slug]


def test_event_times_are_given_in_the_events_time_zone(client):
    starts = dt.datetime(2031, 6, 1, 18, 0, tzinfo=dt.UTC)
    make_event(slug="tokyo", timezone="Asia/Tokyo", starts_at=starts)
    event = inertia_get(client, "/").json()["props"]["events"][0]
    assert event["starts_at"] == "2031-06-02T03:00:00+09:00"
    assert event["timezone"] == "Asia/Tokyo"


def test_home_page_first_load_embeds_the_page_and_the_vite_build(client):
    make_event(title="Harbour Festival")
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<script data-page="app" type="application/json">' in html
    assert "Harbour Festival" in html
    # Production mode: assets come from Vite's manifest under STATIC_URL.
    assert '<script type="module" crossorigin="" src="/static/assets/main-' in html
    # Inertia's client reads this cookie for its CSRF header.
    assert settings.CSRF_COOKIE_NAME in response.cookies


def test_home_makes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(15):
        make_event()
    with django_assert_max_num_queries(3):
        inertia_get(client, "/")


def test_event_page_shows_a_published_event(client):
    event = make_event(title="Jazz by the River", description="Bring a blanket.")
    page = inertia_get(client, f"/events/{event.slug}/").json()
    assert page["component"] == "Events/Show"
    assert page["props"]["event"]["title"] == "Jazz by the River"
    assert page["props"]["event"]["description_html"] == "<p>Bring a blanket.</p>"


def test_draft_event_pages_are_not_found(client):
    event = make_event(status=Event.Status.DRAFT)
    response = client.get(f"/events/{event.slug}/")
    assert response.status_code == 404
    assert event.title not in response.content.decode()


def test_unknown_page_is_a_404_page_without_details(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '"component": "Error"' in html
    assert "Traceback" not in html
    assert "urlpatterns" not in html
