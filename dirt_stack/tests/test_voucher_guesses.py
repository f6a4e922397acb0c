"""Voucher codes cannot be found by trying them (security review M-4): unknown codes are
counted per address and event on the event page, holds and the purchase API; past the
limit every lookup, a right code's too, answers 429."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from sales.models import Voucher
from tests.factories import make_event, make_ticket_type

pytestmark = pytest.mark.django_db
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
LIMIT = 3


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.INERTIA_VERSION = "0.1.0"
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.VOUCHER_GUESS_LIMIT = LIMIT
    settings.VOUCHER_GUESS_WINDOW = 600


@pytest.fixture
def event():
    event = make_event(slug="gig")
    make_ticket_type(event, name="Standard", price=Decimal("10.00"), capacity=50)
    Voucher.objects.create(event=event, code="BAND", value=Decimal("100"))
    return event


def page(client, slug, code):
    return client.get(f"/events/{slug}/", {"voucher": code}, headers=INERTIA)


def hold(client, event, code):
    body = {"quantities": {str(event.ticket_types.get().pk): 1}, "voucher": code}
    return client.post(
        f"/events/{event.slug}/hold/", json.dumps(body), content_type="application/json", headers=INERTIA
    )


def purchase(client, event, code):
    body = {
        "lines": [{"ticket_type_id": event.ticket_types.get().pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
        "voucher": code,
    }
    return client.post(
        f"/api/v1/events/{event.slug}/orders", json.dumps(body), content_type="application/json"
    )


def test_the_event_page_refuses_every_voucher_after_too_many_unknown_codes(event):
    guesser = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(LIMIT):
        answer = page(guesser, "gig", f"GUESS{n}")
        assert answer.status_code == 200
        assert answer.json()["props"]["voucher"]["valid"] is False
    # A right code does not count, and tells nothing once the limit is reached.
    refused = page(guesser, "gig", "BAND")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    props = refused.json()["props"]
    assert props["voucher"] is None
    assert "Too many voucher codes" in props["errors"]["voucher"]
    assert page(guesser, "gig", "").status_code == 200  # the page itself stays open

    # Another address, and the same address on another event, are counted apart.
    other = Client(REMOTE_ADDR="203.0.113.6")
    assert page(other, "gig", "band").json()["props"]["voucher"]["valid"] is True
    second = make_event(slug="second")
    make_ticket_type(second, name="Standard", capacity=5)
    assert page(guesser, "second", "NOPE").status_code == 200


def test_known_codes_do_not_count(event):
    buyer = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(LIMIT + 2):
        assert page(buyer, "gig", "BAND").json()["props"]["voucher"]["valid"] is True


def test_holds_and_the_purchase_api_count_and_refuse_guesses(event):
    guesser = Client(REMOTE_ADDR="203.0.113.8")
    assert hold(guesser, event, "GUESS1").status_code == 422
    assert purchase(guesser, event, "GUESS2").status_code == 422
    assert page(guesser, "gig", "GUESS3").status_code == 200

    refused_hold = hold(guesser, event, "BAND")
    assert refused_hold.status_code == 429
    assert "Too many voucher codes" in refused_hold.json()["props"]["errors"]["voucher"]
    refused_purchase = purchase(guesser, event, "BAND")
    assert refused_purchase.status_code == 429
    assert refused_purchase["Content-Type"] == "application/problem+json"
    assert refused_purchase.json()["field"] == "voucher"
    assert int(refused_purchase["Retry-After"]) > 0
    # Buying without a voucher is not affected.
    assert purchase(guesser, event, None).status_code == 201


def test_the_limit_can_be_turned_off(event, settings):
    settings.VOUCHER_GUESS_LIMIT = 0
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(LIMIT + 2):
        assert page(guesser, "gig", f"GUESS{n}").status_code == 200
    assert page(guesser, "gig", "BAND").json()["props"]["voucher"]["valid"] is True
