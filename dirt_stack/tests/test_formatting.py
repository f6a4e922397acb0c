"""Amounts and moments for a reader (core.formatting): each language's own separators and
currency placement, each currency's own decimals, the event's zone named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.formatting import babel_locale, format_moment, format_money


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
