"""Load shedding (core/overload.py, core/gunicorn_worker.py): a request that waited past its
deadline for a server thread is refused at once, before Django, and the rest are served."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from core import overload
from core.gunicorn_worker import milliseconds_since_data_arrived
from tests.support.processes import APP_DIR, wsgi_server


class _App:
    """The application behind the wrapper: records what reached it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.paths.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"served"]


class _Answer:
    def __init__(self) -> None:
        self.status = ""
        self.headers: dict[str, str] = {}

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        self.status = status
        self.headers = dict(headers)


def _call(
    path: str, *, waited: float | None, request_ms: int = 1000, queue_ms: int = 150, **environ: str
) -> tuple[_App, _Answer, bytes, list[bool]]:
    app = _App()
    wrapper = overload.ShedLateRequests(app, request_deadline_ms=request_ms, queue_deadline_ms=queue_ms)
    answer = _Answer()
    closed: list[bool] = []
    if waited is not None:
        overload.serving(overload.QueueWait(waited, lambda: closed.append(True)))
    try:
        body = b"".join(wrapper({"PATH_INFO": path, "REQUEST_METHOD": "GET", **environ}, answer))
    finally:
        overload.serving(None)
    return app, answer, body, closed


def test_a_request_queued_past_its_deadline_gets_503_without_reaching_the_application():
    app, answer, body, closed = _call("/events/rush/", waited=1.5)
    assert app.paths == []
    assert answer.status == "503 Service Unavailable"
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Cache-Control"] == "no-store"
    assert 1 <= int(answer.headers["Retry-After"]) <= 5
    assert int(answer.headers["Content-Length"]) == len(body)
    assert json.loads(body) == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "Maticko is very busy: try again in a moment.",
    }
    assert closed == [True]  # the server answers "Connection: close"


def test_a_request_under_its_deadline_is_served():
    app, answer, body, closed = _call("/events/rush/", waited=0.9)
    assert (app.paths, answer.status, body, closed) == (["/events/rush/"], "200 OK", b"served", [])


@pytest.mark.parametrize(
    "path",
    [
        "/events/rush/queue/status/",
        "/events/rush/queue/join/",
        "/api/v1/events/rush/queue",
        "/api/v1/challenge",
    ],
)
def test_the_rooms_retried_requests_get_429_after_their_shorter_deadline(path):
    app, answer, body, _ = _call(path, waited=0.2)
    assert app.paths == []
    assert answer.status == "429 Too Many Requests"
    assert 1 <= int(answer.headers["Retry-After"]) <= 5
    assert json.loads(body)["status"] == 429
    # The same wait is fine for any other request.
    app, answer, _, _ = _call("/events/rush/queue/", waited=0.2)
    assert answer.status == "200 OK"


def test_retry_after_grows_with_the_wait_from_1_to_5_seconds():
    assert overload.retry_after_seconds(0.16, 0.15) == 1
    assert overload.retry_after_seconds(0.45, 0.15) == 3
    assert overload.retry_after_seconds(60, 1) == 5


@pytest.mark.parametrize("path", ["/health/", "/health/live/", "/health", "/health/live"])
def test_health_checks_are_never_shed(path):
    app, answer, _, _ = _call(path, waited=30)
    assert (app.paths, answer.status) == ([path], "200 OK")


@pytest.mark.parametrize(
    "environ",
    [
        {"HTTP_ADMISSION_TOKEN": "eyJ"},
        {"HTTP_COOKIE": "maticko_browser=abc; maticko_admission_42=eyJ"},
    ],
)
def test_requests_carrying_an_on_sale_admission_are_never_shed(environ):
    for path in ("/api/v1/events/rush/purchases", "/events/rush/queue/status/"):
        app, answer, _, _ = _call(path, waited=30, **environ)
        assert (app.paths, answer.status) == ([path], "200 OK")


def test_a_deadline_of_0_turns_that_shedding_off():
    assert _call("/events/rush/", waited=30, request_ms=0)[1].status == "200 OK"
    assert _call("/api/v1/challenge", waited=30, request_ms=0)[1].status.startswith("429")
    assert _call("/api/v1/challenge", waited=30, queue_ms=0)[1].status == "200 OK"
    assert _call("/events/rush/", waited=30, queue_ms=0)[1].status.startswith("503")


def test_without_a_published_wait_nothing_is_shed():
    """The development server and the test client publish no wait."""
    assert _call("/events/rush/", waited=None, request_ms=1)[1].status == "200 OK"


