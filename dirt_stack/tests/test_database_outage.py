"""core.database_outage: while the database is unreachable, a request waits only briefly
for a pooled connection; the first connection handed out restores the configured wait.

tests/fleet/test_database_outage.py shows what it is for: a 30 s outage under load in
which the load balancer's liveness check never fails twice in a row.
"""

from __future__ import annotations

import pytest
from django.db import connection

from core.database_outage import database_unreachable

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_pool_waits_briefly_while_unreachable_and_normally_once_connected(settings):
    pool = connection.pool
    assert pool is not None, "the PostgreSQL settings use psycopg's pool"
    configured = connection.settings_dict["OPTIONS"]["pool"]["timeout"]
    assert configured > settings.DATABASE_POOL_OUTAGE_TIMEOUT
    connection.close()
    try:
        database_unreachable()
        assert pool.timeout == settings.DATABASE_POOL_OUTAGE_TIMEOUT
        database_unreachable()  # a second failure changes nothing
        assert pool.timeout == settings.DATABASE_POOL_OUTAGE_TIMEOUT
        # A connection is handed out (connection_created): the database is back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert pool.timeout == configured
    finally:
        pool.timeout = configured
