"""Admission tokens: short-lived signed JWTs (PyJWT, HS256) naming one queue entry.

The key is derived from SECRET_KEY with ``salted_hmac`` (so a token is useless
anywhere else SECRET_KEY signs). Claims: ``ev`` the event id, ``ent`` the entry
id, ``bid`` the keyed hash of the browser that waited (a token copied to another
browser is refused), ``exp`` the admission's end (``QueueEntry.expires_at``),
``iat`` and ``jti``. A token proves a turn was given; whether it was already used
is the entry's row (onsale.gate).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from django.utils.crypto import salted_hmac

ALGORITHM = "HS256"
# Longer tokens are not ours: refused before any parsing.
MAX_TOKEN_LENGTH = 2000


def _key() -> bytes:
    return salted_hmac("onsale.tokens.admission", "key", algorithm="sha256").digest()


def browser_hash(browser_id: str) -> str:
    """A keyed hash of a browser id (the ``maticko_browser`` cookie), stored instead of it."""
    raw = browser_id.encode("utf-8", "surrogatepass")
    return salted_hmac("onsale.browser", raw, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class TokenClaims:
    event_id: int
    entry_id: int
    browser_hash: str
    expires_at: dt.datetime


class TokenInvalid(Exception):
    """Not one of our tokens (bad signature, shape or claims)."""


class TokenExpired(TokenInvalid):
    """One of our tokens, past its ``exp``."""


def issue(*, event_id: int, entry_id: int, browser_hash: str, expires_at: dt.datetime) -> str:
    """A signed admission token for this entry, valid until ``expires_at``."""
    payload: dict[str, Any] = {
        "ev": event_id,
        "ent": entry_id,
        "bid": browser_hash,
        "exp": int(expires_at.timestamp()),
        "iat": int(dt.datetime.now(dt.UTC).timestamp()),
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(payload, _key(), algorithm=ALGORITHM)


def verify(token: str) -> TokenClaims:
    """The token's claims if its signature and ``exp`` hold; TokenExpired or TokenInvalid otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise TokenInvalid()
    try:
        payload = jwt.decode(
            token, _key(), algorithms=[ALGORITHM], options={"require": ["exp", "iat", "ev", "ent", "bid"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.InvalidTokenError as exc:
        raise TokenInvalid() from exc
    event_id, entry_id, bid = payload.get("ev"), payload.get("ent"), payload.get("bid")
    if not (isinstance(event_id, int) and isinstance(entry_id, int) and isinstance(bid, str)):
        raise TokenInvalid()
    if isinstance(event_id, bool) or isinstance(entry_id, bool):
        raise TokenInvalid()
    return TokenClaims(event_id, entry_id, bid, dt.datetime.fromtimestamp(payload["exp"], dt.UTC))
