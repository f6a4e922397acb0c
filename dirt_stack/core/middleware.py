"""Cross-cutting request handling: request logs, the health check, Inertia shared props."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError, connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseForbidden,
    JsonResponse,
)
from django.middleware.csrf import REASON_BAD_ORIGIN, CsrfViewMiddleware
from django.urls import get_callable
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from inertia import share
from inertia.middleware import InertiaMiddleware as BaseInertiaMiddleware

from core import load
from core.database_outage import database_unreachable
from core.health import health_report, live_report
from core.input import text_problem
from core.language import request_language
from core.locales import LANGUAGES
from core.problems import problem
from core.redact import REDACTED, SECRET_URL_KWARGS, redact
from core.schemas import AppInfo, Auth, LocaleOption, User

request_logger = logging.getLogger("maticko.request")

HEALTH_PATHS = frozenset({"/health/", "/health"})  # deep: the database answers too
LIVE_PATHS = frozenset({"/health/live/", "/health/live"})  # shallow: the process answers
# The JSON API: no pages, so none of Inertia's work (its CSRF cookie, shared props).
API_PREFIX = "/api/"
# The storefront's pages for framing on other websites (the shop widget, ADR 0032): their
# requests carry no cookies, so CSRF is checked by the Origin header (EmbedCsrfViewMiddleware).
EMBED_PREFIX = "/embed/"
JSON_TYPES = ("application/json", "application/problem+json")
LOCALES = [LocaleOption(code=code, name=name).model_dump() for code, name in LANGUAGES]
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    """Write one log line per request: method, route name, path (its secrets
    redacted), status, duration, request id.

    The request id is taken from an ``X-Request-ID`` header when it looks sane
    (so a proxy's id follows the request), otherwise generated, and echoed back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming_id = request.headers.get("X-Request-ID", "")
        request_id = incoming_id if _REQUEST_ID_RE.match(incoming_id) else uuid.uuid4().hex
        # For later handlers: an attribute of our own, which django-stubs' HttpRequest lacks.
        request.request_id = request_id  # type: ignore[attr-defined]
        with load.request_in_flight():
            response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        response["X-Request-ID"] = request_id
        path = loggable_path(request)
        match = request.resolver_match
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "route": match.view_name if match else None,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "request_id": request_id,
            },
        )
        return response


def loggable_path(request: HttpRequest) -> str:
    """The request's path with its secrets replaced (core.redact): the URL arguments
    named ``secret`` or ``token`` of the route it resolved to, and known secret routes."""
    path = request.path
    match = request.resolver_match
    if match is not None:
        for name in SECRET_URL_KWARGS & match.kwargs.keys():
            path = path.replace(f"/{match.kwargs[name]}/", f"/{REDACTED}/")
    return redact(path)


