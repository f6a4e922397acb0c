"""An organizer "acme" with an event "gig", a paid demo order and a live hold on it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Organizer
from events.models import Event
from sales import pricing, purchase, stock
from sales.models import Hold, Order
from tests.factories import make_event, make_organizer, make_ticket_type, only_date


@dataclass
class Shop:
    organizer: Organizer
    event: Event
    order: Order
    hold: Hold


def shop_with_an_order() -> Shop:
    """Needs ``settings.DEMO_PAYMENTS = True`` (the order is paid by the demo card)."""
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig")
    standard = make_ticket_type(event, name="Standard", price=Decimal("10.00"), capacity=10)
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    order = purchase.place_order(
        only_date(event), {standard.pk: 1}, details, base_url="http://testserver/"
    ).order
    return Shop(organizer, event, order, stock.hold(only_date(event), {standard.pk: 1}))
