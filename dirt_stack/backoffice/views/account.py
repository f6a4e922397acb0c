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
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import emails, lockout, signup, two_factor
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from backoffice.forms import SignupConfirmForm, SignupForm
from backoffice.redirects import safe_next_url as _safe_next_url
from backoffice.schemas import (
    LoginPageProps,
    PasswordChangePageProps,
    PasswordResetConfirmPageProps,
    PasswordResetPageProps,
    SignupConfirmPageProps,
    SignupPageProps,
)
from backoffice.views.two_factor import begin_second_step
from core import ratelimit
from core.inertia import form_errors, render_page, render_with_errors, submitted_data
from core.schemas import PageProps

# Signups and reset requests per client address (429 past them), and emails per address
# (past that, the same answer and no email: a victim's inbox is not flooded).
SIGNUP_LIMIT_PER_ADDRESS = ratelimit.RateLimit(limit=10, window_seconds=3600)
SIGNUP_LIMIT_PER_EMAIL = ratelimit.RateLimit(limit=3, window_seconds=3600)
PASSWORD_RESET_LIMIT_PER_ADDRESS = ratelimit.RateLimit(limit=20, window_seconds=3600)
PASSWORD_RESET_LIMIT = ratelimit.RateLimit(limit=5, window_seconds=3600)


def _page(request: HttpRequest, props: PageProps, title: str) -> HttpResponse:
    return render_page(request, props, template_data={"page_title": title})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next_url(request, request.GET.get("next"))
    props = LoginPageProps(next=next_url)
    if request.method == "GET":
        return _page(request, props, gettext("Log in"))

    data = submitted_data(request)
    email = str(data.get("email", "")).strip().lower()
    # Per address here; per account (from any address) in accounts.backends and accounts.lockout.
    refusal = lockout.address_refusal(request, email)
    if refusal is not None:
        return _too_many(request, props, lockout.too_many_attempts_message(refusal), refusal)

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
    messages.success(request, gettext("You are logged in."))
    return redirect(next_url)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, gettext("You are logged out."))
    return redirect("/")


def _too_many(
    request: HttpRequest, props: PageProps, message: str, verdict: ratelimit.Verdict
) -> HttpResponse:
    response = render_with_errors(request, props, {"form": message}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _address_limited(
    request: HttpRequest, action: str, rule: ratelimit.RateLimit
) -> ratelimit.Verdict | None:
    verdict = ratelimit.hit(ratelimit.key_for(action, ratelimit.client_ip(request)), rule)
    return None if verdict.allowed else verdict


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    """The address first: the account is created from the emailed link (signup_confirm_view),
    and the answer is the same whether or not the address has an account already."""
    next_url = _safe_next_url(request, request.GET.get("next"), default="/manage/")
    props = SignupPageProps(next=next_url)
    if request.method == "GET":
        return _page(request, props, gettext("Sign up"))
    form = SignupForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, props, form_errors(form))
    refusal = _address_limited(request, "signup", SIGNUP_LIMIT_PER_ADDRESS)
    if refusal is not None:
        return _too_many(
            request, props, gettext("Too many signups from your network. Try again later."), refusal
        )
    email = form.cleaned_data["email"]
    if ratelimit.hit(ratelimit.key_for("signup", email), SIGNUP_LIMIT_PER_EMAIL).allowed:
        emails.queue_signup(email, next_url, request.build_absolute_uri("/"))
    messages.success(
        request,
        gettext("Check your email: we have sent %(email)s a link to finish creating your account.")
        % {"email": email},
    )
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def signup_confirm_view(request: HttpRequest) -> HttpResponse:
    # The token is in the query string: request logs carry the path only.
    claim = signup.read_signup_token(request.GET.get("token", ""))
    taken = claim is not None and User.objects.filter(email__iexact=claim.email).exists()
    props = SignupConfirmPageProps(
        valid=claim is not None and not taken, email=claim.email if claim is not None else ""
    )
    if request.method == "GET" or claim is None or taken:
        return _page(request, props, gettext("Create your account"))
    form = SignupConfirmForm(submitted_data(request), email=claim.email)
    if not form.is_valid():
        return render_with_errors(request, props, form_errors(form))
    user = signup.create_account(email=claim.email, **form.cleaned_data)
    if user is None:
        return _page(request, props.model_copy(update={"valid": False}), gettext("Create your account"))
    login(request, user, backend="accounts.backends.LockoutModelBackend")
    messages.success(request, gettext("Welcome to Maticko! Your account is ready."))
    return redirect(_safe_next_url(request, claim.next, default="/manage/"))


@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, PasswordResetPageProps(), gettext("Reset your password"))
    form = PasswordResetForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, PasswordResetPageProps(), form_errors(form))
    refusal = _address_limited(request, "password-reset", PASSWORD_RESET_LIMIT_PER_ADDRESS)
    if refusal is not None:
        message = gettext("Too many password reset requests from your network. Try again later.")
        return _too_many(request, PasswordResetPageProps(), message, refusal)
    email = form.cleaned_data["email"].lower()
    if ratelimit.hit(ratelimit.key_for("password-reset", email), PASSWORD_RESET_LIMIT).allowed:
        # Queued for every address: the outbox finds out whether it has an account, not the request.
        emails.queue_password_reset(email, request.build_absolute_uri("/"))
    # The same answer whether or not the address has an account.
    messages.success(
        request, gettext("If an account uses that address, we have emailed it a link to reset the password.")
    )
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from_uid(uidb64)
    if user is None or not default_token_generator.check_token(user, token):
        return _page(request, PasswordResetConfirmPageProps(valid=False), gettext("Choose a new password"))
    props = PasswordResetConfirmPageProps(valid=True)
    if request.method == "GET":
        return _page(request, props, gettext("Choose a new password"))
    data = submitted_data(request)
    form = SetPasswordForm(
        user, {"new_password1": data.get("password", ""), "new_password2": data.get("password", "")}
    )
    if not form.is_valid():
        errors = form_errors(form)
        errors["password"] = errors.pop("new_password2", errors.pop("new_password1", ""))
        return render_with_errors(request, props, {k: v for k, v in errors.items() if v})
    form.save()
    lockout.unlock(user)  # the way back in for an account locked by failed logins
    messages.success(request, gettext("Your password has been changed. Log in with the new one."))
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, PasswordChangePageProps(), gettext("Change your password"))
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
    messages.success(request, gettext("Your password has been changed."))
    return redirect("backoffice:home")


def _user_from_uid(uidb64: str) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
