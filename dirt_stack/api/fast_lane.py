"""The purchase API's fast lane: "sold out" and proof-of-work challenges at the cost of a health check.

After a sell-out the buyers keep trying: almost every ``POST /api/v1/events/{slug}/orders``
is refused 409 "sold out", and the on-sale room's joiners each fetch a
``GET /api/v1/challenge``. ``PurchaseFastLaneMiddleware`` answers both right after the
security middleware (so the answer carries the same security headers, and is logged like
every request by core.middleware.RequestLogMiddleware, which runs first), before sessions,
CSRF, authentication, Inertia, django-ninja's parsing and the view.

A purchase is refused here only when ``api.purchases.create_order`` would answer exactly
the same 409 with the same body, and passed through to it otherwise:

- its shape (event, date, ticket types) was found sold out by a full purchase in this
  process less than ``sales.soldout.REFRESH_SECONDS`` ago, and ``known_sold_out`` says so
  again on what that purchase read (see sales.soldout for the staleness and why it never
  oversells), with this request's quantities and buyer: a request the full path would
  refuse as invalid (422), not on sale or not offered (another 409) is passed through;
- the body is JSON that the route's schema accepts (``PurchaseIn``, the same validation),
  the ``Idempotency-Key`` too, with no voucher, and no earlier order under that key (one
  prepared, indexed lookup: a retry of a placed order replays it, 201);
- nothing the skipped middleware would answer first: the Host header is allowed, the path
  has no control characters, the body is sent as JSON, the common middleware neither
  redirects (``PREPEND_WWW``) nor refuses user agents, and the request carries no session
  cookie (a logged-in session's timeouts are SessionTimeoutMiddleware's).

What the skipped middleware would have added is added here (``X-Frame-Options``,
``Vary: Cookie``, ``Content-Length``), and a database that cannot be reached or is too busy
is answered 503 by core.middleware.DatabaseUnavailableMiddleware's rule. The challenge is
``api.purchases.purchase_challenge``'s answer. The views stay as the routes' documentation
and answer whenever this middleware is not installed or passes a request through.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Annotated

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import ResolverMatch
from django.utils.cache import patch_vary_headers
from pydantic import TypeAdapter
from pydantic import ValidationError as SchemaError

from core.input import InputError, TextRules, load_json, text_problem
from core.middleware import DatabaseUnavailableMiddleware
from core.problems import problem
from sales import challenges, purchase, soldout
from sales.pricing import BuyerDetails

# The route's address, as its path converter accepts the slug (anything but a slash).
_ORDERS = re.compile(r"/api/v1/events/(?P<slug>[^/]+)/orders")
CHALLENGE_PATH = "/api/v1/challenge"
# When a passed-through purchase started: its read is no older (sales.soldout.put).
_SINCE = "purchase_fast_lane_since"

_idempotency_key: TypeAdapter[str | None] = TypeAdapter(Annotated[str, TextRules(200)] | None)


def remember(
    request: HttpRequest,
    slug: str,
    date_id: int | None,
    quantities: dict[int, int],
    target: purchase.PurchaseTarget,
) -> None:
    """Called by a full purchase that found the request sold out: let the fast lane answer
    the same shape from what it read (a no-op when the lane did not pass this request on)."""
    since = getattr(request, _SINCE, None)
    if since is not None:
        soldout.put(soldout.shape(slug, date_id, quantities), since, target)


class PurchaseFastLaneMiddleware:
    """Answer sold-out purchases and challenges before the session and page machinery
    (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.database_errors = DatabaseUnavailableMiddleware(get_response)
        # The route's schema, imported here: api.purchases itself calls ``remember``.
        from api.purchases import PurchaseIn

        self.schema = PurchaseIn

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            match = _ORDERS.fullmatch(request.path_info)
            if match is not None:
                return self._purchase(request, match["slug"])
        elif request.method == "GET" and request.path_info == CHALLENGE_PATH and self._plain(request):
            return self._answer(request, "purchase_challenge", {}, _challenge())
        return self.get_response(request)

    def _purchase(self, request: HttpRequest, slug: str) -> HttpResponse:
        since = soldout.clock()
        try:
            refused = self._refusal(request, slug) if self._plain(request) else None
        except Exception as exc:
            answer = self.database_errors.process_exception(request, exc)
            if answer is None:
                raise
            return answer
        if refused is None:
            setattr(request, _SINCE, since)
            return self.get_response(request)
        return self._answer(request, "create_order", {"slug": slug}, refused)

    @staticmethod
    def _plain(request: HttpRequest) -> bool:
        """No middleware this lane skips would answer first or change the answer."""
        if text_problem(request.path_info) or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return False
        if settings.PREPEND_WWW or settings.DISALLOWED_USER_AGENTS:
            return False  # the common middleware's redirect or 403 first
        try:
            request.get_host()
        except DisallowedHost:
            return False  # refused there, as for any address
        return True

    def _refusal(self, request: HttpRequest, slug: str) -> HttpResponse | None:
        """``create_order``'s 409 "sold out" for this request, or None: let it answer."""
        if request.content_type != "application/json":
            return None
        try:
            order = self.schema.model_validate(load_json(request.body))
            idempotency_key = _idempotency_key.validate_python(request.headers.get("Idempotency-Key"))
        except (InputError, SchemaError, RequestDataTooBig):
            return None  # the route answers it (415, 422...)
        if order.voucher:
            return None
        # As create_order reads the request.
        quantities: dict[int, int] = {}
        for line in order.lines:
            quantities[line.ticket_type_id] = quantities.get(line.ticket_type_id, 0) + line.quantity
        target = soldout.get(soldout.shape(slug, order.date, quantities))
        if target is None:
            return None
        details = BuyerDetails(
            name=order.buyer.name,
            email=order.buyer.email,
            payment_method=order.payment_method,
            attendee_names=[a.name for a in order.attendees or []],
            card_number=order.card_number or "",
        )
        # The key is looked up only for a request that is otherwise refused.
        sold_out = purchase.known_sold_out(
            dataclasses.replace(target, earlier_order=False if idempotency_key else None),
            quantities,
            details,
            voucher_code=order.voucher,
            idempotency_key=idempotency_key,
        )
        if sold_out is None or (idempotency_key and soldout.key_used(target.event.pk, idempotency_key)):
            return None
        return problem(409, str(sold_out))

    @staticmethod
    def _answer(
        request: HttpRequest, url_name: str, kwargs: dict[str, str], response: HttpResponse
    ) -> HttpResponse:
        # The route's name for the request log, as URL resolution would have set it.
        request.resolver_match = ResolverMatch(
            _answered_here, (), kwargs, url_name=url_name, app_names=["ninja"], namespaces=["api"]
        )
        # What the skipped middleware adds to these answers: the authentication middleware
        # reads the session (Vary), then the clickjacking and common middleware.
        patch_vary_headers(response, ("Cookie",))
        response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
        response["Content-Length"] = str(len(response.content))
        # Logged by the request log; after a sell-out these are most requests, not
        # warnings worth a second line each (as create_order's own refusal).
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response


def _challenge() -> HttpResponse:
    """``api.purchases.purchase_challenge``'s answer."""
    response = JsonResponse(challenges.new_challenge())
    response["Cache-Control"] = "no-store"
    return response


def _answered_here(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError("answered by PurchaseFastLaneMiddleware")
