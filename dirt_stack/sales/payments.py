"""Payment providers behind one interface.

- ``free``: orders whose total is zero; paid at once.
- ``offline``: bank transfer; the order stays pending (its tickets reserved) until
  the organizer marks it paid or the payment deadline passes.
- ``stripe``: Stripe Checkout; the buyer pays on Stripe's page and a signed webhook
  marks the order paid. Enabled when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set.
- ``demo``: a pretend card form for trying the paid flow locally; enabled only
  with DEBUG or DEMO_PAYMENTS=true. Card 4000 0000 0000 0002 is declined.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import stripe
from django.conf import settings
from django.utils import timezone

from core.money import quantize
from sales.models import Order

if TYPE_CHECKING:
    from stripe.params import RefundCreateParams

DEMO_DECLINED_CARD = "4000000000000002"
STRIPE_SESSION_MINUTES = 30  # Stripe's minimum Checkout Session lifetime


class PaymentFailed(Exception):
    """The provider refused the payment; the message is for the buyer."""


@dataclass(frozen=True)
class PaymentStart:
    """What happens after an order is placed: paid now, or pending (maybe with a page to visit)."""

    paid: bool
    reference: str = ""
    redirect_url: str | None = None
    payment_deadline: dt.datetime | None = None


class PaymentProvider:
    name: ClassVar[str]
    label: ClassVar[str]
    supports_refunds: ClassVar[bool] = False

    def is_enabled(self) -> bool:
        return True

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        raise NotImplementedError

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        """Refund ``amount`` of the payment ``reference``; return the provider's refund reference.

        ``idempotency_key`` names one refund (one sales.models.Refund row): asked again with
        the same key (a retry after the database failed), the provider must not pay twice
        and answers the first refund's reference. Raise on any failure."""
        raise NotImplementedError


class FreeProvider(PaymentProvider):
    name = "free"
    label = "Free"
    supports_refunds = True

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        return PaymentStart(paid=True)

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        return ""


class OfflineProvider(PaymentProvider):
    """Refunds are not automatic: sales.lifecycle records them as paid back by the organizer."""

    name = "offline"
    label = "Bank transfer"

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        deadline = timezone.now() + dt.timedelta(days=order.event.offline_payment_days)
        return PaymentStart(paid=False, payment_deadline=deadline)


class DemoProvider(PaymentProvider):
    name = "demo"
    label = "Card (demo)"
    supports_refunds = True

    def is_enabled(self) -> bool:
        return settings.DEMO_PAYMENTS

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        if card_number.replace(" ", "") == DEMO_DECLINED_CARD:
            raise PaymentFailed("Your card was declined. Try another card.")
        return PaymentStart(paid=True, reference=f"demo_{secrets.token_hex(8)}")

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        # The same key gives the same refund, as with a real provider.
        return f"demo_refund_{idempotency_key or secrets.token_hex(8)}"


class StripeProvider(PaymentProvider):
    name = "stripe"
    label = "Card (Stripe)"
    supports_refunds = True

    def is_enabled(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def _client(self) -> stripe.StripeClient:
        return stripe.StripeClient(settings.STRIPE_SECRET_KEY)

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        expires = timezone.now() + dt.timedelta(minutes=STRIPE_SESSION_MINUTES)
        session = self._client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "client_reference_id": order.code,
                "customer_email": order.buyer_email,
                "success_url": return_url,
                "cancel_url": return_url,
                "expires_at": int(expires.timestamp()) + 60,
                "metadata": {"order_code": order.code},
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": order.currency.lower(),
                            "unit_amount": to_minor_units(order.total, order.currency),
                            "product_data": {"name": f"{order.event.title} – order {order.code}"},
                        },
                    }
                ],
            }
        )
        return PaymentStart(
            paid=False, reference=session.id, redirect_url=session.url, payment_deadline=expires
        )

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        client = self._client()
        session = client.v1.checkout.sessions.retrieve(reference)
        params: RefundCreateParams = {"amount": to_minor_units(amount, order.currency)}
        intent = session.payment_intent
        if intent is not None:  # a session that took no payment has none (and Stripe refuses)
            params["payment_intent"] = intent if isinstance(intent, str) else intent.id
        refund = client.v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key} if idempotency_key else {}
        )
        return refund.id


# ISO 4217 currencies Stripe charges without a minor unit.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Decimal amount to the integer Stripe expects (cents, or whole yen)."""
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return int(quantize(amount).to_integral_value())
    return int(quantize(amount) * 100)


PROVIDERS: dict[str, PaymentProvider] = {
    provider.name: provider
    for provider in (FreeProvider(), OfflineProvider(), StripeProvider(), DemoProvider())
}


def provider(name: str) -> PaymentProvider:
    return PROVIDERS[name]


def accepted_methods(event_methods: list[str]) -> list[PaymentProvider]:
    """The paid methods an event offers that are configured on this installation."""
    return [
        PROVIDERS[name]
        for name in event_methods
        if name in PROVIDERS and name != FreeProvider.name and PROVIDERS[name].is_enabled()
    ]
