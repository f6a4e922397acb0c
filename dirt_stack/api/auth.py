"""Organizer token authentication for the API: ``Authorization: Bearer mtk_...``."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from accounts import tokens
from accounts.models import ApiToken
from core import ratelimit


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests with this token. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


class OrganizerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = tokens.authenticate(token)
        if api_token is not None and settings.API_RATE_LIMIT > 0:
            rule = ratelimit.RateLimit(settings.API_RATE_LIMIT, 60)
            verdict = ratelimit.hit(ratelimit.key_for("api-token", str(api_token.pk)), rule)
            if not verdict.allowed:
                raise RateLimited(verdict.retry_after)
        return api_token


def request_token(request: HttpRequest) -> ApiToken:
    """The token ``OrganizerToken`` accepted for this request (django-ninja puts it on
    ``request.auth``). A route that does not require one gets an AuthenticationError."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        raise AuthenticationError()
    return token
