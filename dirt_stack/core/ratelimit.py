"""Fixed-window rate limits counted in the database, shared by every instance.

``hit(key, limit, window)`` counts one request for ``key`` and says whether it is
still within ``limit`` requests per ``window`` seconds. The count is one atomic
upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), correct under any
concurrency on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from core.models import RateLimitCounter

_TABLE = RateLimitCounter._meta.db_table
# Both PostgreSQL and SQLite (3.35+) support this upsert with RETURNING.
_UPSERT_SQL = (
    f"INSERT INTO {_TABLE} (key, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608 - no user input
    f"ON CONFLICT (key, window_start) DO UPDATE SET count = {_TABLE}.count + 1 RETURNING count"
)
_COUNT_SQL = f"SELECT count FROM {_TABLE} WHERE key = %s AND window_start = %s"  # noqa: S608 - no user input

# Remove counters of long-past windows on about one hit in this many.
_CLEANUP_ONE_IN = 200
_KEEP_FOR = dt.timedelta(days=1)


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window resets


def window(rule: RateLimit) -> tuple[int, int, dt.datetime]:
    """Now, and the start of the current window (as a timestamp and a datetime): the
    counter's row is (key, that datetime)."""
    epoch = int(timezone.now().timestamp())
    window_start_ts = epoch - epoch % rule.window_seconds
    return epoch, window_start_ts, dt.datetime.fromtimestamp(window_start_ts, tz=dt.UTC)


def peek(key: str, rule: RateLimit) -> Verdict:
    """Whether ``key`` is still within ``rule``, without counting a request: for limits
    that count only failures (voucher guesses) but must refuse every attempt beyond them."""
    epoch, window_start_ts, window_start = window(rule)
    # Raw SQL as in hit, so that the window's datetime is passed to the database the same way.
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL, [key[:200], window_start])
        row = cursor.fetchone()
    count = row[0] if row else 0
    retry_after = max(window_start_ts + rule.window_seconds - epoch, 1)
    return Verdict(allowed=count < rule.limit, count=count, retry_after=retry_after)


def hit(key: str, rule: RateLimit) -> Verdict:
    now = timezone.now()
    epoch, window_start_ts, window_start = window(rule)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, [key[:200], window_start])
        count = cursor.fetchone()[0]
    forget_old_windows_sometimes(now)
    return verdict(rule, count, epoch, window_start_ts)


def verdict(rule: RateLimit, count: int, epoch: int, window_start_ts: int) -> Verdict:
    """The verdict on the ``count``-th request of the window (``window``'s figures):
    for callers that count in a statement of their own, on the same rows as ``hit``."""
    retry_after = window_start_ts + rule.window_seconds - epoch
    return Verdict(allowed=count <= rule.limit, count=count, retry_after=max(retry_after, 1))


def forget_old_windows_sometimes(now: dt.datetime) -> None:
    """Remove counters of long-past windows, on about one call in _CLEANUP_ONE_IN."""
    if random.randrange(_CLEANUP_ONE_IN) == 0:  # noqa: S311 - not security sensitive
        RateLimitCounter.objects.filter(window_start__lt=now - _KEEP_FOR).delete()


def client_ip(request: HttpRequest) -> str:
    """The client's address.

    Behind the load balancer (BEHIND_TLS_PROXY) it is the last entry of
    X-Forwarded-For, the one the load balancer appended itself; entries before
    it come from the client and could be forged.
    """
    forwarded = request.headers.get("X-Forwarded-For", "")
    if settings.BEHIND_TLS_PROXY and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def key_for(*parts: str) -> str:
    """A compact counter key; hashing keeps emails and addresses out of the table."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
