"""Helpers for Inertia views: reading submitted data and answering with form errors."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import BadRequest
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict
from inertia import render


class InvalidPayload(BadRequest):
    """The request body is not the JSON object or form data a form expects (answered with 400)."""


def submitted_data(request: HttpRequest) -> QueryDict | dict[str, Any]:
    """Return the submitted fields of a form post.

    Inertia's ``useForm`` sends JSON; plain HTML forms and tests may send
    urlencoded or multipart data, which Django has already parsed.
    """
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidPayload("The request body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise InvalidPayload("The request body must be a JSON object.")
        return data
    return request.POST


def form_errors(form: Form) -> dict[str, str]:
    """Django form errors as Inertia expects them: one message per field.

    Errors that belong to no field are reported under ``form``.
    """
    errors: dict[str, str] = {}
    for field, messages in form.errors.items():
        errors["form" if field == "__all__" else field] = " ".join(str(m) for m in messages)
    return errors


def render_with_errors(
    request: HttpRequest,
    component: str,
    errors: dict[str, str],
    props: dict[str, Any] | None = None,
) -> HttpResponse:
    """Re-render a form page with validation errors and a 422 status."""
    response = render(request, component, {**(props or {}), "errors": errors})
    response.status_code = 422
    return response
