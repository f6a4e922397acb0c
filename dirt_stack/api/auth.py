"""Organizer token authentication for the API: ``Authorization: Bearer mtk_...``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts import tokens
from accounts.models import ApiToken


class OrganizerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return tokens.authenticate(token)
