"""The health check that load balancers and container runtimes poll.

It answers only when this instance can serve a buyer: the process is up and
its database answers a query.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def check_database() -> str:
    """Return "ok" when the default database answers ``SELECT 1``, else "unavailable"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health check: database unavailable", extra={"error": str(exc)})
        # Drop the broken connection so the next probe connects afresh.
        connection.close()
        return "unavailable"
    return "ok"


def health_report() -> tuple[int, dict[str, Any]]:
    database = check_database()
    healthy = database == "ok"
    report = {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "version": settings.APP_VERSION,
    }
    return (200 if healthy else 503), report
