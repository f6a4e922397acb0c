"""The interface languages Maticko speaks, and how a request's language is remembered.

One list for the server (``settings.LANGUAGES``), the pages (the shared ``locales`` prop)
and the order (``Order.locale``: every message to its buyer is written in it).
"""

from __future__ import annotations

# (code, the language's own name): the switcher shows each language in itself.
LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("cs", "Čeština"),
]
LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _ in LANGUAGES)
DEFAULT_LANGUAGE = "en"

# The buyer's choice in the switcher, remembered for a year (read before Accept-Language).
LANGUAGE_COOKIE_NAME = "maticko_locale"
# The longest code a locale field holds ("en", "pt-br", the pseudo-locale "en-x-pseudo").
LOCALE_MAX_LENGTH = 16
