"""The event page shows what a voucher takes off each ticket type, computed by the same
rule the checkout charges (sales.pricing.discounted_prices and price)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from events.models import DateTicketType
from sales import pricing
from sales.models import Voucher
from tests.factories import make_event, make_ticket_type, only_date

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.INERTIA_VERSION = "0.1.0"


@pytest.fixture
def event():
    event = make_event(slug="jazz", currency="CZK")
    make_ticket_type(event, name="Standing", price=Decimal("450.00"))
    make_ticket_type(event, name="VIP", price=Decimal("1400.00"))
    return event


def page_voucher(code: str) -> dict:
    response = Client().get(f"/events/jazz/?voucher={code}", headers=INERTIA)
    assert response.status_code == 200
    return response.json()["props"]["voucher"]


def test_a_percent_voucher_shows_every_discounted_price(event):
    Voucher.objects.create(event=event, code="JAZZ20", kind="percent", value=Decimal("20"))
    standing, vip = event.ticket_types.order_by("price")
    voucher = page_voucher("jazz20")
    assert voucher["valid"] is True
    assert {p["ticket_type"]: p["price"] for p in voucher["prices"]} == {
        standing.pk: "360.00",
        vip.pk: "1120.00",
    }


def test_a_voucher_for_one_type_uses_the_dates_price_and_never_goes_below_zero(event):
    standing, vip = event.ticket_types.order_by("price")
    DateTicketType.objects.filter(date=only_date(event), ticket_type=vip).update(price=Decimal("1000.00"))
    voucher = Voucher.objects.create(event=event, code="VIP", kind="amount", value=Decimal("5000"))
    voucher.ticket_types.add(vip)
    assert page_voucher("VIP")["prices"] == [{"ticket_type": vip.pk, "price": "0.00"}]
    offers = pricing.date_offers(only_date(event), [standing.pk, vip.pk])
    lines = pricing.price([(standing, 1), (vip, 1)], voucher, offers)
    assert [line.total for line in lines] == [Decimal("450.00"), Decimal("0.00")]


def test_an_unknown_code_shows_no_prices(event):
    voucher = page_voucher("NOPE")
    assert voucher["valid"] is False
    assert voucher["prices"] == []
