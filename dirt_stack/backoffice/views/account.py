"""Accounts: sign up, log in and out, password reset and change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_http_methods, require_POST

from accounts import two_factor
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from backoffice.forms import SignupForm
from backoffice.redirects import safe_next_url as _safe_next_url
from backoffice.schemas import (
    LoginPageProps,
    PasswordChangePageProps,
    PasswordResetConfirmPageProps,
    PasswordResetPageProps,
    SignupPageProps,
)
from backoffice.views.two_factor import begin_second_step
from core import ratelimit
from core.inertia import form_errors, render_page, render_with_errors, submitted_data
from core.schemas import PageProps

# Attempts per client address and email, and per address alone.
LOGIN_LIMIT_PER_ACCOUNT = ratelimit.RateLimit(limit=5, window_seconds=300)
LOGIN_LIMIT_PER_ADDRESS = ratelimit.RateLimit(limit=30, window_seconds=300)
PASSWORD_RESET_LIMIT = ratelimit.RateLimit(limit=5, window_seconds=3600)


def _page(request: HttpRequest, props: PageProps, title: str) -> HttpResponse:
    return render_page(request, props, template_data={"page_title": title})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next_url(request, request.GET.get("next"))
    props = LoginPageProps(next=next_url)
    if request.method == "GET":
        return _page(request, props, "Log in")

    data = submitted_data(request)
    email = str(data.get("email", "")).strip().lower()
    address = ratelimit.client_ip(request)
    for key, rule in (
        (ratelimit.key_for("login", address, email), LOGIN_LIMIT_PER_ACCOUNT),
        (ratelimit.key_for("login", address), LOGIN_LIMIT_PER_ADDRESS),
    ):
        verdict = ratelimit.hit(key, rule)
        if not verdict.allowed:
            minutes = max(1, round(verdict.retry_after / 60))
            message = f"Too many login attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
            response = render_with_errors(request, props, {"form": message}, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response

    form = AuthenticationForm(request, data={"username": email, "password": data.get("password", "")})
    if not form.is_valid():
        errors = form_errors(form)
        if "username" in errors:
            errors["email"] = errors.pop("username")
        return render_with_errors(request, props, errors)

    user = form.get_user()
    if two_factor.is_enabled(user):
        return begin_second_step(request, user, next_url)
    login(request, user)
    messages.success(request, "You are logged in.")
    return redirect(next_url)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("/")


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next_url(request, request.GET.get("next"), default="/manage/")
    props = SignupPageProps(next=next_url)
    if request.method == "GET":
        return _page(request, props, "Sign up")
    form = SignupForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, props, form_errors(form))
    user = User.objects.create_user(
        form.cleaned_data["email"], form.cleaned_data["password"], full_name=form.cleaned_data["full_name"]
    )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Welcome to Maticko! Your account is ready.")
    return redirect(next_url)


@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, PasswordResetPageProps(), "Reset your password")
    form = PasswordResetForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, PasswordResetPageProps(), form_errors(form))
    email = form.cleaned_data["email"].lower()
    verdict = ratelimit.hit(ratelimit.key_for("password-reset", email), PASSWORD_RESET_LIMIT)
    if verdict.allowed:
        form.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="backoffice/email/password_reset_subject.txt",
            email_template_name="backoffice/email/password_reset.txt",
            html_email_template_name="backoffice/email/password_reset.html",
        )
    # The same answer whether or not the address has an account.
    messages.success(
        request, "If an account uses that address, we have emailed it a link to reset the password."
    )
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from_uid(uidb64)
    if user is None or not default_token_generator.check_token(user, token):
        return _page(request, PasswordResetConfirmPageProps(valid=False), "Choose a new password")
    props = PasswordResetConfirmPageProps(valid=True)
    if request.method == "GET":
        return _page(request, props, "Choose a new password")
    data = submitted_data(request)
    form = SetPasswordForm(
        user, {"new_password1": data.get("password", ""), "new_password2": data.get("password", "")}
    )
    if not form.is_valid():
        errors = form_errors(form)
        errors["password"] = errors.pop("new_password2", errors.pop("new_password1", ""))
        return render_with_errors(request, props, {k: v for k, v in errors.items() if v})
    form.save()
    messages.success(request, "Your password has been changed. Log in with the new one.")
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, PasswordChangePageProps(), "Change your password")
    data = submitted_data(request)
    form = PasswordChangeForm(
        request.user,
        {
            "old_password": data.get("current_password", ""),
            "new_password1": data.get("new_password", ""),
            "new_password2": data.get("new_password", ""),
        },
    )
    if not form.is_valid():
        errors = form_errors(form)
        renamed = {
            "current_password": errors.get("old_password"),
            "new_password": errors.get("new_password2") or errors.get("new_password1"),
            "form": errors.get("form"),
        }
        return render_with_errors(request, PasswordChangePageProps(), {k: v for k, v in renamed.items() if v})
    form.save()
    update_session_auth_hash(request, form.user)
    messages.success(request, "Your password has been changed.")
    return redirect("backoffice:home")


def _user_from_uid(uidb64: str) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
