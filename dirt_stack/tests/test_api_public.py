"""Public read endpoints of the REST API."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from events.models import DateTicketType, Event
from tests.factories import make_event, make_ticket_type

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_the_public_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "Maticko API"
    assert {"/api/v1/events", "/api/v1/events/{slug}"} <= set(doc["paths"])


def test_events_are_published_upcoming_and_paginated(client):
    for n in range(23):
        make_event(slug=f"e{n:02}")
    make_event(slug="draft", status=Event.Status.DRAFT)
    first = client.get("/api/v1/events").json()
    assert first["count"] == 23
    assert len(first["items"]) == 20
    assert "draft" not in [e["slug"] for e in first["items"]]
    second = client.get("/api/v1/events?page=2").json()
    assert len(second["items"]) == 3
    assert first["items"][0]["url"] == "http://testserver/events/e00/"


def test_event_detail_has_ticket_types_with_live_availability(client):
    event = make_event(slug="gig", capacity=150)
    a = make_ticket_type(event, name="A", capacity=100, price=Decimal("19.90"))
    make_ticket_type(event, name="B", capacity=100)
    make_ticket_type(event, name="Hidden", hidden=True)
    DateTicketType.objects.filter(ticket_type=a).update(allocated=60)
    event.dates.update(allocated=60)

    body = client.get("/api/v1/events/gig").json()
    assert [(t["name"], t["available"], t["price"]) for t in body["ticket_types"]] == [
        ("A", 40, "19.90"),
        ("B", 90, "10.00"),
    ]
    assert body["ticket_types"][0]["state"] == "on_sale"


def test_event_detail_has_the_same_min_price_as_the_list(client):
    event = make_event(slug="gig")
    make_ticket_type(event, price=Decimal("30.00"))
    make_ticket_type(event, price=Decimal("12.50"))
    make_ticket_type(event, price=Decimal("1.00"), hidden=True)
    make_event(slug="free-of-types")

    listed = {e["slug"]: e["min_price"] for e in client.get("/api/v1/events").json()["items"]}
    assert listed == {"gig": "12.50", "free-of-types": None}
    for slug, min_price in listed.items():
        assert client.get(f"/api/v1/events/{slug}").json()["min_price"] == min_price


def test_unknown_event_is_a_problem_document(client):
    response = client.get("/api/v1/events/nope")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() | {"detail": None} == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": None,
    }


def test_bad_page_number_is_a_422_problem(client):
    response = client.get("/api/v1/events?page=abc")
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["loc"] == ["query", "page"]


def test_interactive_docs_load_only_our_own_scripts(client):
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert "https://" not in html.split("<body", 1)[1]  # no CDN: works offline and under our CSP
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert inline == []


def test_json_answers_skip_page_only_work_and_pages_keep_it(client):
    """JSON is never rendered as a page: no CSP header to build, no CSRF cookie for Inertia."""
    make_event(slug="gig")
    api = client.get("/api/v1/events/gig")
    assert api.status_code == 200
    assert "Content-Security-Policy" not in api
    assert "XSRF-TOKEN" not in api.cookies
    assert api["X-Content-Type-Options"] == "nosniff"

    docs = client.get("/api/v1/docs")  # an HTML page under /api/ keeps its policy
    assert "Content-Security-Policy" in docs
    page = client.get("/events/gig/")
    assert "Content-Security-Policy" in page
    assert "XSRF-TOKEN" in page.cookies
