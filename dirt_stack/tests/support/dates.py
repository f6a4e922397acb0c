"""A series to test, and orders and holds on one of its dates, for the tests of the dates
page and its services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core import mail

from accounts.models import Membership
from core import outbox
from events.models import EventDate
from sales import pricing, purchase
from sales.models import Hold, Order
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type, only_date

FIRST = dt.datetime(2031, 10, 3, 17, 30, tzinfo=dt.UTC)  # Friday 3 October 2031, 19:30 in Prague


def harbour_jazz() -> dict[str, Any]:
    """Acme's "Harbour Jazz" (/gig) on two Fridays a week apart, A at FIRST and B, with a
    Standard ticket type (20.00, 50 on each date) and a manager, olga@example.com."""
    organizer = make_organizer(slug="acme", contact_email="hello@acme.example")
    event = make_event(organizer=organizer, slug="gig", title="Harbour Jazz", starts_at=FIRST)
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50)
    a, b = only_date(event), make_date(event)
    manager = make_member(organizer, role=Membership.Role.MANAGER, email="olga@example.com")
    return {"event": event, "standard": standard, "a": a, "b": b, "manager": manager}


def buy(
    date: EventDate, quantities: dict[int, int], method: str = "demo", email: str = "ana@example.com"
) -> Order:
    """An order on ``date``: paid at once with "demo" (DEMO_PAYMENTS), pending with "offline"."""
    details = pricing.BuyerDetails(name=email.split("@")[0].title(), email=email, payment_method=method)
    return purchase.place_order(date, quantities, details, base_url="http://testserver/").order


def hold(date: EventDate, quantities: dict[int, int]) -> Hold:
    """A live hold (a cart) on ``date``."""
    return purchase.start_checkout(date, quantities)


def delivered_mail() -> list[mail.EmailMessage]:
    """Send what the outbox holds; the emails sent since the last call (taken out of
    django.core.mail.outbox)."""
    outbox.deliver_pending()
    sent = list(mail.outbox)
    mail.outbox.clear()
    return sent
