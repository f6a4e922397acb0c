"""Cross-cutting request handling: request logs, the health check, Inertia shared props."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from inertia import share

from core.health import health_report

request_logger = logging.getLogger("maticko.request")

HEALTH_PATHS = frozenset({"/health/", "/health"})
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    """Write one log line per request: method, path, status, duration, request id.

    The request id is taken from an ``X-Request-ID`` header when it looks sane
    (so a proxy's id follows the request), otherwise generated, and echoed back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming_id = request.headers.get("X-Request-ID", "")
        request_id = incoming_id if _REQUEST_ID_RE.match(incoming_id) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        response["X-Request-ID"] = request_id
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "request_id": request_id,
            },
        )
        return response


class HealthCheckMiddleware:
    """Answer ``/health/`` before host validation, HTTPS redirects and sessions.

    A load balancer probes each instance by its IP address over plain HTTP, so
    this must answer whatever the Host header is, and never redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in HEALTH_PATHS and request.method in ("GET", "HEAD"):
            status, report = health_report()
            response = JsonResponse(report, status=status)
            response["Cache-Control"] = "no-store"
            # Set here because CommonMiddleware, which usually does, has not run.
            response["Content-Length"] = str(len(response.content))
            return response
        return self.get_response(request)


class InertiaSharedPropsMiddleware:
    """Props every page receives: the logged-in user and the app's identity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        share(
            request,
            app={"name": "Maticko", "version": settings.APP_VERSION},
            auth=lambda: {"user": _user_props(request)},
            # Views that validate a form replace this with the field errors.
            errors={},
        )
        return self.get_response(request)


def _user_props(request: HttpRequest) -> dict[str, str] | None:
    user = request.user
    if not user.is_authenticated:
        return None
    return {"email": user.email, "name": user.get_full_name()}
