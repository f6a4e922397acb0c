"""Requests to the organizer API (/api/v1/manage/...) as a token holder."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def call(
    method: str, path: str, token: str | None, body: object | None = None, *, raw: str | None = None
) -> Any:
    """``method`` on ``path`` with ``token`` (None: without one), sending ``body`` as JSON or
    ``raw`` as it is."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = Client()
    if body is None and raw is None:
        return getattr(client, method)(path, headers=headers)
    data = raw if raw is not None else json.dumps(body)
    return getattr(client, method)(path, data, content_type="application/json", headers=headers)
