"""Run Maticko as real processes (gunicorn, run.sh, manage.py) for tests that need them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[2]
# One port picker for every server a test starts: the local fleet's, which keeps clear of
# the ephemeral range that outgoing connections take their ports from.
sys.path.insert(0, str(APP_DIR.parent / "infrastructure" / "local"))
from fleet import free_port as free_port  # noqa: E402

# Variables the test run sets for itself that a child process must not inherit
# unless a test passes them on purpose.
_TEST_ONLY_VARIABLES = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def child_env(overrides: Mapping[str, str | None]) -> dict[str, str]:
    """The current environment with ``overrides`` applied; ``None`` removes a variable."""
    env = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY_VARIABLES}
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_manage(
    args: list[str], env: Mapping[str, str | None], timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=APP_DIR,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """GET ``path``; return status, headers and body without following redirects."""
        request = urllib.request.Request(self.url + path, headers=dict(headers or {}))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@contextmanager
def gunicorn_server(
    env: Mapping[str, str | None], log_dir: Path, workers: int = 1, port: int | None = None
) -> Iterator[ServerProcess]:
    """Start the production command (gunicorn with gunicorn.conf.py) on ``port``, by default
    a free loopback port (given, when the environment must name the site's origin)."""
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "gunicorn.conf.py",
        "maticko.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--graceful-timeout",
        "5",
    ]
    with _serving(command, env, log_dir / f"gunicorn-{port}.log", port) as server:
        yield server


@contextmanager
def local_server(env: Mapping[str, str | None], log_dir: Path) -> Iterator[ServerProcess]:
    """Start run.sh, the command ``make run`` serves with, on a free loopback port, with the
    virtual environment of this test run. ``env`` applies on top of the test run's own
    environment: remove its DEBUG and SECRET_KEY to get ``make run``'s defaults."""
    port = free_port()
    run_env = {"VENV": sys.prefix, "HOST": "127.0.0.1", "PORT": str(port), **env}
    with _serving(["bash", "run.sh"], run_env, log_dir / f"run-{port}.log", port) as server:
        yield server


@contextmanager
def wsgi_server(
    app: str, env: Mapping[str, str | None], log_dir: Path, *, worker_class: str, threads: int
) -> Iterator[ServerProcess]:
    """Start gunicorn with ``worker_class`` serving the WSGI application ``app`` (module:name,
    importable from the application directory) on a free loopback port, without
    gunicorn.conf.py (it runs from ``log_dir``)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        str(threads),
        "--worker-class",
        worker_class,
        "--graceful-timeout",
        "5",
    ]
    env = {"PYTHONPATH": str(APP_DIR), **env}
    with _serving(command, env, log_dir / f"gunicorn-{port}.log", port, cwd=log_dir) as server:
        yield server


@contextmanager
def _serving(
    command: list[str], env: Mapping[str, str | None], log_path: Path, port: int, cwd: Path = APP_DIR
) -> Iterator[ServerProcess]:
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=child_env(env), stdout=log, stderr=subprocess.STDOUT)
    server = ServerProcess(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        _wait_until_listening(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(server: ServerProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    port = int(server.url.rsplit(":", 1)[1])
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not listen within {timeout}s:\n{server.output()}")


def database_url_for_child(tmp_path: Path) -> str:
    """A DATABASE_URL a child process can use, with the schema migrated.

    On PostgreSQL that is the test database itself; the suite's in-memory
    SQLite database is invisible to other processes, so a migrated SQLite file
    stands in for it.
    """
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db["USER"] or "postgres"
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    url = f"sqlite:///{tmp_path / 'child.sqlite3'}"
    result = run_manage(["migrate", "--noinput", "-v", "0"], {"DATABASE_URL": url})
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return url
