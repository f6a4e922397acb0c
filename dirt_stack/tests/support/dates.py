"""Orders and holds on one date of an event, for the tests of the dates page and its services."""

from __future__ import annotations

from django.core import mail

from core import outbox
from events.models import EventDate
from sales import pricing, purchase
from sales.models import Hold, Order


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
