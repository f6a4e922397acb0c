"""What the sales services raise when an order cannot be placed or changed.

Interfaces answer OrderInvalid with 422 (or a form error on ``field``) and
OrderConflict with 409 (or a message): the same for the web and the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sales.models import Order


class OrderInvalid(Exception):
    """The request itself is wrong (answered 422). ``field`` names the input at fault;
    ``errors`` has every field at fault with its message, the first one first (a form shows
    them all at once)."""

    def __init__(self, message: str, field: str = "form", errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors = errors or {field: message}


class OrderConflict(Exception):
    """The request is fine but cannot be served now (409): sold out, sales closed,
    voucher used up, an order in a state that does not allow the action."""


class PaymentUnavailable(OrderConflict):
    """The order is written and its tickets reserved, but the payment provider could not
    be reached to open its payment page: the buyer retries from the order's page ("Pay
    now"). Interfaces answer 503 (or a message on the order's page) naming ``order``."""

    def __init__(self, message: str, order: Order) -> None:
        super().__init__(message)
        self.order = order


class IdempotencyMismatch(OrderInvalid):
    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used for a different purchase.", "idempotency_key")
