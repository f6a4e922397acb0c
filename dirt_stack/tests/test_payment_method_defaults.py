"""Payment methods as organizers and buyers see them (B16): the event form knows which
methods this installation has set up, and the checkout never puts the bank transfer
before a card."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Organizer
from events.forms import EventForm
from events.models import OFFERABLE_PAYMENT_METHODS
from sales.payments import PROVIDERS, FreeProvider, configured_methods
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.INERTIA_VERSION = "0.1.0"
    settings.PURCHASE_RATE_LIMIT = 0
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.DEMO_PAYMENTS = False


@pytest.fixture
def owner_client():
    organizer = make_organizer(slug="acme")
    client = Client()
    client.force_login(make_member(organizer))
    return client


def test_configured_methods_follow_the_settings(settings):
    assert configured_methods() == ["offline"]
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert configured_methods() == ["offline"]  # the webhook secret is needed too
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    settings.DEMO_PAYMENTS = True
    assert configured_methods() == ["offline", "stripe", "demo"]


def test_the_event_form_pages_say_what_is_set_up(owner_client, settings):
    page = owner_client.get("/manage/acme/events/new/", headers=INERTIA).json()
    assert page["props"]["configured_payment_methods"] == ["offline"]
    make_event(organizer=Organizer.objects.get(slug="acme"), slug="gig")
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    page = owner_client.get("/manage/acme/events/gig/", headers=INERTIA).json()
    assert page["props"]["configured_payment_methods"] == ["offline", "stripe"]


def test_the_checkout_offers_a_card_before_the_bank_transfer(settings):
    settings.DEMO_PAYMENTS = True
    event = make_event(slug="gig", payment_methods=["offline", "demo"])
    standard = make_ticket_type(event, price=Decimal("10.00"))
    client = Client()
    response = client.post(
        "/events/gig/hold/",
        json.dumps({"date": only_date(event).pk, "quantities": {str(standard.pk): 1}}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert response.status_code == 302
    page = client.get(response["Location"], headers=INERTIA).json()
    assert [m["name"] for m in page["props"]["payment_methods"]] == ["demo", "offline"]


def test_the_methods_an_event_may_offer_are_the_paid_providers():
    # events names them (it may not import sales); sales.payments labels them for people.
    paid = {name for name in PROVIDERS if name != FreeProvider.name}
    assert set(OFFERABLE_PAYMENT_METHODS) == paid
    choices = EventForm().fields["payment_methods"].choices  # type: ignore[attr-defined]
    assert [value for value, _label in choices] == list(OFFERABLE_PAYMENT_METHODS)