def test_sheds_are_counted_and_reported_at_most_once_per_interval(caplog):
    counter = overload.ShedCounter(interval_seconds=0)
    counter.report_if_due()  # nothing to report
    kinds: list[overload.ShedKind] = ["request", "request", "queue"]
    for kind in kinds:
        counter.count(kind)
    with caplog.at_level(logging.INFO):
        counter.report_if_due()
        counter.report_if_due()  # nothing new since
    documents = [json.loads(r.getMessage()) for r in caplog.records if r.name == "maticko.metrics"]
    assert {d["Kind"]: d["RequestsShed"] for d in documents} == {"queue": 1, "request": 2}
    lines = [r for r in caplog.records if r.name == "maticko.overload"]
    assert len(lines) == 1
    assert lines[0].shed == {"queue": 1, "request": 2}

    slow = overload.ShedCounter(interval_seconds=3600)
    slow.count("request")
    caplog.clear()
    slow.report_if_due()
    assert [r for r in caplog.records if r.name in {"maticko.metrics", "maticko.overload"}] == []


def test_the_shed_answer_needs_no_django():
    script = (
        "import sys; from core import overload; "
        "app = overload.ShedLateRequests(None, request_deadline_ms=1, queue_deadline_ms=1); "
        "overload.serving(overload.QueueWait(1.0, lambda: None)); "
        "out = []; body = app({'PATH_INFO': '/x/'}, lambda s, h: out.append(s)); "
        "assert out == ['503 Service Unavailable'], out; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=APP_DIR, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_kernel_says_how_long_ago_a_socket_last_received_data():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
        with client, server:
            client.sendall(b"GET / HTTP/1.1\r\n\r\n")
            server.recv(100)
            time.sleep(0.2)
            since = milliseconds_since_data_arrived(server)
            if sys.platform != "linux":
                assert since is None
                return
            # jiffies granularity: at least the 200 ms slept, give or take a tick
            assert since is not None
            assert since >= 180


def _get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_gunicorn_sheds_a_request_queued_behind_a_busy_thread(tmp_path: Path):
    """One thread: while /sleep/ holds it, requests queue; past their 300 ms deadline they are
    refused, except health checks and admitted buyers; an idle server serves at once."""
    started = tmp_path / "started"
    env = {
        "SLEEPY_STARTED_FILE": str(started),
        "SLEEPY_SECONDS": "3",
        "REQUEST_QUEUE_DEADLINE_MS": "300",
        "QUEUE_REQUEST_DEADLINE_MS": "100",
    }
    with wsgi_server(
        "tests.support.sleepy_app:application",
        env,
        tmp_path,
        worker_class="core.gunicorn_worker.QueueTimedWorker",
        threads=1,
    ) as server:
        # The master listens before its worker has booted; a request sent then waits in the
        # listen queue and is rightly shed. Health checks are never shed: once one is
        # answered, the worker is up and idle.
        assert _get(server.url, "/health/live/")[0] == 200
        assert _get(server.url, "/fast/")[0] == 200

        results: dict[str, tuple[int, dict[str, str], bytes]] = {}

        def fetch(name: str, path: str, headers: dict[str, str] | None = None) -> None:
            results[name] = _get(server.url, path, headers)

        sleeper = threading.Thread(target=fetch, args=("sleep", "/sleep/"))
        sleeper.start()
        for _ in range(600):
            if started.exists():
                break
            time.sleep(0.05)
        assert started.exists(), server.output()
        queued = [
            threading.Thread(target=fetch, args=("plain", "/fast/")),
            threading.Thread(target=fetch, args=("room", "/api/v1/challenge")),
            threading.Thread(target=fetch, args=("health", "/health/live/")),
            threading.Thread(target=fetch, args=("admitted", "/fast/", {"Admission-Token": "eyJ"})),
        ]
        for thread in queued:
            thread.start()
        for thread in [sleeper, *queued]:
            thread.join(60)

        assert results["sleep"][0] == 200
        status, headers, body = results["plain"]
        assert status == 503, body
        assert headers["connection"] == "close"
        assert headers["content-type"] == "application/problem+json"
        assert 1 <= int(headers["retry-after"]) <= 5
        assert json.loads(body)["detail"] == "Maticko is very busy: try again in a moment."
        assert results["room"][0] == 429
        assert results["health"][0] == 200
        assert results["health"][2] == b"served /health/live/"
        assert results["admitted"][0] == 200
        # Once the thread is free, a request waits under its deadline and is served.
        assert _get(server.url, "/fast/")[0] == 200
