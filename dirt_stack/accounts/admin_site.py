"""The Django admin's site, behind the login limits of the application's own login:
per client address here, per account in the authentication backend (accounts.lockout)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from accounts import lockout


class ThrottledAdminSite(admin.AdminSite):
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "POST":
            email = str(request.POST.get("username", "")).strip().lower()
            refusal = lockout.address_refusal(request, email)
            if refusal is not None:
                response = HttpResponse(
                    lockout.too_many_attempts_message(refusal), status=429, content_type="text/plain"
                )
                response["Retry-After"] = str(refusal.retry_after)
                return response
        return super().login(request, extra_context)
