"""Payment providers behind one interface.

- ``free``: orders whose total is zero; paid at once.
- ``offline``: bank transfer; the order stays pending (its tickets reserved) until
  the organizer marks it paid or the payment deadline passes.
- ``stripe``: Stripe Checkout; the buyer pays on Stripe's page and a signed webhook
  marks the order paid. Enabled when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set.
  Its ``start`` makes no network call: the order is written and committed first, then
  sales.payment_pages opens the Checkout Session (``open_page``), outside any transaction.
- ``demo``: a pretend card form for trying the paid flow locally; enabled only
  with DEBUG or DEMO_PAYMENTS=true. Card 4000 0000 0000 0002 is declined.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.money import quantize
from core.translated import resolve
from sales.exceptions import OrderConflict
from sales.models import Order, Payment

if TYPE_CHECKING:
    from stripe.params import RefundCreateParams

DEMO_DECLINED_CARD = "4000000000000002"
STRIPE_SESSION_MINUTES = 30  # Stripe's minimum Checkout Session lifetime
# A card order's payment deadline when placed; its Checkout Session expires then, so the
# buyer has a few minutes to retry opening it should Stripe fail the first time.
STRIPE_PAYMENT_MINUTES = STRIPE_SESSION_MINUTES + 5
STRIPE_TIMEOUT_SECONDS = 15  # the buyer is waiting
# What Stripe's ids look like (cs_..., pi_..., evt_...): bounded, plain ASCII, no NUL.
STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,200}")


class PaymentFailed(Exception):
    """The provider refused the payment; the message is for the buyer."""


class ProviderUnreachable(Exception):
    """The provider could not be reached, or refused to open its payment page (the message
    is for the log; sales.payment_pages tells the buyer)."""


@dataclass(frozen=True)
class PaymentPage:
    """A provider's payment page for an order: open (``url`` to send the buyer to), or
    already completed (the payment is being confirmed)."""

    reference: str
    url: str | None
    completed: bool = False


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
    # The buyer pays on the provider's page, opened with ``open_page`` once the order is
    # committed; ``start`` then only sets the payment deadline.
    has_payment_page: ClassVar[bool] = False

    def is_enabled(self) -> bool:
        return True

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        """Called while the order is built, before it is written: no network calls here."""
        raise NotImplementedError

    def open_page(
        self, order: Order, payment: Payment, *, return_url: str, expires_at: dt.datetime
    ) -> PaymentPage:
        """Open the payment page of a committed order (or return the one ``payment.reference``
        names while it is open), to expire at ``expires_at``. Raises ProviderUnreachable."""
        raise NotImplementedError

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        """Refund ``amount`` of the payment ``reference``; return the provider's refund reference.

        ``idempotency_key`` names one refund (one sales.models.Refund row): asked again with
        the same key (a retry after the database failed), the provider must not pay twice
        and answers the first refund's reference. Raise on any failure."""
        raise NotImplementedError


class FreeProvider(PaymentProvider):
    name = "free"
    label = gettext_noop("Free")
    supports_refunds = True

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        return PaymentStart(paid=True)

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        return ""


class OfflineProvider(PaymentProvider):
    """Refunds are not automatic: sales.lifecycle records them as paid back by the organizer."""

    name = "offline"
    label = gettext_noop("Bank transfer")

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        deadline = timezone.now() + dt.timedelta(days=order.event.offline_payment_days)
        return PaymentStart(paid=False, payment_deadline=deadline)


class DemoProvider(PaymentProvider):
    name = "demo"
    label = gettext_noop("Card (demo)")
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
    label = gettext_noop("Card (Stripe)")
    supports_refunds = True
    has_payment_page = True

    def is_enabled(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def _client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
            max_network_retries=1,
        )

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        deadline = timezone.now() + dt.timedelta(minutes=STRIPE_PAYMENT_MINUTES)
        return PaymentStart(paid=False, payment_deadline=deadline)

    def open_page(
        self, order: Order, payment: Payment, *, return_url: str, expires_at: dt.datetime
    ) -> PaymentPage:
        client = self._client()
        try:
            if payment.reference:
                session = client.v1.checkout.sessions.retrieve(payment.reference)
                if session.status == "open":
                    return PaymentPage(session.id, session.url)
                if session.status == "complete":
                    return PaymentPage(session.id, None, completed=True)
                # Expired: a new session below.
            expires = int(expires_at.timestamp())
            session = client.v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    "client_reference_id": order.code,
                    "customer_email": order.buyer_email,
                    "success_url": return_url,
                    "cancel_url": return_url,
                    "expires_at": expires,
                    "metadata": {"order_code": order.code, "payment_id": str(payment.pk)},
                    "line_items": [
                        {
                            "quantity": 1,
                            "price_data": {
                                "currency": order.currency.lower(),
                                "unit_amount": to_minor_units(payment.amount, order.currency),
                                "product_data": {
                                    "name": f"{resolve(order.event, 'title')} – order {order.code}"
                                },
                            },
                        }
                    ],
                },
                # The same payment, expiry and replaced session give the same key, so a retry
                # after a lost answer gets the session Stripe made then, not a second one.
                options={
                    "idempotency_key": f"maticko-checkout-{order.code}-{payment.pk}-{expires}"
                    f"-{payment.reference or 'first'}"
                },
            )
        except stripe.StripeError as exc:
            raise ProviderUnreachable(f"Stripe: {exc.__class__.__name__}: {exc}") from exc
        if not isinstance(session.id, str) or not STRIPE_ID.fullmatch(session.id) or not session.url:
            raise ProviderUnreachable("Stripe answered without a usable Checkout Session.")
        return PaymentPage(session.id, session.url)

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        """Refund through the PaymentIntent of the session ``reference``: the one the webhook
        stored, else the session's as Stripe has it now."""
        client = self._client()
        intent = (
            Payment.objects.filter(order=order, provider=self.name, reference=reference)
            .exclude(charge_reference="")
            .values_list("charge_reference", flat=True)
            .first()
            if reference
            else None
        )
        if not intent and reference:
            found = client.v1.checkout.sessions.retrieve(reference).payment_intent
            intent = found if isinstance(found, str) else found.id if found is not None else None
        if not intent:  # a session that took no payment has none (and Stripe would refuse)
            raise OrderConflict("This order has no card payment at Stripe to refund.")
        params: RefundCreateParams = {
            "payment_intent": intent,
            "amount": to_minor_units(amount, order.currency),
        }
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


def configured_methods() -> list[str]:
    """The paid methods set up on this installation (Stripe needs its keys, the demo card
    DEMO_PAYMENTS); the event form offers them and warns about any other."""
    return [name for name, p in PROVIDERS.items() if name != FreeProvider.name and p.is_enabled()]


def accepted_methods(event_methods: list[str]) -> list[PaymentProvider]:
    """The paid methods an event offers that are configured on this installation."""
    return [
        PROVIDERS[name]
        for name in event_methods
        if name in PROVIDERS and name != FreeProvider.name and PROVIDERS[name].is_enabled()
    ]
