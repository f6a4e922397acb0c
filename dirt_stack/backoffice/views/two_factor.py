"""Two-factor authentication (the login's second step, setting it up, recovery codes,
turning it off) and confirming one's password before a sensitive action."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from inertia.http import encrypt_history

from accounts import sessions, two_factor
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from backoffice.reauth import require_recent_authentication
from backoffice.redirects import safe_next_url
from backoffice.schemas.two_factor import (
    ReauthenticatePageProps,
    RecoveryCodesPageProps,
    SecurityPageProps,
    TwoFactorLoginPageProps,
    TwoFactorSetupPageProps,
)
from core import ratelimit
from core.inertia import render_page, render_with_errors, submitted_data, validation_errors
from core.schemas import PageProps

# Codes and passwords tried per account, on the login's second step and the
# confirmation page together, whatever the client's address.
SECOND_FACTOR_LIMIT = ratelimit.RateLimit(limit=5, window_seconds=300)
MAX_PASSWORD_LENGTH = 4096


def begin_second_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """The login page's hand-over once the password is right for a user with two-factor
    authentication: the session remembers who is half logged in (not a login) and the
    browser goes to the code page."""
    request.session.cycle_key()
    sessions.begin_pending(
        request.session,
        user_id=user.pk,
        backend=getattr(user, "backend", "accounts.backends.LockoutModelBackend"),
        next_url=next_url,
    )
    return redirect("accounts:login_two_factor")


@require_http_methods(["GET", "POST"])
def login_two_factor(request: HttpRequest) -> HttpResponse:
    state = sessions.pending(request.session)
    user = User.objects.filter(pk=state["user"], is_active=True).first() if state else None
    if state is None or user is None:
        sessions.end_pending(request.session)
        messages.info(
            request, gettext("Log in with your password first; the code must follow within 5 minutes.")
        )
        return redirect("accounts:login")
    props = TwoFactorLoginPageProps()
    if request.method == "GET":
        return _page(request, props, gettext("Two-factor authentication"))
    refused = _credentials_refused(request, user, props, password=False, code=True)
    if refused:
        return refused
    sessions.end_pending(request.session)
    login(request, user, backend=state["backend"])
    sessions.mark_second_factor(request.session)
    left = two_factor.recovery_codes_left(user)
    messages.success(request, gettext("You are logged in."))
    if left <= 2:
        messages.warning(
            request,
            ngettext(
                "You have %(count)s recovery code left. Make new ones under Security.",
                "You have %(count)s recovery codes left. Make new ones under Security.",
                left,
            )
            % {"count": left},
        )
    return redirect(state["next"])


@login_required
@require_GET
def security(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, _security_props(request.user), gettext("Security"))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    next_url = safe_next_url(request, request.GET.get("next"), default=reverse("accounts:security"))
    if two_factor.is_enabled(request.user):
        messages.info(request, gettext("Two-factor authentication is already on."))
        return redirect("accounts:security")
    here = f"{request.path}?{request.GET.urlencode()}" if request.GET else request.path
    refused = require_recent_authentication(request, here)
    if refused:
        return refused
    device = two_factor.pending_device(request.user)
    secret = b32encode(device.bin_key).decode()
    props = TwoFactorSetupPageProps(
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr_code=segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        next=next_url,
    )
    if request.method == "GET":
        return _secret_page(request, props, gettext("Set up two-factor authentication"))
    refused = _throttled(request, request.user, props)
    if refused:
        return refused
    try:
        codes = two_factor.confirm_device(request.user, submitted_data(request).get("code"))
    except ValidationError as error:
        return render_with_errors(request, props, validation_errors(error))
    sessions.mark_second_factor(request.session)
    messages.success(request, gettext("Two-factor authentication is on."))
    return _secret_page(
        request, RecoveryCodesPageProps(codes=codes, next=next_url), gettext("Recovery codes")
    )


@login_required
@require_POST
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes replace the old ones; they are shown this once."""
    refused = require_recent_authentication(request, reverse("accounts:security"))
    if refused:
        return refused
    try:
        codes = two_factor.regenerate_recovery_codes(request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:security")
    messages.success(request, gettext("New recovery codes made; the old ones no longer work."))
    return _secret_page(
        request,
        RecoveryCodesPageProps(codes=codes, next=reverse("accounts:security")),
        gettext("Recovery codes"),
    )


@login_required
@require_POST
def two_factor_disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Turning it off takes the password and a code."""
    user = request.user
    props = _security_props(user)
    refused = _credentials_refused(request, user, props, password=True, code=True)
    if refused:
        return refused
    two_factor.disable(user)
    messages.success(request, gettext("Two-factor authentication is off."))
    return redirect("accounts:security")


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Confirm the password (and a code, with two-factor authentication), then go back."""
    user = request.user
    next_url = safe_next_url(request, request.GET.get("next"), default=reverse("backoffice:home"))
    props = ReauthenticatePageProps(next=next_url, needs_code=two_factor.is_enabled(user))
    if request.method == "GET":
        return _page(request, props, gettext("Confirm it is you"))
    refused = _credentials_refused(request, user, props, password=True, code=props.needs_code)
    if refused:
        return refused
    sessions.mark_authenticated(request.session)
    messages.success(request, gettext("Thanks. You can go ahead now."))
    return redirect(next_url)


def _security_props(user: User) -> SecurityPageProps:
    return SecurityPageProps(
        two_factor=two_factor.is_enabled(user),
        recovery_codes_left=two_factor.recovery_codes_left(user),
        required_by=[o.name for o in two_factor.organizers_requiring(user)],
    )


def _credentials_refused(
    request: HttpRequest, user: User, props: PageProps, *, password: bool, code: bool
) -> HttpResponse | None:
    """The answer refusing the submitted password and/or code of ``user`` (429 past the
    per-account limit, 422 when wrong), or None when they are right."""
    refused = _throttled(request, user, props)
    if refused:
        return refused
    data = submitted_data(request)
    if password:
        given = data.get("password")
        if not isinstance(given, str) or not given or len(given) > MAX_PASSWORD_LENGTH:
            return render_with_errors(request, props, {"password": gettext("Enter your password.")})
        if not user.check_password(given):
            return render_with_errors(request, props, {"password": gettext("That password is not right.")})
    if code:
        try:
            two_factor.check(user, data.get("code"))
        except ValidationError as error:
            return render_with_errors(request, props, validation_errors(error))
    return None


def _throttled(request: HttpRequest, user: User, props: PageProps) -> HttpResponse | None:
    verdict = ratelimit.hit(ratelimit.key_for("second-factor", str(user.pk)), SECOND_FACTOR_LIMIT)
    if verdict.allowed:
        return None
    minutes = max(1, round(verdict.retry_after / 60))
    message = ngettext(
        "Too many attempts. Try again in %(count)s minute.",
        "Too many attempts. Try again in %(count)s minutes.",
        minutes,
    ) % {"count": minutes}
    response = render_with_errors(request, props, {"form": message}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _page(request: HttpRequest, props: PageProps, title: str) -> HttpResponse:
    return render_page(request, props, template_data={"page_title": title})


def _secret_page(request: HttpRequest, props: PageProps, title: str) -> HttpResponse:
    """A page with a TOTP key or recovery codes: kept out of caches, and encrypted in the
    browser's history (Inertia's encryptHistory)."""
    encrypt_history(request)
    response = _page(request, props, title)
    response["Cache-Control"] = "private, no-store"
    return response
