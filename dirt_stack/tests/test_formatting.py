"""Amounts and moments for a reader (core.formatting): each language's own separators and
currency placement, each currency's own decimals, the event's zone named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.formatting import (
    babel_locale,
    format_day_in_text,
    format_moment,
    format_money,
    format_short_moment,
)


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("de", "EUR", "1.234,50\xa0€"),
        ("en", "EUR", "€1,234.50"),
        ("fr", "EUR", "1\u202f234,50\xa0€"),
        ("cs", "CZK", "1\xa0234,50\xa0Kč"),
        ("en", "JPY", "¥1,235"),
    ],
)
def test_amounts_read_as_their_reader_expects(locale: str, currency: str, expected: str) -> None:
    assert format_money(Decimal("1234.50"), currency, locale) == expected


def test_an_unknown_locale_falls_back_to_the_default_language() -> None:
    assert babel_locale("de-AT") == "de"
    assert babel_locale("xx") == "en"
    assert babel_locale(None) == "en"


def test_a_moment_is_shown_in_the_event_zone_with_the_zone_named() -> None:
    moment = dt.datetime(2026, 12, 10, 18, 30, tzinfo=dt.UTC)
    assert format_moment(moment, "Europe/Prague", "de") == "Donnerstag, 10. Dezember 2026, 19:30 CET"
    assert format_moment(moment, "America/New_York", "en") == "Thursday, December 10, 2026, 1:30\u202fPM EST"
    assert format_moment(moment, "Europe/Prague", "cs", with_zone=False) == "čtvrtek 10. prosince 2026, 19:30"


@pytest.mark.parametrize(
    ("locale", "short", "day"),
    [
        ("en", "Fri 3 Oct 2031, 19:30", "3 October 2031"),
        ("de", "Fr., 3. Okt. 2031, 19:30", "3. Oktober 2031"),
        ("fr", "ven. 3 oct. 2031, 19:30", "3 octobre 2031"),
        ("es", "vie, 3 oct 2031, 19:30", "3 de octubre de 2031"),
        ("cs", "pá 3. 10. 2031, 19:30", "3. října 2031"),
    ],
)
def test_moments_and_days_named_in_a_sentence_follow_the_reader(locale: str, short: str, day: str) -> None:
    moment = dt.datetime(2031, 10, 3, 17, 30, tzinfo=dt.UTC)  # 19:30 in Prague
    assert format_short_moment(moment, "Europe/Prague", locale) == short
    assert format_day_in_text(moment, "Europe/Prague", locale) == day
