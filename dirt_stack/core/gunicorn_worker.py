"""The production server's worker: gunicorn's threaded worker that times each request's wait.

gunicorn's gthread worker accepts connections on its main thread and hands
each one that has a request to read to its thread pool (``enqueue_req``: a new
connection, a kept-alive one that became readable, a deferred one whose data
arrived). Under overload the pool's queue grows, and so does the kernel's listen
queue in front of ``accept``. ``QueueTimedWorker`` measures how long a request
waited before a thread took it up and publishes that to the WSGI application
for the serving thread (core.overload.serving), which sheds the requests that
waited past their deadline (core.overload.ShedLateRequests).

The wait is the longer of two measures:

- the time since the connection was queued for the thread pool (stamped in
  ``enqueue_req``, read when a thread starts on it);
- on Linux, the time since the request's last bytes arrived on the socket
  (``TCP_INFO``'s ``tcpi_last_data_recv``, read once the request line and
  headers are parsed), which also counts the time a new connection spent in
  the listen queue before gunicorn accepted it, and the time nginx's
  connection to gunicorn waited there (serve.sh).

A client that is slow to send its request is not counted as waiting: the
first measure stops when a thread takes the connection up, the second starts
when the request has arrived.
"""

from __future__ import annotations

import socket
import struct
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from core import overload

# struct tcp_info (linux/tcp.h): eight one-byte fields and nine 32-bit counters come
# before tcpi_last_data_sent, tcpi_last_ack_sent and tcpi_last_data_recv (milliseconds).
_TCP_INFO_LAST_DATA_RECV_OFFSET = 52
_TCP_INFO_LENGTH = 104
_TCP_INFO = getattr(socket, "TCP_INFO", None)


def milliseconds_since_data_arrived(sock: socket.socket) -> int | None:
    """Milliseconds since ``sock`` last received data, from the kernel; None where unknown
    (not Linux, not TCP)."""
    if _TCP_INFO is None:
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _TCP_INFO_LENGTH)
    except (OSError, ValueError):
        return None
    if len(info) < _TCP_INFO_LAST_DATA_RECV_OFFSET + 4:
        return None
    (milliseconds,) = struct.unpack_from("=I", info, _TCP_INFO_LAST_DATA_RECV_OFFSET)
    return int(milliseconds)


class QueueTimedWorker(ThreadWorker):
    """gthread's worker, publishing each request's wait for a thread to the application."""

    def enqueue_req(self, conn: Any) -> None:
        conn.maticko_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        queued_at = getattr(conn, "maticko_queued_at", None)
        conn.maticko_pool_wait = 0.0 if queued_at is None else time.monotonic() - queued_at
        return super().handle(conn)

    def handle_request(self, req: Any, conn: Any) -> bool:
        waited = conn.maticko_pool_wait
        since_data = milliseconds_since_data_arrived(conn.sock)
        if since_data is not None:
            waited = max(waited, since_data / 1000)
        # The server answers "Connection: close" when the request says it must close.
        overload.serving(overload.QueueWait(waited, partial(setattr, req, "must_close", True)))
        try:
            return super().handle_request(req, conn)
        finally:
            overload.serving(None)
