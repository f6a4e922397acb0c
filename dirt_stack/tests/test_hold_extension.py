"""A reservation extended once by the event's hold time (WCAG 2.2.1, sales.stock.extend):
not twice, not after it expired, only through its own checkout."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from sales import stock
from sales.models import Hold
from tests.factories import allocated, make_event, make_ticket_type, only_date

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
TEN = dt.timedelta(minutes=10)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.INERTIA_VERSION = "0.1.0"
    settings.PURCHASE_RATE_LIMIT = 0
    settings.DEMO_PAYMENTS = True


@pytest.fixture
def event():
    event = make_event(slug="gig", hold_minutes=10)
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=5)
    return event


def new_hold(event, n: int = 2) -> Hold:
    return stock.hold(only_date(event), {event.ticket_types.get().pk: n})


def test_a_hold_is_extended_once_by_its_length(event):
    hold = new_hold(event)
    first_expiry = hold.expires_at
    assert stock.extendable(hold, TEN)
    new_expiry = stock.extend(hold, first_length=TEN, by=TEN)
    assert new_expiry - first_expiry >= TEN
    assert Hold.objects.get(pk=hold.pk).expires_at == new_expiry
    assert not stock.extendable(hold, TEN)
    with pytest.raises(stock.HoldNotExtended, match="already extended once"):
        stock.extend(hold, first_length=TEN, by=TEN)
    assert Hold.objects.get(pk=hold.pk).expires_at == new_expiry
    assert allocated(event) == 2  # the stock stays held, counted once


def test_an_expired_or_ended_hold_is_not_extended(event):
    expired = new_hold(event)
    Hold.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(stock.HoldNotExtended, match="expired"):
        stock.extend(expired, first_length=TEN, by=TEN)
    released = new_hold(event, 1)
    stock.release(released)
    with pytest.raises(stock.HoldNotExtended, match="expired"):
        stock.extend(released, first_length=TEN, by=TEN)
    assert Hold.objects.get(pk=released.pk).status == Hold.Status.RELEASED


def test_a_longer_first_length_still_allows_one_extension(event):
    hold = new_hold(event)
    # A hold made under an on-sale room's 30-minute session (the event's is 10).
    Hold.objects.filter(pk=hold.pk).update(expires_at=hold.created_at + dt.timedelta(minutes=30))
    hold.refresh_from_db()
    longest = dt.timedelta(minutes=30)
    stock.extend(hold, first_length=longest, by=TEN)
    with pytest.raises(stock.HoldNotExtended, match="already extended"):
        stock.extend(hold, first_length=longest, by=TEN)


def test_the_checkout_offers_the_extension_and_extends_only_its_own_hold(event):
    mine, theirs = new_hold(event), new_hold(event, 1)
    theirs_expiry = theirs.expires_at
    client = Client()
    page = client.get(f"/checkout/{mine.token}/", headers=INERTIA).json()
    assert page["props"]["extension"] == {
        "minutes": 10,
        "offered_within": 120,
        "url": f"/checkout/{mine.token}/extend/",
    }
    response = client.post(f"/checkout/{mine.token}/extend/", "{}", "application/json", headers=INERTIA)
    assert response.status_code == 302
    assert response["Location"] == f"/checkout/{mine.token}/"
    page = client.get(response["Location"], headers=INERTIA).json()
    assert page["props"]["extension"] is None
    assert 1190 <= page["props"]["seconds_left"] <= 1200
    assert Hold.objects.get(pk=theirs.pk).expires_at == theirs_expiry

    again = client.post(f"/checkout/{mine.token}/extend/", "{}", "application/json", headers=INERTIA)
    assert again.status_code == 409
    assert again.json()["url"] == f"/checkout/{mine.token}/"
    assert "already extended" in again.json()["props"]["errors"]["form"]


def test_an_unknown_token_extends_nothing_and_a_get_goes_to_the_checkout(event):
    hold = new_hold(event)
    client = Client()
    other = "00000000-0000-4000-8000-000000000000"
    assert client.post(f"/checkout/{other}/extend/", "{}", "application/json").status_code == 404
    assert Hold.objects.get(pk=hold.pk).expires_at == hold.expires_at
    response = client.get(f"/checkout/{hold.token}/extend/")
    assert (response.status_code, response["Location"]) == (302, f"/checkout/{hold.token}/")


def test_an_expired_checkout_is_not_extended_through_the_page(event):
    hold = new_hold(event)
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().post(f"/checkout/{hold.token}/extend/", json.dumps({}), "application/json")
    assert response.status_code == 302
    assert Hold.objects.get(pk=hold.pk).expires_at < timezone.now()
