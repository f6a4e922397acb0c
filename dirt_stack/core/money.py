"""Money amounts: Decimal everywhere, two decimal places, strings on the wire."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(amount: Decimal | int) -> str:
    """ "12.50": how amounts travel to the pages and the API (never a float). A whole
    number is an amount too (``sum`` of no Decimals is the int 0)."""
    return str(quantize(Decimal(amount)))