# Pages and answers that carry order secrets, tickets or personal data: no cache may keep
# them, neither the browser's (Back after logging out) nor a shared one. The whole API too.
PRIVATE_PREFIXES = (
    "/orders/",
    "/checkout/",
    "/waitlist/",
    "/manage/",
    "/accounts/",
    "/invitations/",
    EMBED_PREFIX,
    API_PREFIX,
)


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` on every response, and ``Cache-Control: no-store, private``
    on private pages (security review L-9). The admin is private too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.private = (*PRIVATE_PREFIXES, f"/{settings.ADMIN_URL}")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path.startswith(self.private):
            patch_cache_control(response, no_store=True, private=True)
        return response


class HealthCheckMiddleware:
    """Answer ``/health/`` and ``/health/live/`` before host validation, HTTPS
    redirects and sessions (core.health, ADR 0021).

    A load balancer probes each instance by its IP address over plain HTTP, so
    this must answer whatever the Host header is, and never redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if request.path in LIVE_PATHS:
            response = JsonResponse(live_report())
        elif request.path in HEALTH_PATHS:
            status, report = health_report()
            response = JsonResponse(report, status=status)
        else:
            return self.get_response(request)
        response["Cache-Control"] = "no-store"
        # Set here because CommonMiddleware, which usually does, has not run.
        response["Content-Length"] = str(len(response.content))
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with a readable body when the database cannot be reached.

    A database failover or restart makes connecting fail for a while; buyers
    and API clients then get "try again shortly" (and a Retry-After) instead
    of a 500, and nothing half-done was committed. The same for a database too
    busy to answer in time (a lock or statement timeout, see settings). Other
    database errors are bugs and stay 500s.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_busy(exception):
            request_logger.warning(
                "database busy", extra={"path": loggable_path(request), "error": str(exception)[:300]}
            )
            message = gettext(
                "Maticko is very busy right now. Nothing was saved; please try again in a moment."
            )
        elif is_database_unavailable(exception):
            request_logger.warning(
                "database unavailable", extra={"path": loggable_path(request), "error": str(exception)[:300]}
            )
            connection.close()
            database_unreachable(exception)
            message = gettext(
                "Maticko cannot reach its database right now. "
                "Nothing was saved; please try again in a moment."
            )
        else:
            return None
        if request.path.startswith(API_PREFIX):
            response: HttpResponse = problem(503, message)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "5"
        return response


class HostileInputMiddleware:
    """Answer before any view reads the request: a path with NUL or control characters
    names nothing (404; no slug, code or token has them). Under /api/, a write whose body
    is not declared JSON is refused (415), so a cross-site form or ``text/plain`` request
    cannot post to the API. API answers are problem documents; pages get the error page.
    Query parameters are each checked where they are read (core/input.py)."""

    WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path_info.startswith(API_PREFIX)
        if text_problem(request.path_info):
            if api:
                return problem(404, "Not found: the address contains control characters.")
            raise Http404("The address contains control characters.")
        if api and request.method in self.WRITES and self._sends_other_than_json(request):
            return problem(415, "Send the request body as JSON, with 'Content-Type: application/json'.")
        return self.get_response(request)

    @staticmethod
    def _sends_other_than_json(request: HttpRequest) -> bool:
        if request.content_type == "application/json" or not request.body:
            return False
        # An empty form (what some clients send for a write without a body) carries nothing.
        forms = ("multipart/form-data", "application/x-www-form-urlencoded")
        return request.content_type not in forms or bool(request.POST or request.FILES)


# PostgreSQL gave up waiting: lock_timeout (55P03) or statement_timeout (57014).
BUSY_SQLSTATES = frozenset({"55P03", "57014"})


def is_database_busy(exception: BaseException) -> bool:
    """True when PostgreSQL cancelled a statement that waited or ran too long."""
    return (
        isinstance(exception, OperationalError)
        and getattr(exception.__cause__, "sqlstate", None) in BUSY_SQLSTATES
    )


def is_database_unavailable(exception: BaseException) -> bool:
    """True for errors that mean "no connection", not for errors in a query."""
    if isinstance(exception, InterfaceError):
        return True
    if isinstance(exception, OperationalError):
        cause = exception.__cause__
        # psycopg: connection failures and the pool running dry; SQLite: the file cannot be opened.
        return (
            cause is None or type(cause).__name__ in UNAVAILABLE_ERRORS or "unable to open" in str(exception)
        )
    return False


UNAVAILABLE_ERRORS = frozenset(
    {
        "OperationalError",
        "PoolTimeout",
        "ConnectionTimeout",
        "AdminShutdown",
        "CannotConnectNow",
        "InterfaceError",
    }
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware for documents only. A browser never renders a JSON
    body (SecurityMiddleware sends ``nosniff``), so building the policy for every
    API response would be work for nothing on the purchase hot path."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith(JSON_TYPES):
            return response
        return super().process_response(request, response)


def is_embedded(request: HttpRequest) -> bool:
    """Whether the request is for a page framed on another website (``/embed/...``)."""
    return request.path_info.startswith(EMBED_PREFIX)


REASON_NO_ORIGIN = "Origin checking failed - the request names no Origin."


class EmbedCsrfViewMiddleware(CsrfViewMiddleware):
    """Django's CSRF protection, except for the embedded storefront (``/embed/``).

    A page framed on another website is a third-party context: browsers neither store nor
    send its SameSite=Lax cookies, so the CSRF cookie Inertia copies into its header never
    arrives. Those requests carry no cookie at all, hence no ambient authority a forged
    request could borrow; what is left to refuse is another site posting through a
    visitor's browser (their address counts against the purchase limits). Browsers name the
    page that sends a POST in ``Origin``, which a page cannot forge, so an unsafe embedded
    request must name this site (or one of ``CSRF_TRUSTED_ORIGINS``); no Origin, no write.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def process_view(
        self,
        request: HttpRequest,
        callback: Callable[..., HttpResponseBase],
        callback_args: tuple[Any, ...],
        callback_kwargs: dict[str, Any],
    ) -> HttpResponseForbidden | None:
        if not is_embedded(request):
            return super().process_view(request, callback, callback_args, callback_kwargs)
        if request.method in self.SAFE_METHODS or getattr(callback, "csrf_exempt", False):
            return None
        if getattr(request, "_dont_enforce_csrf_checks", False):  # Django's test client
            return None
        origin = request.headers.get("Origin")
        if origin is None:
            return self._refuse(request, REASON_NO_ORIGIN)
        if origin != own_origin(request) and origin not in settings.CSRF_TRUSTED_ORIGINS:
            return self._refuse(request, REASON_BAD_ORIGIN % origin)
        return None

    @staticmethod
    def _refuse(request: HttpRequest, reason: str) -> HttpResponseForbidden:
        request_logger.warning(
            "embedded request refused", extra={"path": loggable_path(request), "reason": reason}
        )
        failure_view = get_callable(settings.CSRF_FAILURE_VIEW)
        response: HttpResponseForbidden = failure_view(request, reason=reason)
        return response


def own_origin(request: HttpRequest) -> str | None:
    """This site's origin as the request reached it (``https://host``), None for a bad Host."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'https' if request.is_secure() else 'http'}://{host}"


class InertiaMiddleware(BaseInertiaMiddleware):
    """Inertia's middleware for pages only. On every response it issues a CSRF
    token for Inertia's HTTP client; API responses need none, and generating one
    is a measurable share of a purchase request at an on-sale rush."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class InertiaSharedPropsMiddleware:
    """Props every page receives: the logged-in user and the app's identity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        share_page_props(request)
        return self.get_response(request)


def share_page_props(request: HttpRequest) -> None:
    """Share the props every page receives (``core.schemas.SharedProps``). Error pages
    rendered before this middleware ran (a refused Host header) share them themselves."""
    share(
        request,
        app=AppInfo(name="Maticko", version=settings.APP_VERSION).model_dump(),
        auth=lambda: Auth(user=_user_props(request)).model_dump(),
        embed=is_embedded(request),
        # Read when the page is rendered: an event's page may have switched to its language.
        locale=lambda: request_language(request),
        locales=LOCALES,
        # Views that validate a form replace this with the field errors.
        errors={},
    )


def _user_props(request: HttpRequest) -> User | None:
    # No user before AuthenticationMiddleware has run (an error page for a refused request).
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return User(email=user.email, name=user.get_full_name())
