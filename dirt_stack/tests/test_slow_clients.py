"""Slow clients cannot stall an instance (security review M-7, ADR 0019).

The production command (serve.sh: nginx in front of gunicorn, as the image runs it) is
started with one gunicorn worker of four threads. Six connections then send a body one
byte a second: the health check must still answer through nginx, while
gunicorn alone, reached on its own port, is stalled by the same six connections.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.support.processes import APP_DIR, child_env, database_url_for_child, free_port

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 6
# How long an answer may take on a shared, loaded machine. The stalled gunicorn never
# answers while the dribblers hold its threads, so a generous bound still tells the two apart.
ANSWER_WITHIN = 5.0


@pytest.fixture
def nginx() -> None:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: .ci/run installs Debian's nginx")
        pytest.skip("needs nginx (apt-get install nginx)")


@contextmanager
def serve(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """serve.sh with production settings; yields nginx's port, gunicorn's port and the log."""
    port, gunicorn_port = free_port(), free_port()
    log_path = tmp_path / "serve.log"
    env = child_env(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "tickets.example.com",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_FORMAT": None,
            "STATIC_ROOT": str(tmp_path),
            "DATABASE_URL": database_url_for_child(tmp_path),
            "PORT": str(port),
            "GUNICORN_PORT": str(gunicorn_port),
            "SERVE_RUN_DIR": str(tmp_path / "run"),
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            "PATH": f"{Path(sys.executable).parent}:/usr/sbin:{os.environ.get('PATH', '')}",
        }
    )
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["./serve.sh"], cwd=APP_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for_health(port, process, log_path)
        _wait_for_health(gunicorn_port, process, log_path)
        yield port, gunicorn_port, log_path
    finally:
        process.terminate()  # serve.sh stops nginx, then gunicorn
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def _wait_for_health(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve.sh exited with {process.returncode}:\n{log_path.read_text()}")
        with suppress(OSError):
            if health_within(port, 1.0):
                return
        time.sleep(0.2)
    raise RuntimeError(f"serve.sh did not answer within 30 s:\n{log_path.read_text()}")


def _answers_again(port: int, attempts: int = 6) -> bool:
    return any(health_within(port, ANSWER_WITHIN) for _ in range(attempts))


def health_within(port: int, seconds: float) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=seconds) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def dribbling(port: int, count: int = SLOW_CLIENTS) -> Iterator[list[socket.socket]]:
    """``count`` connections that announce a 100 kB purchase and send its body a byte at a time."""
    head = (
        b"POST /api/v1/events/gig/orders HTTP/1.1\r\nHost: tickets.example.com\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
    )
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    try:
        for sock in sockets:
            sock.sendall(head)
        for _ in range(2):
            time.sleep(1)
            for sock in sockets:
                sock.sendall(b" ")
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def test_six_dribbling_clients_do_not_stall_the_instance(nginx, tmp_path):
    with serve(tmp_path) as (port, gunicorn_port, log_path):
        with dribbling(port):
            assert health_within(port, ANSWER_WITHIN)
        # The same six connections straight to gunicorn take all four of its threads.
        with dribbling(gunicorn_port):
            assert not health_within(gunicorn_port, ANSWER_WITHIN)
        # Free again once they are gone (gunicorn notices the closed sockets on its own time).
        assert _answers_again(port)

        # Larger bodies than any form of Maticko's are refused by nginx before gunicorn.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(
                b"POST /manage/ HTTP/1.1\r\nHost: tickets.example.com\r\nContent-Length: 50000000\r\n\r\n"
            )
            assert sock.recv(100).startswith(b"HTTP/1.1 413")

        # nginx passes the load balancer's X-Forwarded-For and the scheme on as they came.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/",
            headers={
                "Host": "tickets.example.com",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "198.51.100.7",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as page:
            assert page.status == 200  # https as far as Django knows: no redirect

        # A secret in a request line reaches no log: nginx writes no access log.
        secret = secrets.token_urlsafe(24)
        with suppress(urllib.error.HTTPError):
            urllib.request.urlopen(
                urllib.request.Request(
                    f"http://127.0.0.1:{port}/orders/ABCD2345/{secret}/",
                    headers={"Host": "tickets.example.com", "X-Forwarded-Proto": "https"},
                ),
                timeout=10,
            )
        time.sleep(0.5)
        output = log_path.read_text()

    assert secret not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines
    for line in lines:
        record = json.loads(line)  # every line is JSON, nginx's and gunicorn's included
        if "_aws" in record:
            # A metric document (core/metrics.py): the dribblers that waited for a thread
            # behind the first four are refused (core/overload.py) and counted.
            continue
        assert {"level", "logger", "message"} <= record.keys()
