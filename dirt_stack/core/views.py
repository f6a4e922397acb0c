"""Error pages. The health check lives in core.middleware (it must run first)."""

from django.http import HttpRequest, HttpResponse
from inertia import render


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    response = render(request, "Error", {"status": 404})
    response.status_code = 404
    return response
