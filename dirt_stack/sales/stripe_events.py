"""Stripe's webhook events: what their payloads must look like, and what they may change.

An event acts only on what Maticko created: the Payment whose ``reference`` is the
event's Checkout Session (sales.payment_pages stored it), and only when the
session's amount and currency are that payment's. A session Maticko did not
create (a Payment Link, another integration on the same account) changes
nothing, whatever order its ``client_reference_id`` or metadata names; such an
order gets an audit entry. The webhook view verifies the signature and records
each event once (ProcessedWebhookEvent) around ``handle``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from sales import lifecycle
from sales.models import ORDER_CODE_LENGTH, AuditEntry, Order, Payment
from sales.payments import STRIPE_ID, to_minor_units

logger = logging.getLogger(__name__)

PAID_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
UNPAID_EVENTS = frozenset({"checkout.session.expired", "checkout.session.async_payment_failed"})
PAID_STATUSES = frozenset({"paid", "no_payment_required"})
ORDER_CODE = re.compile(rf"[A-Z0-9]{{1,{ORDER_CODE_LENGTH}}}")

StripeId = Annotated[str, StringConstraints(pattern=rf"^{STRIPE_ID.pattern}$")]
Text = Annotated[str, StringConstraints(max_length=200)]


class MalformedEvent(Exception):
    """A correctly signed payload that is not a Stripe event Maticko can read (answered 400)."""


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class _EventData(_Strict):
    object: dict[str, Any]


class _Event(_Strict):
    id: StripeId
    object: Literal["event"]
    type: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.]{1,100}$")]
    data: _EventData


class _ExpandedIntent(_Strict):
    id: StripeId


class CheckoutSession(_Strict):
    """The fields of a Checkout Session that Maticko reads."""

    id: StripeId
    object: Literal["checkout.session"]
    amount_total: int | None = None
    currency: Text | None = None
    payment_status: Text = ""
    payment_intent: StripeId | _ExpandedIntent | None = None
    client_reference_id: Text | None = None
    metadata: dict[str, Any] | None = None

    @property
    def intent_id(self) -> str:
        intent = self.payment_intent
        return intent.id if isinstance(intent, _ExpandedIntent) else intent or ""

    def named_order_code(self) -> str | None:
        """The order the session claims to be for (not trusted: only for the audit log)."""
        for code in ((self.metadata or {}).get("order_code"), self.client_reference_id):
            if isinstance(code, str) and ORDER_CODE.fullmatch(code):
                return code
        return None


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    session: CheckoutSession | None  # for checkout.session.* events


def parse(payload: bytes) -> StripeEvent:
    """The event in a (signature-verified) payload. Raises MalformedEvent."""
    try:
        data = json.loads(payload)
        event = _Event.model_validate(data)
        session = None
        if event.type.startswith("checkout.session."):
            session = CheckoutSession.model_validate(event.data.object)
    except (ValueError, RecursionError, ValidationError) as exc:
        # ValidationError and JSONDecodeError are ValueErrors; deep nesting is a RecursionError.
        raise MalformedEvent(_first_error(exc)) from exc
    return StripeEvent(event.id, event.type, session)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "event"
        return f"{where}: {error['msg']}"
    if isinstance(exc, RecursionError):
        return "The JSON is nested too deeply."
    return "The body is not JSON."


def handle(event: StripeEvent, base_url: str) -> str:
    """Apply ``event`` to the order whose Checkout Session it is; return what happened (for
    the log and the response). Raises what lifecycle.mark_paid raises (OrderConflict when a
    late payment finds the tickets gone)."""
    session = event.session
    if session is None or event.type not in PAID_EVENTS | UNPAID_EVENTS:
        return "Ignored: not an event Maticko acts on."
    payment = (
        Payment.objects.select_related("order")
        .filter(provider="stripe", reference=session.id)
        .order_by("-id")
        .first()
    )
    if payment is None:
        return _reject(event, session, None, "not a Checkout Session Maticko created")
    order = payment.order
    if session.amount_total != to_minor_units(payment.amount, order.currency):
        return _reject(event, session, order, "its amount is not the order's")
    if (session.currency or "").lower() != order.currency.lower():
        return _reject(event, session, order, "its currency is not the order's")
    if event.type in PAID_EVENTS:
        if session.payment_status not in PAID_STATUSES:
            return "Ignored: the session is not paid (yet)."
        lifecycle.mark_paid(order, reference=session.id, base_url=base_url)
        if session.intent_id:
            Payment.objects.filter(order=order, provider="stripe", reference=session.id).update(
                charge_reference=session.intent_id
            )
        return "OK: paid."
    lifecycle.expire_unpaid(order)
    return "OK: the payment will not come."


def _reject(event: StripeEvent, session: CheckoutSession, order: Order | None, reason: str) -> str:
    """Change nothing; log it, and note it on the order concerned (or the one the session names)."""
    if order is None:
        code = session.named_order_code()
        order = Order.objects.filter(code=code).first() if code else None
    logger.warning(
        "stripe event ignored",
        extra={"event": event.id, "session": session.id, "order": order and order.code, "reason": reason},
    )
    if order is not None:
        AuditEntry.objects.create(
            order=order,
            action="stripe_event_ignored",
            actor=None,
            actor_label="Stripe",
            detail={"event": event.id, "type": event.type, "session": session.id, "reason": reason},
        )
    return f"Ignored: {reason}."
