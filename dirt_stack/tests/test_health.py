"""GET /health/ (deep: the database answers) and GET /health/live/ (shallow: the process
answers): what load balancers, the deploy and container health checks rely on (ADR 0021)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test.utils import CaptureQueriesContext

from tests.support.processes import gunicorn_server

pytestmark = pytest.mark.django_db


def test_health_reports_ok_with_version(client, settings):
    settings.APP_VERSION = "abc1234"
    response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"status": "ok", "database": "ok", "version": "abc1234"}


def test_health_answers_any_host_header(client, settings):
    settings.ALLOWED_HOSTS = ["tickets.example.com"]
    # The load balancer probes the instance by its private IP address.
    response = client.get("/health/", headers={"host": "10.0.11.27:8000"})
    assert response.status_code == 200
    # The same Host on any other page is refused, so the exemption is narrow.
    assert client.get("/", headers={"host": "10.0.11.27:8000"}).status_code == 400


def test_health_never_redirects(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.APPEND_SLASH = True
    for path in ("/health/", "/health", "/health/live/", "/health/live"):
        assert client.get(path).status_code == 200, path
    # Other pages do redirect to HTTPS under the same settings.
    assert client.get("/").status_code == 301
    assert client.get("/health/other/").status_code == 301


def test_ssl_redirect_exemption_covers_exactly_the_health_checks(rf, settings):
    """SecurityMiddleware alone (as if the health checks were ever moved after it)."""
    settings.SECURE_SSL_REDIRECT = True

    def served(request: HttpRequest) -> HttpResponse:
        return HttpResponse("served")

    middleware = SecurityMiddleware(served)

    def redirect_status(path: str) -> int | None:
        response = middleware.process_request(rf.get(path))
        return None if response is None else response.status_code

    for path in ("/health/", "/health", "/health/live/", "/health/live"):
        assert redirect_status(path) is None, path
    for path in ("/healthz/", "/health/lives/", "/health/live/x"):
        assert redirect_status(path) == 301, path


def test_live_answers_ok_with_version_and_no_query(client, settings):
    settings.APP_VERSION = "abc1234"
    settings.ALLOWED_HOSTS = ["tickets.example.com"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/live/", headers={"host": "10.0.11.27:8000"})
        head = client.head("/health/live")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"status": "ok", "version": "abc1234"}
    assert head.status_code == 200
    assert len(queries) == 0


def test_live_only_answers_reads(client):
    # A POST is not a probe: it goes on to the URL resolver, where no route takes it.
    assert client.post("/health/live/").status_code == 404


@pytest.mark.slow
@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param("postgres://postgres@127.0.0.1:1/maticko", id="postgresql-port-closed"),
        pytest.param("sqlite:////nonexistent-directory/maticko.sqlite3", id="sqlite-unopenable"),
    ],
)
def test_health_answers_503_when_the_database_is_unreachable(tmp_path, database_url):
    env = {"DATABASE_URL": database_url, "DATABASE_POOL_TIMEOUT": "2", "DATABASE_CONNECT_TIMEOUT": "2"}
    with gunicorn_server(env, tmp_path) as server:
        status, _, body = server.get("/health/")
        api_status, api_headers, api_body = server.get("/api/v1/events")
        page_status, page_headers, page_body = server.get("/")
        # The process is up: liveness stays 200, so nothing restarts or replaces it.
        live_status, live_headers, live_body = server.get("/health/live/", headers={"Host": "10.0.11.8"})
    assert status == 503
    assert json.loads(body) == {"status": "unavailable", "database": "unavailable", "version": "0.1.0"}
    assert live_status == 200
    assert live_headers["Content-Type"] == "application/json"
    assert json.loads(live_body) == {"status": "ok", "version": "0.1.0"}
    # Every other request fails cleanly too: a readable 503, never a 500.
    assert api_status == 503
    assert api_headers["Content-Type"] == "application/problem+json"
    assert "cannot reach its database" in json.loads(api_body)["detail"]
    assert page_status == 503
    assert page_headers["Retry-After"] == "5"
    assert "cannot reach its database" in page_body.decode()


@pytest.mark.slow
def test_health_answers_200_from_gunicorn_and_logs_json(tmp_path):
    database = tmp_path / "health.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "APP_VERSION": "test-build-7"}
    with gunicorn_server(env, tmp_path) as server:
        status, _, body = server.get("/health/", headers={"Host": "192.0.2.10", "X-Request-ID": "probe-1"})
        output = server.output()
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "version": "test-build-7"}
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line.get("logger") == "maticko.request"]
    assert request_lines, output
    line = request_lines[0]
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"], line["request_id"]) == (
        "GET",
        "/health/",
        200,
        "probe-1",
    )
    assert isinstance(line["duration_ms"], float)
    assert line["timestamp"].startswith("20")
