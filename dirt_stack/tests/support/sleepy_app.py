"""A WSGI application behind core.overload's shedding, for the load-shedding test.

``/sleep/`` holds its server thread for ``SLEEPY_SECONDS`` (after touching the file
``SLEEPY_STARTED_FILE``, so the test knows the thread is taken); every other path
answers at once. Deadlines come from REQUEST_QUEUE_DEADLINE_MS and
QUEUE_REQUEST_DEADLINE_MS, as Maticko's settings read them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from core.overload import ShedLateRequests


def endpoints(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/sleep/":
        Path(os.environ["SLEEPY_STARTED_FILE"]).touch()
        time.sleep(float(os.environ["SLEEPY_SECONDS"]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"served " + environ["PATH_INFO"].encode()]


application = ShedLateRequests(
    endpoints,
    request_deadline_ms=int(os.environ["REQUEST_QUEUE_DEADLINE_MS"]),
    queue_deadline_ms=int(os.environ["QUEUE_REQUEST_DEADLINE_MS"]),
)
