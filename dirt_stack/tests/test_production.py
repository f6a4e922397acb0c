"""The production runtime: hardened settings, the production command, migrations on deploy."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from tests.support.processes import (
    APP_DIR,
    child_env,
    database_url_for_child,
    gunicorn_server,
    run_manage,
)

# Every test here starts a process: manage.py, gunicorn or three migrating instances.
pytestmark = pytest.mark.slow

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "tickets.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://tickets.example.com",
    "SECURE_SSL_REDIRECT": None,
    "SECURE_COOKIES": None,
    "LOG_FORMAT": None,
    "APP_VERSION": "prod-test-1",
}


def test_check_deploy_passes_with_production_environment():
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_debug_in_production():
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], {**PRODUCTION_ENV, "DEBUG": "true"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG must be off


@pytest.mark.django_db
def test_production_command_serves_health_static_files_and_safe_errors(tmp_path):
    static_root = tmp_path / "static"
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": database_url_for_child(tmp_path),
        "STATIC_ROOT": str(static_root),
    }
    collected = run_manage(["collectstatic", "--noinput", "-v", "0"], env)
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((static_root / "manifest.json").read_text())
    entry = manifest["src/main.tsx"]
    https = {"Host": "tickets.example.com", "X-Forwarded-Proto": "https"}

    with gunicorn_server(env, tmp_path, workers=2) as server:
        # The load balancer's probe: plain HTTP, the instance's IP as Host.
        health = server.get("/health/", headers={"Host": "10.0.11.8:8000"})
        plain_http_page = server.get("/", headers={"Host": "tickets.example.com"})
        page = server.get("/", headers=https)
        asset = server.get(f"/static/{entry['file']}", headers=https)
        missing = server.get("/no-such-page/", headers=https)
        output = server.output()

    status, _, body = health
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "version": "prod-test-1"}

    status, headers, _ = plain_http_page
    assert status == 301
    assert headers["Location"] == "https://tickets.example.com/"

    status, headers, body = page
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = dict(directive.strip().split(" ", 1) for directive in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    style_src = re.fullmatch(r"'self' 'nonce-([^']+)'", csp["style-src"])
    assert style_src is not None
    nonce = style_src.group(1)
    assert f'<meta name="csp-nonce" content="{nonce}">' in body.decode()
    assert f'src="/static/{entry["file"]}"' in body.decode()

    status, headers, body = asset
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    max_age = re.search(r"max-age=(\d+)", headers["Cache-Control"])
    assert max_age is not None
    assert int(max_age.group(1)) >= 31_536_000
    assert body.startswith(b"import") or b"function" in body

    status, _, body = missing
    text = body.decode()
    assert status == 404
    for leak in ("Traceback", "urlpatterns", "DEBUG", "settings.py", "Using the URLconf"):
        assert leak not in text

    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "gunicorn wrote no logs"
    for line in lines:
        record = json.loads(line)  # every line is JSON, gunicorn's own included
        assert {"level", "logger", "message", "timestamp"} <= record.keys()
    paths = [json.loads(line).get("path") for line in lines]
    assert "/health/" in paths
    assert "/no-such-page/" in paths


@pytest.mark.django_db
def test_production_pages_send_host_cookies_no_store_and_a_permissions_policy(tmp_path):
    """Security review L-9, on the production command and settings."""
    env = {**PRODUCTION_ENV, "DATABASE_URL": database_url_for_child(tmp_path), "STATIC_ROOT": str(tmp_path)}
    https = {"Host": "tickets.example.com", "X-Forwarded-Proto": "https"}
    with gunicorn_server(env, tmp_path) as server:
        status, headers, _ = server.get("/accounts/login/", headers=https)
        _, home_headers, _ = server.get("/", headers=https)
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("__Host-XSRF-TOKEN=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "path"} <= attributes
    assert "domain" not in attributes
    assert "Path=/" in cookie
    assert {"no-store", "private"} <= {d.strip() for d in headers["Cache-Control"].split(",")}
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert "no-store" not in home_headers.get("Cache-Control", "")
    csp = dict(d.strip().split(" ", 1) for d in home_headers["Content-Security-Policy"].split(";"))
    assert (csp["form-action"], csp["img-src"]) == ("'self'", "'self' data:")


def test_gunicorn_config_reads_workers_threads_and_timeouts_from_the_environment():
    script = (
        "import runpy, json; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('workers', 'threads', 'timeout', 'graceful_timeout', "
        "'keepalive', 'worker_class', 'bind', 'accesslog')}))"
    )
    env = {"WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "8", "GUNICORN_TIMEOUT": "20"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=APP_DIR,
        env=child_env(env),
        capture_output=True,
        text=True,
        check=True,
    )
    config = json.loads(result.stdout)
    assert config == {
        "workers": 3,
        "threads": 8,
        "timeout": 20,
        "graceful_timeout": 25,
        "keepalive": 75,
        "worker_class": "core.gunicorn_worker.QueueTimedWorker",
        "bind": "0.0.0.0:8000",
        "accesslog": None,
    }


@pytest.mark.postgres
@pytest.mark.django_db
def test_concurrent_instances_migrate_once_under_the_advisory_lock():
    """Three instances start at once against an empty database: all succeed, each migration applied once."""
    import psycopg

    db = settings.DATABASES["default"]
    name = f"maticko_migrate_{secrets.token_hex(4)}"
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER'] or 'postgres'}"
    if db["PASSWORD"]:
        dsn += f" password={db['PASSWORD']}"
    with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        if db["PASSWORD"]:
            url = url.replace("@", f":{db['PASSWORD']}@", 1)
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", "migrate_locked"],
                cwd=APP_DIR,
                env=child_env({"DATABASE_URL": url}),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [p.communicate(timeout=180)[0] for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0], outputs
        # Exactly one instance applied the migrations; the others found nothing to do.
        assert sum("Applying accounts.0001_initial... OK" in out for out in outputs) == 1, outputs
        with psycopg.connect(dsn + f" dbname={name}") as conn:
            rows = conn.execute(
                "SELECT app, name, count(*) FROM django_migrations GROUP BY app, name"
            ).fetchall()
        assert rows
        assert all(count == 1 for _, _, count in rows)
    finally:
        with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrate_locked_on_sqlite_simply_migrates(tmp_path):
    result = run_manage(["migrate_locked"], {"DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"})
    assert result.returncode == 0, result.stderr
    assert "Applying events.0001_initial... OK" in result.stdout
