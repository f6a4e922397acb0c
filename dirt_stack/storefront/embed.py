"""The embedded storefront: the event page, checkout and order pages framed on an
organizer's own website by the shop widget (``/widget/v1/maticko.js``, ADR 0032).

``/embed/<path>`` serves the storefront's ``<path>`` (the event and organizer pages, the
checkout, the order pages) through the same views: ``EmbedMiddleware`` resolves the request
with ``maticko.embed_urls``, where the ``events`` and ``sales`` namespaces name the
``/embed/`` routes, so every address a view reverses (the checkout after a hold, the order
after the checkout) stays in the frame. Pages know they are framed from the shared
``embed`` prop and drop the site's header and footer.

Each embedded answer may be framed by the websites of the organizer it belongs to
(``Organizer.embed_origins``; any website when it names none) and by Maticko itself (the
back office's preview); every other page keeps ``X-Frame-Options: DENY`` and
``frame-ancestors 'none'``. Embedded requests carry no cookies (a third-party frame's
SameSite=Lax cookies are neither stored nor sent): the hold token and the order's secret
are in the address already, and CSRF is checked by the Origin header
(``core.middleware.EmbedCsrfViewMiddleware``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from accounts.embedding import frame_ancestors
from accounts.models import Organizer
from core.middleware import EMBED_PREFIX, is_embedded
from sales.models import Hold, Order

EMBED_URLCONF = "maticko.embed_urls"
WIDGET_SCRIPT = Path(__file__).resolve().parent / "widget" / "maticko.js"
# The script's address never changes (organizers paste it once), so it cannot be cached
# forever: a day, then revalidated by its ETag (a week of serving the old copy meanwhile).
WIDGET_CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"


def embed_path(path: str) -> str:
    """The embedded counterpart of a storefront address (``/events/x/`` -> ``/embed/events/x/``)."""
    return EMBED_PREFIX.rstrip("/") + path


class EmbedMiddleware:
    """Resolve ``/embed/`` requests with the embedded URLs and let their answers be framed
    by the organizer's websites (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_embedded(request):
            return self.get_response(request)
        # Django resolves a request with its own urlconf when it has one, and reverse()
        # uses it for the rest of the request.
        request.urlconf = EMBED_URLCONF
        response = self.get_response(request)
        response.xframe_options_exempt = True
        # django-csp's per-response replacement of directives.
        response._csp_replace = {  # type: ignore[attr-defined]
            "frame-ancestors": frame_ancestors(_organizer_origins(request.resolver_match))
        }
        return response


def _organizer_origins(match: ResolverMatch | None) -> list[str] | None:
    """The embed origins of the organizer whose page this is; None for a page of none."""
    if match is None:
        return None
    kwargs = match.kwargs
    organizers = Organizer.objects.all()
    if match.view_name == "events:organizer":
        organizers = organizers.filter(slug=kwargs["slug"])
    elif "slug" in kwargs:
        organizers = organizers.filter(events__slug=kwargs["slug"])
    elif isinstance(kwargs.get("token"), uuid.UUID):  # a checkout's hold
        organizers = organizers.filter(
            events__in=Hold.objects.filter(token=kwargs["token"]).values("event_id")
        )
    elif "code" in kwargs:
        code = str(kwargs["code"])[:20]
        organizers = organizers.filter(events__in=Order.objects.filter(code=code).values("event_id"))
    else:
        return None
    found = organizers.values_list("embed_origins", flat=True).first()
    return list(found) if found is not None else None


@cache
def _widget_script() -> tuple[bytes, str, str]:
    body = WIDGET_SCRIPT.read_bytes()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    return body, etag, http_date(WIDGET_SCRIPT.stat().st_mtime)


@require_GET
def widget_script(request: HttpRequest) -> HttpResponse:
    """The shop widget's script: a classic script that organizers load with
    ``<script src=... async>`` from any website (no CORS involved)."""
    body, etag, modified = _widget_script()
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Last-Modified"] = modified
    response["Cache-Control"] = WIDGET_CACHE_CONTROL
    return response
