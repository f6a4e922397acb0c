"""The on-sale room's status answer, answered early: the request the waiting crowd repeats.

``QueueStatusMiddleware`` answers ``GET /events/<slug>/queue/status/`` and
``GET /api/v1/events/<slug>/queue`` right after the security middleware (so the answer
carries the same security headers and is logged like every request, by
core.middleware.RequestLogMiddleware, which runs first) and before the session, CSRF,
authentication, messages and Inertia middleware, none of which a status needs: it reads
no session and sets no cookie but the admission cookie on the visitor's turn. The
answer is ``storefront.room.status_answer``'s, the same as the two views' (which stay
as the routes' documentation and answer when this middleware is not installed); an
address that names no public event falls through to them (their 404).

What the skipped middleware would have done and is kept here: a Host header that is
not allowed goes the usual way (the 400 page), ``X-Frame-Options`` is set, and a database
that cannot be reached or is too busy is answered 503 by
core.middleware.DatabaseUnavailableMiddleware's rule, not a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from core.middleware import DatabaseUnavailableMiddleware
from storefront import room
from storefront.views import queue

# The two status addresses; the slug as the routes accept it (Django's <slug:> converter).
_WEB_STATUS = re.compile(r"/events/(?P<slug>[-a-zA-Z0-9_]+)/queue/status/")
_API_STATUS = re.compile(r"/api/v1/events/(?P<slug>[-a-zA-Z0-9_]+)/queue")


class QueueStatusMiddleware:
    """Answer the queue status requests before the session and page machinery (see the
    module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.database_errors = DatabaseUnavailableMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET":
            return self.get_response(request)
        path = request.path_info
        match = _WEB_STATUS.fullmatch(path)
        api = match is None
        if match is None:
            match = _API_STATUS.fullmatch(path)
            if match is None:
                return self.get_response(request)
        try:
            request.get_host()
        except DisallowedHost:
            return self.get_response(request)  # refused there, as for any address
        slug = match["slug"]
        # The route's name for the request log, as URL resolution would have set it
        # (the API's path is named after its first operation, the join).
        request.resolver_match = ResolverMatch(
            queue.queue_status,
            (),
            {"slug": slug},
            url_name="join_queue" if api else "queue_status",
            app_names=["ninja" if api else "events"],
            namespaces=["api" if api else "events"],
        )
        try:
            response = room.status_answer(request, slug, api=api)
        except Exception as exc:
            answer = self.database_errors.process_exception(request, exc)
            if answer is None:
                raise
            return answer
        if response is None:
            request.resolver_match = None
            return self.get_response(request)
        response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
        return response
