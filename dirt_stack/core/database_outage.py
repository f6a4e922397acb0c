"""Fail fast while the database is unreachable (ADR 0021).

A request waits up to ``DATABASE_POOL_TIMEOUT`` (10 s) for a pooled connection, which
is right at a rush: the wait is a queue in front of a busy database. While the
database is away no connection comes, so each request would hold one of gunicorn's
few threads for the whole wait; under load every thread waits, and the liveness
check (``/health/live/``) queues behind them until the load balancer counts it as
failed and the Auto Scaling group replaces a healthy instance. So once a request
finds the database unreachable, the pool's wait drops to
``DATABASE_POOL_OUTAGE_TIMEOUT``: buyers get the 503 with ``Retry-After`` at once and
the threads stay free. The pool keeps reconnecting in the background meanwhile, and
the first connection handed out restores the normal wait.

A request that timed out waiting while the pool holds all the connections it may
have (``max_size``) met a rush, not an outage: the database is there, only busy, and
that queue is what ADR 0011 sized, so the wait stays. (The pool's own reconnection
attempts count as held too; once they give up, after ``reconnect_timeout``, the next
timeout switches.)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg_pool import PoolTimeout

# psycopg_pool's own default, for a pool configured without a timeout.
POOL_DEFAULT_TIMEOUT = 30.0


def _pool(wrapper: BaseDatabaseWrapper) -> Any:
    """The psycopg pool of a PostgreSQL connection, or None (SQLite, or no pool)."""
    return getattr(wrapper, "pool", None)


def database_unreachable(error: BaseException, alias: str = "default") -> None:
    """A request found no database (``error``, Django's wrapper of psycopg's error):
    later requests of this process wait only briefly for a connection."""
    pool = _pool(connections[alias])
    if pool is None:
        return
    if isinstance(error.__cause__, PoolTimeout) and pool.get_stats()["pool_size"] >= pool.max_size:
        return  # a rush holds every connection
    pool.timeout = min(pool.timeout, settings.DATABASE_POOL_OUTAGE_TIMEOUT)


def restore_pool_wait(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """``connection_created`` receiver: a connection was handed out, so the database is
    back (or never left); requests wait the configured time again."""
    pool = _pool(connection)
    if pool is None:
        return
    configured = connection.settings_dict["OPTIONS"]["pool"].get("timeout", POOL_DEFAULT_TIMEOUT)
    if pool.timeout != configured:
        pool.timeout = configured
