"""Account emails, queued in the outbox (core.outbox) and sent after the request: the
password reset link, the signup link (or "you already have an account") and the notice
of a locked account. The reset and signup handlers look the address up when they send,
so the request does the same work whether or not an account exists. Each is written in
the language of the request that queued it (its payload's ``locale``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urljoin

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, override

from accounts import lockout, signup
from accounts.models import User
from core import outbox
from core.language import active_language, supported
from core.locales import DEFAULT_LANGUAGE
from core.text import single_line

PASSWORD_RESET = "password_reset"  # noqa: S105 - an outbox kind
SIGNUP = "signup"


def queue_password_reset(email: str, base_url: str) -> None:
    """The reset link, in the language of the request that asks for it."""
    outbox.enqueue(PASSWORD_RESET, {"email": email, "base_url": base_url, "locale": active_language()})


def queue_signup(email: str, next_url: str, base_url: str) -> None:
    """The signup link (or "you already have an account"), in the request's language."""
    outbox.enqueue(
        SIGNUP, {"email": email, "next": next_url, "base_url": base_url, "locale": active_language()}
    )


def _language(payload: dict[str, Any]) -> str:
    """The language an email is written in (English for one queued without it)."""
    return supported(payload.get("locale")) or DEFAULT_LANGUAGE


def _send(to: str, subject: str, template: str, context: dict[str, Any], *, html: bool = False) -> None:
    send_mail(
        subject=single_line(subject),
        message=render_to_string(f"accounts/email/{template}.txt", context),
        html_message=render_to_string(f"accounts/email/{template}.html", context) if html else None,
        from_email=None,
        recipient_list=[to],
    )


def _reset_url(user: User, base_url: str) -> str:
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return urljoin(base_url, path)


@outbox.handler(PASSWORD_RESET)
def _deliver_password_reset(payload: dict[str, Any]) -> None:
    # Nothing is sent to an address without an active account with a password (as Django does).
    for user in User.objects.filter(email__iexact=payload["email"], is_active=True):
        if user.has_usable_password():
            with override(_language(payload)):
                subject = render_to_string("accounts/email/password_reset_subject.txt")
                context = {"email": user.email, "url": _reset_url(user, payload["base_url"])}
                _send(user.email, subject, "password_reset", context, html=True)


@outbox.handler(SIGNUP)
def _deliver_signup(payload: dict[str, Any]) -> None:
    with override(_language(payload)):
        _send_signup(payload)


def _send_signup(payload: dict[str, Any]) -> None:
    email, base_url = payload["email"], payload["base_url"]
    if User.objects.filter(email__iexact=email).exists():
        context = {
            "email": email,
            "login_url": urljoin(base_url, reverse("accounts:login")),
            "reset_url": urljoin(base_url, reverse("accounts:password_reset")),
        }
        _send(email, gettext("You already have a Maticko account"), "signup_existing", context)
        return
    token = signup.signup_token(email, payload["next"])
    context = {
        "email": email,
        # In the query string, which request logs leave out (they log the path).
        "url": urljoin(base_url, reverse("accounts:signup_confirm")) + "?" + urlencode({"token": token}),
        "valid_days": signup.SIGNUP_LINK_DAYS,
    }
    _send(email, gettext("Finish creating your Maticko account"), "signup_confirm", context)


@outbox.handler(lockout.ACCOUNT_LOCKED)
def _deliver_account_locked(payload: dict[str, Any]) -> None:
    user = User.objects.filter(pk=payload["user_id"]).first()
    if user is None or user.login_locked_until is None:
        return
    context = {
        "email": user.email,
        "locked_until": user.login_locked_until,
        "reset_url": urljoin(payload["base_url"], reverse("accounts:password_reset")),
    }
    with override(_language(payload)):
        subject = gettext("Your Maticko account was locked after failed logins")
        _send(user.email, subject, "account_locked", context)
