"""Amounts and moments written for a reader, in their language (Babel, CLDR data).

The browser does the same with ``Intl`` (frontend/src/lib/format.ts); both take the locale
codes of core.locales and give, for instance, "1.234,50 €" in German and "1 234,50 Kč" in
Czech. Amounts keep their currency's own decimals: none for JPY.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal, localcontext

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from core.locales import DEFAULT_LANGUAGE, LANGUAGE_CODES


def babel_locale(locale: str | None) -> str:
    """A locale code Babel knows: one of Maticko's languages, else the default."""
    if locale in LANGUAGE_CODES:
        return str(locale)
    if locale and locale.split("-")[0].lower() in LANGUAGE_CODES:
        return locale.split("-")[0].lower()
    return DEFAULT_LANGUAGE


def format_money(amount: Decimal | int | str, currency: str, locale: str | None) -> str:
    """ "1.234,50 €" (de), "€1,234.50" (en), "1 235 ¥"-style whole amounts for currencies
    without minor units."""
    # Half up, as core.money rounds (Babel follows the decimal context's rounding).
    with localcontext(rounding=ROUND_HALF_UP):
        return format_currency(Decimal(amount), currency, locale=babel_locale(locale), currency_digits=True)


def format_moment(moment: dt.datetime, timezone: str, locale: str | None, *, with_zone: bool = True) -> str:
    """A moment in the given zone (the event's), for a reader: "Donnerstag, 10. Dezember
    2026, 19:30 CET", with the zone named so that a reader elsewhere is not misled."""
    zone = zoneinfo.ZoneInfo(timezone)
    local = moment.astimezone(zone)
    language = babel_locale(locale)
    day = format_date(local, format="full", locale=language)
    text = f"{day}, {format_time(local, format='short', locale=language)}"
    return f"{text} {local.tzname()}" if with_zone else text


def format_clock(moment: dt.datetime, timezone: str, locale: str | None) -> str:
    """The time of day only, in the given zone, for a reader: "19:30" (de), "7:30 PM" (en)."""
    return format_time(
        moment.astimezone(zoneinfo.ZoneInfo(timezone)), format="short", locale=babel_locale(locale)
    )


def format_day(moment: dt.datetime, timezone: str, locale: str | None) -> str:
    """The day only, in the given zone, for a reader: "Freitag, 12. Dezember 2031" (de)."""
    local = moment.astimezone(zoneinfo.ZoneInfo(timezone))
    return format_date(local, format="full", locale=babel_locale(locale))
