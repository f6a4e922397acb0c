"""The REST API: django-ninja, mounted at /api/v1/.

Errors are RFC 7807 problem documents (``application/problem+json``) with a
human-readable ``detail``; never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE
from ninja.parser import Parser

from api.auth import RateLimited
from api.checkin import router as checkin_router
from api.door import router as door_router
from api.manage import router as manage_router
from api.problems import problem
from api.public import router as public_router
from api.purchases import router as purchases_router
from api.queue import router as queue_router
from api.waitlist import router as waitlist_router
from core.input import InputError, load_json
from core.middleware import is_database_busy, is_database_unavailable
from webhooks import payloads

logger = logging.getLogger(__name__)


class NotJson(InputError):
    """A body sent as something else than JSON (answered 415)."""


class StrictJsonParser(Parser):
    """Bodies are strict JSON of bounded depth (``core.input.load_json``), sent as JSON:
    django-ninja would parse any content type's body."""

    def parse_body(self, request: HttpRequest) -> Any:
        if request.content_type != "application/json":
            raise NotJson("Send the request body as JSON, with 'Content-Type: application/json'.")
        return load_json(request.body)


class MatickoAPI(NinjaAPI):
    """The API, whose OpenAPI document also describes the webhook messages Maticko sends
    (OpenAPI 3.1's top-level ``webhooks``; webhooks.payloads)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        document = super().get_openapi_schema(*args, **kwargs)
        sent, definitions = payloads.openapi_webhooks(REF_TEMPLATE)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.items():
            components.setdefault(name, definition)
        document["webhooks"] = sent
        return document


api = MatickoAPI(
    title="Maticko API",
    version="1",
    description="Events, ticket types and live availability; purchases and check-in for programs.",
    urls_namespace="api",
    parser=StrictJsonParser(),
)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything unexpected: logged with its traceback, answered without its details. A
    database that is down or busy is core.middleware's 503."""
    if is_database_busy(exc) or is_database_unavailable(exc):
        raise exc
    logger.exception("unhandled error in the API", extra={"path": request.path})
    return problem(500, "Something went wrong on our side; it was logged. Please try again later.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    # A body that did not parse: say why when our own rules refused it.
    if isinstance(cause, NotJson):
        return problem(415, str(cause))
    detail = str(cause) if isinstance(cause, InputError) else str(exc)
    return problem(exc.status_code, detail)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, str(exc) or "Not found.")


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": list(error.get("loc", [])),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    return problem(422, "The request is not valid; see errors.", errors=errors)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(403, str(exc) or "You may not do this.")


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = problem(429, str(exc))
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(401, "Send a valid organizer token as 'Authorization: Bearer <token>'.")


api.add_router("/", public_router)
api.add_router("/", purchases_router)
api.add_router("/", queue_router)
api.add_router("/", waitlist_router)
api.add_router("/", checkin_router)
api.add_router("/", door_router)
api.add_router("/", manage_router)
