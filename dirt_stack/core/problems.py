"""RFC 7807 problem documents: every API error says what went wrong in words."""

from __future__ import annotations

from http import HTTPStatus

from django.http import JsonResponse

# Python's phrase for 422 changed between versions; the API keeps one.
_TITLES = {422: "Unprocessable Content", 429: "Too Many Requests"}


def problem(status: int, detail: str, **extra: object) -> JsonResponse:
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, HTTPStatus(status).phrase),
        "status": status,
        "detail": detail,
        **extra,
    }
    return JsonResponse(body, status=status, content_type="application/problem+json")
