"""The shapes storefront.serializers builds without pydantic's validation (``built``):
each must be exactly what validating the same values gives, for every kind of order."""

from __future__ import annotations

import datetime as dt
import warnings
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from sales import lifecycle, pricing, purchase
from sales.models import Order
from storefront import schemas
from storefront.serializers import built, line_detail, load_order, order_detail
from tests.factories import make_event, make_ticket_type, only_date

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


@pytest.fixture
def event():
    starts = dt.datetime(2031, 12, 12, 20, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Prague"))
    event = make_event(
        timezone="Europe/Prague", starts_at=starts, ends_at=starts + dt.timedelta(hours=3),
        payment_methods=["demo", "offline"], confirm_bank_transfers=True,
    )  # fmt: skip
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=50)
    return event


def place(event, method: str = "demo", buyer: bool = False) -> purchase.PlacedOrder:
    ticket_type = event.ticket_types.get()
    details = pricing.BuyerDetails(
        name="Ana Buyer", email="ana@example.com", payment_method=method, attendee_names=["Guest", "Guest"]
    )
    return purchase.place_order(
        only_date(event),
        {ticket_type.pk: 2},
        details,
        base_url="http://testserver/",
        buyer=purchase.hoarding.Buyer("client", solved=True) if buyer else None,
    )


def loaded(code: str) -> Order:
    found = load_order(code)
    assert found is not None
    return found


def assert_as_validated(shape: schemas.Shape) -> None:
    """``shape`` serializes without a warning, and validating what it holds gives it back."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sent = shape.model_dump(mode="json")
        again = type(shape).model_validate(shape.model_dump()).model_dump(mode="json")
    assert sent == again


def test_a_new_order_as_the_purchase_api_answers_it(event):
    placed = place(event)
    detail = order_detail(
        placed.order, "http://testserver/", placed.payment, lines=placed.lines, tickets=placed.tickets
    )
    assert_as_validated(detail)
    assert detail.model_dump(mode="json")["tickets"][0]["state"] == "valid"


@pytest.mark.parametrize("method", ["demo", "offline"])
def test_loaded_orders_in_each_state(event, method):
    order = place(event, method, buyer=True).order
    assert_as_validated(order_detail(loaded(order.code), "http://testserver/", include_qr=True))
    if method == "offline":
        assert order_detail(loaded(order.code), "http://testserver/").awaiting_confirmation
        lifecycle.cancel(loaded(order.code))
    else:
        refunded = loaded(order.code)
        lifecycle.refund(refunded, tickets=[t.pk for t in refunded.tickets.all()])
    detail = order_detail(loaded(order.code), "http://testserver/")
    assert_as_validated(detail)
    assert {t.state for t in detail.tickets} == {"cancelled" if method == "offline" else "refunded"}


def test_a_line_being_checked_out(event):
    ticket_type = event.ticket_types.get()
    (line,) = pricing.price([(ticket_type, 3)], None, pricing.date_offers(only_date(event), [ticket_type.pk]))
    shown = line_detail(line)
    assert_as_validated(shown)
    assert shown.model_dump(mode="json")["total"] == "60.00"


def test_built_refuses_a_name_the_shape_does_not_have_or_a_missing_field():
    with pytest.raises(TypeError):
        built(schemas.Buyer, name="Ana", email="ana@example.com", phone="1")
    with pytest.raises(TypeError):
        built(schemas.Buyer, name="Ana")
    assert built(schemas.Buyer, name="Ana", email="a@example.com").model_dump() == {
        "name": "Ana",
        "email": "a@example.com",
    }


def test_an_order_paid_now_has_its_time(event):
    order = place(event).order
    assert order.status == Order.Status.PAID
    assert order_detail(loaded(order.code), "http://testserver/").created_at <= timezone.now()
