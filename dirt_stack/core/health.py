"""The two health checks (ADR 0021).

``/health/live/`` (liveness) says the process is up and answering: the load
balancer, the Auto Scaling group and the container runtime poll it. It never
touches the database: every instance shares that one database, so when it is
away no other instance would do better, and replacing or restarting instances
cannot bring it back.

``/health/`` (readiness, the deep check) also asks the database for ``SELECT 1``:
a new instance signals CloudFormation, and the deploy verifies a release, only
once it answers 200.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from core.database_outage import database_unreachable

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
        database_unreachable(exc)
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


def live_report() -> dict[str, Any]:
    """The liveness answer: the process serves requests. No database, no cache, no I/O."""
    return {"status": "ok", "version": settings.APP_VERSION}
