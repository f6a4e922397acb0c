"""Hostile values for the reason of an event's cancellation, in the back office and the
organizer API: each is refused with a readable error (or kept as text), never a 500, and a
refused request cancels nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts import tokens
from accounts.models import Membership
from events.models import Event
from sales.models import EventCancellation
from tests.factories import make_event, make_member, make_organizer, make_ticket_type
from tests.support.api import call

pytestmark = pytest.mark.django_db

URL = "/manage/acme/events/gig/cancel/"
API = "/api/v1/manage/events/gig/cancel"


@pytest.fixture
def event():
    event = make_event(organizer=make_organizer(slug="acme"), slug="gig")
    make_ticket_type(event)
    return event


def manager(event) -> Client:
    client = Client()
    client.force_login(make_member(event.organizer, role=Membership.Role.MANAGER))
    return client


def token(event) -> str:
    _, raw = tokens.create_token(organizer=event.organizer, name="Ops", role="manager", created_by=None)
    return raw


def not_cancelled(event) -> bool:
    return (
        Event.objects.get(pk=event.pk).status != Event.Status.CANCELLED
        and not EventCancellation.objects.exists()
    )


REFUSED = {
    "nul": "Flood\x00",
    "too long": "x" * 201,
}


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
def test_the_back_office_refuses_a_bad_reason(event, value):
    response = manager(event).post(
        URL, json.dumps({"reason": value}), content_type="application/json", headers={"X-Inertia": "true"}
    )
    assert response.status_code == 422
    assert "reason" in response.json()["props"]["errors"]
    assert not_cancelled(event)


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "Flood\x00"},
        {"reason": "x" * 201},
        {"reason": 5},
        {"reason": ["a"]},
        {"reason": {"a": {"b": {"c": [[[[1]]]]}}}},
        {"reason": 2**63},
        {"reason": None},
    ],
    ids=["nul", "too long", "number", "list", "deep", "huge", "null"],
)
def test_the_api_refuses_a_bad_reason(event, body):
    response = call("post", API, token(event), body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not_cancelled(event)


@pytest.mark.parametrize("raw", ['"a string"', "[1, 2]", "{", "NaN", "null"], ids=str)
def test_the_api_refuses_a_body_that_is_not_an_object(event, raw):
    response = call("post", API, token(event), raw=raw)
    assert response.status_code in (400, 422), response.content
    assert not_cancelled(event)


@pytest.mark.parametrize(
    "value", ["NaN", "9999-12-31", "0001-01-01", "<script>alert(1)</script>", "ℌ𝔞𝔯𝔟𝔬𝔲𝔯 🌊", "   "]
)
def test_odd_but_harmless_reasons_are_kept_as_text(event, value):
    response = call("post", API, token(event), {"reason": value})
    assert response.status_code == 202
    assert response.json()["reason"] == value.strip()
    assert EventCancellation.objects.get().reason == value.strip()
