"""How busy this process is: requests in flight, counted by RequestLogMiddleware.

Work that can wait (emails) checks it so that it never competes with buyers
for the CPU during an on-sale rush.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_in_flight = 0


@contextmanager
def request_in_flight() -> Iterator[None]:
    global _in_flight
    with _lock:
        _in_flight += 1
    try:
        yield
    finally:
        with _lock:
            _in_flight -= 1


def busy() -> bool:
    """True when another request is being served alongside the current one."""
    return _in_flight > 1
