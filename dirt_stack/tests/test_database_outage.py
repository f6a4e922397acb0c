"""core.database_outage: while the database is unreachable, a request waits only briefly
for a pooled connection; the first connection handed out restores the configured wait.

tests/fleet/test_database_outage.py shows what it is for: a 30 s outage under load in
which the load balancer's liveness check never fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection
from psycopg_pool import PoolTimeout

from core.database_outage import database_unreachable
from tests.support.processes import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pool() -> Iterator[Any]:
    """The default connection's psycopg pool, its wait restored afterwards."""
    pool = getattr(connection, "pool", None)  # PostgreSQL's DatabaseWrapper only
    assert pool is not None, "the PostgreSQL settings use psycopg's pool"
    configured = pool.timeout
    connection.close()
    pool.open()
    yield pool
    pool.timeout = configured


def refused_connection() -> OperationalError:
    """What a request sees when PostgreSQL is down: connecting is refused (a closed port)."""
    with pytest.raises(OperationalError) as caught, connection.wrap_database_errors:
        psycopg.connect(host="127.0.0.1", port=free_port(), dbname="x", user="x", connect_timeout=2)
    return caught.value


def test_pool_waits_briefly_while_unreachable_and_normally_once_connected(pool, settings):
    configured = pool.timeout
    assert configured > settings.DATABASE_POOL_OUTAGE_TIMEOUT
    database_unreachable(refused_connection())
    assert pool.timeout == settings.DATABASE_POOL_OUTAGE_TIMEOUT
    # A connection is handed out (connection_created): the database is back.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert pool.timeout == configured


def test_a_rush_that_holds_every_connection_keeps_the_wait(pool, settings):
    configured = pool.timeout
    # Every connection the pool can hand out (background threads of earlier tests, such as
    # the outbox's, may hold some), each returned whatever happens below.
    taken: list[Any] = []
    try:
        while True:
            try:
                taken.append(pool.getconn(timeout=0.5))
            except PoolTimeout:
                break
        assert taken, "the pool handed out no connection at all"
        # A request finds no free connection within its wait: Django's error, PoolTimeout its cause.
        pool.timeout = 0.05
        with pytest.raises(OperationalError) as timed_out:
            connection.ensure_connection()
        pool.timeout = configured
        database_unreachable(timed_out.value)
        assert pool.timeout == configured, "a busy database is not an unreachable one"
        # A refused connection is an outage, however many connections the pool holds.
        database_unreachable(refused_connection())
        assert pool.timeout == settings.DATABASE_POOL_OUTAGE_TIMEOUT
    finally:
        for conn in taken:
            pool.putconn(conn)
