"""Amounts and moments written for a reader, in their language (Babel, CLDR data).

The browser does the same with ``Intl`` (frontend/src/lib/format.ts); both take the locale
codes of core.locales and give, for instance, "1.234,50 €" in German and "1 234,50 Kč" in
Czech. Amounts keep their currency's own decimals: none for JPY.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal, localcontext

from babel.dates import format_date, format_datetime, format_skeleton, format_time
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


def format_short_moment(moment: dt.datetime, timezone: str, locale: str | None) -> str:
    """A moment named in a sentence, short and without its zone: "Fri 3 Oct 2031, 19:30"
    (en), "Fr., 3. Okt. 2031, 19:30" (de)."""
    zone = zoneinfo.ZoneInfo(timezone)
    local = moment.astimezone(zone)
    language = babel_locale(locale)
    if language == DEFAULT_LANGUAGE:
        # Maticko's English: the day before the month, a 24-hour clock.
        return format_datetime(local, "EEE d MMM y, HH:mm", tzinfo=zone, locale=language)
    day = format_skeleton("yMMMEd", local, tzinfo=zone, locale=language)
    return f"{day}, {format_time(local, format='short', tzinfo=zone, locale=language)}"


def format_day_in_text(moment: dt.datetime, timezone: str, locale: str | None) -> str:
    """A day named in a sentence, without its weekday: "31 December 2100" (en),
    "31. Dezember 2100" (de)."""
    zone = zoneinfo.ZoneInfo(timezone)
    local = moment.astimezone(zone)
    language = babel_locale(locale)
    if language == DEFAULT_LANGUAGE:
        # Maticko's English: the day before the month.
        return format_date(local, "d MMMM y", locale=language)
    return format_date(local, format="long", locale=language)


def format_clock(moment: dt.datetime, timezone: str, locale: str | None) -> str:
    """The time of day only, in the given zone, for a reader: "19:30" (de), "7:30 PM" (en)."""
    return format_time(
        moment.astimezone(zoneinfo.ZoneInfo(timezone)), format="short", locale=babel_locale(locale)
    )


def format_day(moment: dt.datetime, timezone: str, locale: str | None) -> str:
    """The day only, in the given zone, for a reader: "Freitag, 12. Dezember 2031" (de)."""
    local = moment.astimezone(zoneinfo.ZoneInfo(timezone))
    return format_date(local, format="full", locale=babel_locale(locale))
