"""Which language a request is answered in, and the middleware that activates it.

The buyer's choice comes first (the ``maticko_locale`` cookie the language switcher sets,
when it names one of ``core.locales.LANGUAGE_CODES``), then the browser's
``Accept-Language``, then, on an event's pages, the event's own language
(``use_event_language``), then English. An unknown code (``en-x-pseudo``, the frontend's
pseudo-locale for its tests, or anything else) counts as no choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from core.locales import DEFAULT_LANGUAGE, LANGUAGE_CODES, LANGUAGE_COOKIE_NAME, LOCALE_MAX_LENGTH

# Where a request's language came from: only a "default" one gives way to an event's.
Source = Literal["cookie", "header", "event", "default"]

# The JSON API answers in English whatever the buyer's language (its problem documents are
# read by programs); the buyer's language still goes to the orders it writes.
API_PREFIX = "/api/"


def supported(code: object) -> str | None:
    """``code`` as one of Maticko's languages ("de-AT" is "de"), or None."""
    if not isinstance(code, str) or not code or len(code) > LOCALE_MAX_LENGTH:
        return None
    code = code.strip().lower()
    if code in LANGUAGE_CODES:
        return code
    # A regional variant ("de-at", "cs_cz") is its language; a private use subtag
    # ("en-x-pseudo") is not a language of ours.
    base, _, rest = code.replace("_", "-").partition("-")
    if base in LANGUAGE_CODES and not rest.startswith("x-") and rest != "x":
        return base
    return None


def cookie_language(request: HttpRequest) -> str | None:
    """The language the buyer chose in the switcher, when it is one of ours."""
    value = request.COOKIES.get(LANGUAGE_COOKIE_NAME)
    return value if value in LANGUAGE_CODES else None


def header_language(request: HttpRequest) -> str | None:
    """The first language of ``Accept-Language`` (in the browser's order of preference)
    that Maticko speaks. Django's parser reads at most the header's first 500 characters
    and drops what does not parse."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    if not header or "\x00" in header:
        return None
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        language = supported(code)
        if language:
            return language
    return None


def resolve(request: HttpRequest) -> tuple[str, Source]:
    """The request's language and where it came from."""
    chosen = cookie_language(request)
    if chosen:
        return chosen, "cookie"
    accepted = header_language(request)
    if accepted:
        return accepted, "header"
    return DEFAULT_LANGUAGE, "default"


def request_language(request: HttpRequest) -> str:
    """The buyer's language for ``request`` (what an order written now remembers)."""
    language = getattr(request, "LANGUAGE_CODE", None)
    return language if language in LANGUAGE_CODES else resolve(request)[0]


def active_language() -> str:
    """The active language as one of Maticko's (English when it is none of them): during a
    request, the request's, so a message queued now for its sender is written in it."""
    return supported(translation.get_language()) or DEFAULT_LANGUAGE


def use_event_language(request: HttpRequest, event_locale: str) -> None:
    """On an event's page (its shop, its checkout; an order's page with the order's
    language): speak that language when the buyer chose none and the browser named none
    of ours."""
    if getattr(request, "language_source", "default") != "default":
        return
    language = supported(event_locale)
    if language is None:
        return
    request.LANGUAGE_CODE = language
    request.language_source = "event"  # type: ignore[attr-defined]
    if not request.path_info.startswith(API_PREFIX):
        translation.activate(language)


class LanguageMiddleware:
    """Activate the request's language (``resolve``) for its views and templates, and say
    which one the answer is in: ``Content-Language``, and ``Vary: Cookie, Accept-Language``
    so that no cache gives one buyer's language to another. The API answers in English,
    whatever the request's language (which its purchases still record)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language, source = resolve(request)
        request.LANGUAGE_CODE = language
        request.language_source = source  # type: ignore[attr-defined]
        api = request.path_info.startswith(API_PREFIX)
        translation.activate(DEFAULT_LANGUAGE if api else language)
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        if api:
            # The same English answer whatever the language: nothing to vary on, as the API's
            # fast lane (api/fast_lane.py), which answers before this middleware, says too.
            return response
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
