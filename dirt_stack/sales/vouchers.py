"""Vouchers: finding a valid one for an order, and using it up.

A voucher's use is counted in ``Voucher.redeemed``; a CHECK constraint keeps it
within ``max_usages``, so ``use`` refuses the use beyond the limit however many
buyers race for it. Uses return when an order closes (sales.stock.return_voucher_uses).
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core import ratelimit, statements
from core.input import column_length, text_problem
from events.models import Event, EventDate
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import Voucher

logger = logging.getLogger(__name__)

USED_UP = gettext_lazy("This voucher has already been used up.")


class VoucherUsedUp(OrderConflict):
    def __init__(self) -> None:
        super().__init__(str(USED_UP))


class VoucherGone(OrderConflict):
    def __init__(self) -> None:
        super().__init__(gettext("This voucher is no longer valid for this event."))


class TooManyGuesses(Exception):
    """Too many unknown voucher codes from one address for one event (answered 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            gettext(
                "Too many voucher codes that do not exist were tried from your address. "
                "Try again in %(seconds)s seconds."
            )
            % {"seconds": retry_after}
        )
        self.retry_after = retry_after


def find_voucher(
    event: Event, code: str | None, date: EventDate | None = None, *, client: str | None = None
) -> Voucher | None:
    """The event's voucher with this code (any case), checked for validity (on ``date``,
    when given); None when no code is given.

    With ``client`` (the buyer's address), unknown codes are counted per address and
    event, and past ``VOUCHER_GUESS_LIMIT`` in the window every lookup is refused with
    TooManyGuesses, so codes cannot be found by trying them (security review M-4)."""
    code = (code or "").strip()
    if not code:
        return None
    guesses = _guesses_key(event, client)
    if guesses:
        verdict = ratelimit.peek(guesses, _guess_rule())
        if not verdict.allowed:
            raise TooManyGuesses(verdict.retry_after)
    if text_problem(code, max_length=column_length(Voucher, "code")):
        raise OrderInvalid(gettext("This voucher code is not valid for this event."), "voucher")
    voucher = (
        Voucher.objects.filter(event=event, code__iexact=code)
        .prefetch_related("ticket_types", "dates")
        .first()
    )
    if voucher is None:
        if guesses:
            counted = ratelimit.hit(guesses, _guess_rule())
            if counted.count == settings.VOUCHER_GUESS_LIMIT:
                logger.warning(
                    "voucher guesses limit reached", extra={"event_id": event.pk, "client": client}
                )
        raise OrderInvalid(gettext("This voucher code is not valid for this event."), "voucher")
    now = timezone.now()
    if (voucher.valid_from and voucher.valid_from > now) or (
        voucher.valid_until and voucher.valid_until < now
    ):
        raise OrderConflict(gettext("This voucher is not valid at this time."))
    valid_dates = {d.pk for d in voucher.dates.all()}
    if date is not None and valid_dates and date.pk not in valid_dates:
        raise OrderConflict(gettext("This voucher is not valid for this date."))
    if voucher.redeemed >= voucher.max_usages:
        raise VoucherUsedUp()
    return voucher


# Letters and digits a reader cannot confuse (no 0/O, 1/I/L, U).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_GROUPS = 4


def generate_code() -> str:
    """A random voucher code such as ``K7QM-XW3D-9HTB-RP2F``: 16 characters of 30, about
    78 bits, which no rate of guessing finds (the default when an organizer gives none)."""
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(CODE_GROUPS))


def _guess_rule() -> ratelimit.RateLimit:
    return ratelimit.RateLimit(settings.VOUCHER_GUESS_LIMIT, settings.VOUCHER_GUESS_WINDOW)


def _guesses_key(event: Event, client: str | None) -> str | None:
    if client is None or settings.VOUCHER_GUESS_LIMIT <= 0:
        return None
    return ratelimit.key_for("voucher-guess", client, str(event.pk))


def use(voucher_id: int) -> statements.Claim:
    """The claim that uses one of the voucher's uses: VoucherUsedUp at its limit,
    VoucherGone if it was deleted meanwhile."""
    return statements.Claim(
        name="voucher_use",
        model=Voucher,
        assignments="redeemed = redeemed + 1",
        condition="id = %s",
        params=(voucher_id,),
        refused=lambda name: VoucherGone() if name == "voucher_use" else VoucherUsedUp(),
        constraints=frozenset({"voucher_redeemed_within_limit"}),
    )
