"""Vouchers: finding a valid one for an order, and using it up.

A voucher's use is counted in ``Voucher.redeemed``; a CHECK constraint keeps it
within ``max_usages``, so ``use`` refuses the use beyond the limit however many
buyers race for it. Uses return when an order closes (sales.stock.return_voucher_uses).
"""

from __future__ import annotations

from django.utils import timezone

from core import statements
from core.input import column_length, text_problem
from events.models import Event, EventDate
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import Voucher

USED_UP = "This voucher has already been used up."


class VoucherUsedUp(OrderConflict):
    def __init__(self) -> None:
        super().__init__(USED_UP)


class VoucherGone(OrderConflict):
    def __init__(self) -> None:
        super().__init__("This voucher is no longer valid for this event.")


def find_voucher(event: Event, code: str | None, date: EventDate | None = None) -> Voucher | None:
    """The event's voucher with this code (any case), checked for validity (on ``date``,
    when given); None when no code is given."""
    code = (code or "").strip()
    if not code:
        return None
    if text_problem(code, max_length=column_length(Voucher, "code")):
        raise OrderInvalid("This voucher code is not valid for this event.", "voucher")
    voucher = (
        Voucher.objects.filter(event=event, code__iexact=code)
        .prefetch_related("ticket_types", "dates")
        .first()
    )
    if voucher is None:
        raise OrderInvalid("This voucher code is not valid for this event.", "voucher")
    now = timezone.now()
    if (voucher.valid_from and voucher.valid_from > now) or (
        voucher.valid_until and voucher.valid_until < now
    ):
        raise OrderConflict("This voucher is not valid at this time.")
    valid_dates = {d.pk for d in voucher.dates.all()}
    if date is not None and valid_dates and date.pk not in valid_dates:
        raise OrderConflict("This voucher is not valid for this date.")
    if voucher.redeemed >= voucher.max_usages:
        raise VoucherUsedUp()
    return voucher


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
