"""What the on-sale room's services raise."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from sales.exceptions import OrderConflict


class RoomClosed(OrderConflict):
    """The event has no active room to join (none, disabled, or its queue not yet open)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or gettext("This event has no waiting room open now."))


class AdmissionRequired(OrderConflict):
    """A hold or purchase while the event's room is active, without a valid admission.

    ``reason`` is one of ``REASONS``; interfaces answer 403 with a link to the queue."""

    REASONS = frozenset({"missing", "invalid", "expired", "other_browser", "used"})

    MESSAGES = {
        "missing": gettext_lazy(
            "Tickets for this event are sold through its waiting room: join the queue to get your turn."
        ),
        "invalid": gettext_lazy(
            "Your admission to this event's queue is not valid: join the queue to get your turn."
        ),
        "expired": gettext_lazy(
            "Your turn in this event's queue has ended: join the queue again to get a new turn."
        ),
        "other_browser": gettext_lazy(
            "Your admission belongs to the browser that waited in the queue: continue there, or join the "
            "queue here."
        ),
        "used": gettext_lazy(
            "Your admission to this event's queue was already used or has ended: join the queue again to "
            "get a new turn."
        ),
    }

    def __init__(self, reason: str, message: str | None = None) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"Unknown admission refusal {reason!r}.")
        super().__init__(message or str(self.MESSAGES[reason]))
        self.reason = reason


class JoinRefused(Exception):
    """A join refused before any entry is written (the interfaces answer 429 or 428)."""


class TooManyJoins(JoinRefused):
    """Past ``ONSALE_JOINS_PER_ADDRESS_PER_MINUTE`` from this address; ``retry_after``
    is the number of seconds until the address's window ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            gettext("Too many joins from your address. Try again in %(seconds)s seconds.")
            % {"seconds": retry_after}
        )
        self.retry_after = retry_after


class ProofRefused(JoinRefused):
    """The proof of work is not a valid, unexpired solution of ours, or was used before."""
