"""Proof of work before a hold or a purchase: ALTCHA, served and checked by Maticko itself.

``new_challenge`` signs a challenge (ALTCHA v2, deterministic: the server picks the
counter the client must find, between half of ALTCHA_MAX_NUMBER and all of it, so
every challenge costs about the same work; the server checks a solution by an HMAC
instead of redoing the work). ``spend`` accepts a solution once: its challenge's
signature is stored until the challenge expires (``SpentChallenge``), so a solved
challenge cannot be replayed, from any instance. When one is asked for: sales.hoarding.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from typing import Any

import altcha
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sales.models import SpentChallenge

ALGORITHM = "SHA-256"
# A payload is a few hundred characters of base64; anything much longer is not one.
PAYLOAD_MAX_LENGTH = 4000
# SpentChallenge.signature's length: longer signatures are stored cut to it.
SIGNATURE_MAX_LENGTH = 128


def _secret(purpose: str) -> str:
    """A secret for signing challenges, derived from SECRET_KEY."""
    return _derived(purpose, settings.SECRET_KEY)


@functools.lru_cache(maxsize=8)
def _derived(purpose: str, secret_key: str) -> str:
    # Derived once per key: every challenge issued and every solution checked needs two.
    return salted_hmac("sales.challenges", purpose, secret=secret_key).hexdigest()


def new_challenge() -> dict[str, Any]:
    """A signed challenge, as the ALTCHA widget (and any API client) reads it."""
    half = max(settings.ALTCHA_MAX_NUMBER // 2, 1)
    challenge = altcha.create_challenge(
        algorithm=ALGORITHM,
        cost=1,
        counter=half + secrets.randbelow(half),
        expires_at=timezone.now() + dt.timedelta(seconds=settings.ALTCHA_EXPIRY_SECONDS),
        hmac_secret=_secret("challenge"),
        hmac_key_secret=_secret("key"),
    )
    return challenge.to_dict()


@dataclass(frozen=True)
class Proof:
    """A valid solution's challenge: its signature (what ``spend`` stores, so that it is
    used once) and when it expires."""

    signature: str
    expires_at: dt.datetime


def proof(payload: object) -> Proof | None:
    """The challenge ``payload`` (the widget's base64 value) solves, when it is an
    unexpired challenge of ours; None otherwise. Not yet spent: see ``spend``."""
    if not isinstance(payload, str) or not payload or len(payload) > PAYLOAD_MAX_LENGTH:
        return None
    try:
        parsed = altcha.Payload.from_base64(payload)  # parsed once, then checked
        result = altcha.verify_solution(parsed, _secret("challenge"), hmac_key_secret=_secret("key"))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None  # not base64, not JSON, or not the shape of a payload
    if (
        not result.verified
        or not parsed.challenge.signature
        or parsed.challenge.parameters.expires_at is None
    ):
        return None
    expires_at = dt.datetime.fromtimestamp(int(parsed.challenge.parameters.expires_at), tz=dt.UTC)
    return Proof(signature=parsed.challenge.signature[:SIGNATURE_MAX_LENGTH], expires_at=expires_at)


def spend(payload: object) -> bool:
    """Whether ``payload`` (the widget's base64 value) solves an unexpired challenge of
    ours that was not used before; it is used up by this call. (onsale's join spends
    a ``proof`` in its own statement, on the same table.)"""
    solved = proof(payload)
    return solved is not None and spend_proof(solved)


def spend_proof(solved: Proof) -> bool:
    """Store ``solved``'s signature; False when it was stored before (a replay)."""
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(signature=solved.signature, expires_at=solved.expires_at)
    except IntegrityError:
        return False  # replayed
    return True


def forget_expired(now: dt.datetime | None = None) -> int:
    """Drop spent challenges that have expired anyway (the sweeper's)."""
    deleted, _ = SpentChallenge.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
