"""Load shedding: a request that waited too long for a thread is refused at once.

Under overload requests queue in front of the server's threads. Serving them
all in turn makes every answer late: past a point most clients have given up
before their answer is written, the server spends its time on requests nobody
waits for any more, and goodput collapses. Refusing the requests that already
waited past a deadline, cheaply and before Django sees them, keeps the
threads on requests that can still be answered in time.

The production server's worker (core.gunicorn_worker.QueueTimedWorker) measures
how long each request waited before a thread took it up and publishes it for
the thread with ``serving``; ``ShedLateRequests`` wraps the WSGI application
(maticko/wsgi.py) and answers a request that waited longer than its deadline:

- the on-sale room's cheap, retried requests (the queue's status polls and
  joins, the proof-of-work challenge) after ``QUEUE_REQUEST_DEADLINE_MS``, with
  429 and ``Retry-After``: the room's pages back off and poll again;
- every other request after ``REQUEST_QUEUE_DEADLINE_MS``, with 503 and
  ``Retry-After``.

Never shed: ``/health/`` and ``/health/live/`` (the load balancer must see an
instance that is busy as alive), and requests carrying an on-sale admission
(an ``Admission-Token`` header or a ``maticko_admission_`` cookie): the room
already limits how many there are, and each is a buyer whose turn came.
A deadline of 0 turns that shedding off. Under any other server (the
development server, the test client) no wait is published and nothing is shed.

The refusal is a problem document (RFC 7807, as core.problems writes them)
built from bytes, and the server closes the connection after it
(``Connection: close``): a client that was refused does not keep a
connection that would queue its retry again. Sheds are counted: the metric
``RequestsShed`` (core.metrics) and one log line at most every
``REPORT_INTERVAL_SECONDS``, not one per shed request, which under overload
would be a second flood.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from core import metrics

logger = logging.getLogger("maticko.overload")

ShedKind = Literal["request", "queue"]

# Paths of the on-sale room's status polls and joins (storefront and API) and the
# proof-of-work challenge the joins need: cheap, and retried by their clients.
QUEUE_PATH = re.compile(
    r"^/events/[^/]+/queue/(?:status|join)/$|^/api/v1/events/[^/]+/queue/?$|^/api/v1/challenge/?$"
)
NEVER_SHED_PATHS = frozenset({"/health/", "/health", "/health/live/", "/health/live"})
ADMISSION_COOKIE_PREFIX = "maticko_admission_"
REPORT_INTERVAL_SECONDS = 5.0
BUSY_DETAIL = "Maticko is very busy: try again in a moment."


@dataclass(frozen=True)
class QueueWait:
    """What the server knows of the request the current thread serves."""

    waited_seconds: float
    # Makes the server close the connection after this answer ("Connection: close").
    close_connection: Callable[[], None]


_current = threading.local()


def serving(wait: QueueWait | None) -> None:
    """Publish (or, with None, withdraw) the queue wait of the current thread's request."""
    _current.wait = wait


def current_wait() -> QueueWait | None:
    return getattr(_current, "wait", None)


class ShedCounter:
    """Sheds by kind, reported as a metric and a log line at most every interval."""

    def __init__(self, interval_seconds: float = REPORT_INTERVAL_SECONDS) -> None:
        self.interval_seconds = interval_seconds
        self._lock = threading.Lock()
        self._pending: dict[str, int] = {}
        self._since = time.monotonic()

    def count(self, kind: ShedKind) -> None:
        with self._lock:
            self._pending[kind] = self._pending.get(kind, 0) + 1

    def report_if_due(self) -> None:
        """Report what was shed since the last report, once the interval has passed."""
        if not self._pending:  # the common case: read without the lock
            return
        now = time.monotonic()
        with self._lock:
            if not self._pending or now - self._since < self.interval_seconds:
                return
            pending, self._pending = self._pending, {}
            seconds, self._since = now - self._since, now
        for kind, shed in sorted(pending.items()):
            metrics.emit("RequestsShed", shed, Kind=kind)
        logger.warning(
            "Shed %d requests that waited past their deadline in the last %.0f s",
            sum(pending.values()),
            seconds,
            extra={"shed": pending},
        )


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ShedLateRequests:
    """WSGI middleware: refuse requests that waited past their deadline, without Django."""

    def __init__(self, app: WSGIApp, *, request_deadline_ms: int, queue_deadline_ms: int) -> None:
        self.app = app
        self.request_deadline = request_deadline_ms / 1000
        self.queue_deadline = queue_deadline_ms / 1000
        self.counter = ShedCounter()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.counter.report_if_due()
        wait = current_wait()
        if wait is not None:
            kind, deadline = self._deadline(environ)
            if deadline and wait.waited_seconds > deadline and not _admitted(environ):
                wait.close_connection()
                self.counter.count(kind)
                return _refuse(kind, wait.waited_seconds, deadline, start_response)
        return self.app(environ, start_response)

    def _deadline(self, environ: dict[str, Any]) -> tuple[ShedKind, float]:
        path = environ.get("PATH_INFO", "")
        if path in NEVER_SHED_PATHS:
            return "request", 0.0
        if QUEUE_PATH.match(path):
            return "queue", self.queue_deadline
        return "request", self.request_deadline


def _admitted(environ: dict[str, Any]) -> bool:
    return "HTTP_ADMISSION_TOKEN" in environ or ADMISSION_COOKIE_PREFIX in environ.get("HTTP_COOKIE", "")


def retry_after_seconds(waited_seconds: float, deadline_seconds: float) -> int:
    """1 to 5 seconds: the further past its deadline a request waited, the longer to stay away."""
    return max(1, min(5, round(waited_seconds / deadline_seconds)))


def _refuse(
    kind: ShedKind, waited_seconds: float, deadline_seconds: float, start_response: Callable[..., Any]
) -> list[bytes]:
    status, title = (429, "Too Many Requests") if kind == "queue" else (503, "Service Unavailable")
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": BUSY_DETAIL}
    ).encode()
    start_response(
        f"{status} {title}",
        [
            ("Content-Type", "application/problem+json"),
            ("Content-Length", str(len(body))),
            ("Retry-After", str(retry_after_seconds(waited_seconds, deadline_seconds))),
            ("Cache-Control", "no-store"),
            # No "Connection: close" here: WSGI forbids hop-by-hop headers from the
            # application; wait.close_connection() has the server send it.
        ],
    )
    return [body]
