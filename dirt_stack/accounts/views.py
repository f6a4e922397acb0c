"""Log in and out. Sign-up, password reset and teams arrive with the catalog."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from inertia import render

from core.inertia import InvalidPayload, form_errors, render_with_errors, submitted_data


def _safe_next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next_url(request, request.GET.get("next"))
    if request.method == "GET":
        return render(request, "Auth/Login", {"next": next_url}, template_data={"page_title": "Log in"})

    try:
        data = submitted_data(request)
    except InvalidPayload as exc:
        return render_with_errors(request, "Auth/Login", {"form": str(exc)}, {"next": next_url})
    # Django's form calls the login field "username"; ours is the email address.
    form = AuthenticationForm(
        request, data={"username": data.get("email", ""), "password": data.get("password", "")}
    )
    if not form.is_valid():
        errors = form_errors(form)
        if "username" in errors:
            errors["email"] = errors.pop("username")
        return render_with_errors(request, "Auth/Login", errors, {"next": next_url})

    login(request, form.get_user())
    messages.success(request, "You are logged in.")
    return redirect(next_url)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("/")
