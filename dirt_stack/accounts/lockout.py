"""Login throttling: per client address, and per account whatever the address.

The address limits refuse a burst from one client (429). The account's own counter
counts failed password logins for an email from every address; past its limit the
account is locked: every password login to it is refused with the answer a wrong
password gets, even with the right password, until ``LOCK_DURATION`` has passed or a
password reset unlocks it. The owner is emailed once per lock (through the outbox),
with the way back in. Unknown emails are counted too but never locked, so the answers
say nothing about which accounts exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from core import outbox, ratelimit
from core.language import active_language
from core.models import RateLimitCounter

logger = logging.getLogger(__name__)

# Attempts per client address and email, and per address alone.
LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = ratelimit.RateLimit(limit=5, window_seconds=300)
LOGIN_LIMIT_PER_ADDRESS = ratelimit.RateLimit(limit=30, window_seconds=300)
# Failed logins per account from all addresses together; past either rule the account locks.
ACCOUNT_FAILURE_RULES = (
    ratelimit.RateLimit(limit=10, window_seconds=15 * 60),
    ratelimit.RateLimit(limit=30, window_seconds=24 * 3600),
)
LOCK_DURATION = dt.timedelta(hours=1)

ACCOUNT_LOCKED = "account_locked"


def address_refusal(request: HttpRequest, email: str) -> ratelimit.Verdict | None:
    """Count a login attempt against the client's address limits; the refusing verdict, if any."""
    address = ratelimit.client_ip(request)
    for key, rule in (
        (ratelimit.key_for("login", address, email), LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS),
        (ratelimit.key_for("login", address), LOGIN_LIMIT_PER_ADDRESS),
    ):
        verdict = ratelimit.hit(key, rule)
        if not verdict.allowed:
            return verdict
    return None


def too_many_attempts_message(verdict: ratelimit.Verdict) -> str:
    minutes = max(1, round(verdict.retry_after / 60))
    return ngettext(
        "Too many login attempts. Try again in %(minutes)s minute.",
        "Too many login attempts. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def is_locked(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip(), login_locked_until__gt=timezone.now()).exists()


def _failure_key(email: str, rule: ratelimit.RateLimit) -> str:
    return ratelimit.key_for("login-failures", str(rule.window_seconds), email.strip().lower())


def record_failure(email: str, request: HttpRequest | None) -> None:
    """Count a failed password login for ``email``; lock its account past a limit."""
    email = email.strip().lower()
    if not email or len(email) > 254:
        return
    verdicts = [ratelimit.hit(_failure_key(email, rule), rule) for rule in ACCOUNT_FAILURE_RULES]
    if all(v.count < rule.limit for v, rule in zip(verdicts, ACCOUNT_FAILURE_RULES, strict=True)):
        return
    now = timezone.now()
    with transaction.atomic():
        # One conditional UPDATE: of racing failures, only one starts the lock and sends the email.
        locked = User.objects.filter(
            Q(login_locked_until__isnull=True) | Q(login_locked_until__lte=now),
            email__iexact=email,
            is_active=True,
        ).update(login_locked_until=now + LOCK_DURATION)
        if not locked:
            return
        user = User.objects.get(email__iexact=email)
        base_url = request.build_absolute_uri("/") if request is not None else settings.SITE_URL
        # In the language of the failing logins' requests: most often the owner's own.
        payload = {"user_id": user.pk, "base_url": base_url, "locale": active_language()}
        outbox.enqueue(ACCOUNT_LOCKED, payload)
    logger.warning(
        "account login locked after repeated failures",
        extra={
            "user_id": user.pk,
            "client_ip": ratelimit.client_ip(request) if request is not None else "",
            "failures": max(v.count for v in verdicts),
            "locked_until": (now + LOCK_DURATION).isoformat(),
        },
    )


def unlock(user: User) -> None:
    """End the account's lock and forget its failures (a password reset proves the mailbox)."""
    User.objects.filter(pk=user.pk).update(login_locked_until=None)
    user.login_locked_until = None
    keys = [_failure_key(user.email, rule) for rule in ACCOUNT_FAILURE_RULES]
    RateLimitCounter.objects.filter(key__in=keys).delete()


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    """``user_login_failed`` receiver: every failed password check counts, admin's included."""
    username = credentials.get("username") or credentials.get(User.USERNAME_FIELD)
    if isinstance(username, str):
        record_failure(username, request)
