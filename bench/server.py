"""The benchmarks' shared setup: a fresh database, manage.py, and the production server.

Every benchmark runs the same production command as a deployment (gunicorn with
gunicorn.conf.py and production settings) over plain HTTP on loopback.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loadgen import health_rate

APP_DIR = Path(__file__).resolve().parents[1] / "dirt_stack"
PYTHON = sys.executable


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the whole machine, and of it by the app server
    (gunicorn), the database (postgres) and this benchmark process, read from
    /proc (Linux); empty elsewhere. A process that exits takes its time with it,
    so the parts are exact only while no process is replaced.

    The difference of two readings divided by the requests served in between is
    the CPU each request cost, per part: what decides throughput on a machine
    whose cores the server, the database and the load generator share.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    # Busy time of all cores: user, nice, system, irq, softirq (not idle, iowait, steal).
    cpu = (proc / "stat").read_text().split("\n", 1)[0].split()[1:]
    machine = sum(int(cpu[i]) for i in (0, 1, 2, 5, 6)) / tick
    totals = {"machine": machine, "app": 0.0, "proxy": 0.0, "database": 0.0, "load_generator": 0.0}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        comm, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        # On a shared machine, only this benchmark's server and database backends count:
        # gunicorn run from this checkout, postgres backends of the benchmark's database.
        if comm == "postgres" and _bench_database().encode() not in cmdline:
            continue
        if b"gunicorn" in cmdline:
            try:
                if Path(os.readlink(entry / "cwd")) != APP_DIR:
                    continue
            except OSError:
                continue
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(entry.name) == os.getpid():
            totals["load_generator"] += seconds
        elif comm == "postgres":
            totals["database"] += seconds
        elif b"gunicorn" in cmdline:
            totals["app"] += seconds
        elif comm == "nginx":
            totals["proxy"] += seconds
    return totals


def _bench_database() -> str:
    return os.environ.get("BENCH_DATABASE", "maticko_flash_sale")


def cpu_ms_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    return (
        {part: round((after[part] - before[part]) * 1000 / requests, 3) for part in before}
        if requests
        else {}
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=APP_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def database_url(kind: str, workdir: Path) -> str:
    """A fresh, empty database: a SQLite file in ``workdir``, or a recreated PostgreSQL
    database (``BENCH_DATABASE`` names it on the server ``BENCH_POSTGRES`` points to)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'flash-sale.sqlite3'}"
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = _bench_database()
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"BENCH_DATABASE must be letters, digits and underscores: {name!r}")
    admin = subprocess.run(
        [
            "psql",
            f"{base}/postgres",
            "-qc",
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
            "-c",
            f"CREATE DATABASE {name}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if admin.returncode != 0:
        raise SystemExit(f"could not create the PostgreSQL database: {admin.stderr}")
    return f"{base}/{name}"


def production_env(database: str, **overrides: str) -> dict[str, str]:
    """Production settings over ``database``, on loopback without TLS, emails discarded."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback: no TLS proxy in front.
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database,
        "EMAIL_URL": "dummymail://",
        **overrides,
    }


def _wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


@contextmanager
def production_server(env: dict[str, str], workdir: Path, serve: bool = False) -> Iterator[int]:
    """Run gunicorn on a free loopback port (log in ``workdir``); yield the port once it
    listens and every worker's database connection is warm. With ``serve``, the image's
    command instead: serve.sh, nginx on that port in front of gunicorn (ADR 0019)."""
    port = free_port()
    if serve:
        command = ["./serve.sh"]
        env = {
            **env,
            "PORT": str(port),
            "GUNICORN_PORT": str(free_port()),
            "SERVE_RUN_DIR": str(workdir / "serve"),
            "PATH": f"{Path(PYTHON).parent}:/usr/sbin:{env.get('PATH', '')}",
        }
    else:
        command = [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "maticko.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{port}"]
    with (workdir / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(command, cwd=APP_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(port, server)
        health_rate("127.0.0.1", port, concurrency=8, duration_s=1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
