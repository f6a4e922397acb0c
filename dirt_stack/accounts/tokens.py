"""Organizer API tokens: created once, stored hashed, checked on every API call."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import ApiToken, Organizer, User

TOKEN_PREFIX = "mtk_"  # noqa: S105 - a public prefix, not a secret
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# The furthest expiry a token may have.
MAX_EXPIRY = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def end_of_day(day: dt.date) -> dt.datetime:
    """A token that expires on ``day`` is valid until that day ends (UTC)."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def check_expiry(expires_at: dt.datetime | None) -> None:
    """Refuse an expiry in the past (a token dead on arrival) or beyond MAX_EXPIRY."""
    if expires_at is None:
        return
    if expires_at <= timezone.now():
        raise ValidationError(gettext("The expiry date is in the past. Choose today or a later day."))
    if expires_at >= MAX_EXPIRY:
        raise ValidationError(
            gettext("Choose an expiry date before 2100, or none for a token that does not expire.")
        )


def create_token(
    *,
    organizer: Organizer,
    name: str,
    role: str,
    created_by: User | None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; return it with the secret, which is never retrievable again."""
    check_expiry(expires_at)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organizer=organizer,
        name=name,
        role=role,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=_hash(raw),
        created_by=created_by,
        expires_at=expires_at,
    )
    return token, raw


def authenticate(raw: str) -> ApiToken | None:
    """The active token with this secret, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = ApiToken.objects.select_related("organizer").filter(token_hash=_hash(raw)).first()
    if token is None or not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
