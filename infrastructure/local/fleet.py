"""A local stand-in for Maticko's production fleet: gunicorn instances behind HAProxy.

In production an Application Load Balancer spreads requests over the instances
of an Auto Scaling group. Each instance runs the production command

    gunicorn --config gunicorn.conf.py maticko.wsgi:application

with production settings, and all of them share one PostgreSQL. This module runs
the same shape on one machine: N instances of that command on loopback ports,
behind HAProxy (Debian's ``haproxy``) which probes ``GET /health/live/`` on each of
them every second (the shallow liveness check the ALB uses, ADR 0021), all sharing
the PostgreSQL database named by DATABASE_URL.

From a shell (what ``make fleet`` runs; Ctrl-C stops everything):

    python infrastructure/local/fleet.py --instances 2 --port 8080

From Python (the fleet tests in dirt_stack/tests/fleet/):

    with Fleet(database_url, instances=2) as fleet:
        fleet.url                    # http://127.0.0.1:<port>, through HAProxy
        fleet.kill("app1")           # SIGKILL to the whole instance: a lost machine
        fleet.start_instance("app1")
        fleet.restart("app2")        # drain, SIGTERM, start, healthy, ready
        fleet.process_ids("app1")    # (master pid, worker pids): unchanged unless restarted
        fleet.down_transitions()     # how often HAProxy marked each instance DOWN

HAProxy is driven through its runtime API (the admin socket): ``set server
maticko/app1 state drain|ready|maint`` and ``show stat``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "dirt_stack"
BACKEND = "maticko"
LOOPBACK = "127.0.0.1"
HAPROXY_CANDIDATES = ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")

# Variables of the caller's environment an instance must not inherit: the test
# suite's and the development server's own settings. The fleet sets the
# production values itself (see production_env).
NOT_INHERITED = (
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "OUTBOX_DELIVERY",
    "DEMO_PAYMENTS",
    "VITE_DEV_SERVER",
    "VITE_DEV_SERVER_PORT",
    "LOG_FORMAT",
    "GUNICORN_BIND",
)


class FleetError(RuntimeError):
    """The fleet could not be started or did not reach the expected state in time."""


def find_haproxy() -> str | None:
    """Path of the haproxy binary, or None when it is not installed."""
    for candidate in HAPROXY_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("haproxy")


def _ephemeral_ports() -> tuple[int, int]:
    """The range the kernel picks outgoing connections' local ports from."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def free_port() -> int:
    """A free loopback port below the ephemeral range.

    A port the kernel hands out for bind(0) comes from the ephemeral range, which
    outgoing connections (to PostgreSQL, to the instances) draw from too: between
    choosing it and HAProxy or gunicorn binding it seconds later, a connection can take it
    ("Address already in use"). Ports below that range are never handed out that way.
    """
    low, _ = _ephemeral_ports()
    candidates = list(range(max(1024, low - 12000), low))
    random.shuffle(candidates)
    for port in candidates[:200]:
        with socket.socket() as sock:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # every candidate taken: let the kernel choose
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def production_env(
    database_url: str, secret_key: str, work_dir: Path, overrides: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The environment of every instance: production settings, plain HTTP on loopback.

    All instances get the same SECRET_KEY (sessions and CSRF tokens signed by one
    are valid on the others). ``overrides`` win; a ``None`` value removes a variable.
    """
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no TLS in front, so no redirect and no Secure cookies.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "DATABASE_URL": database_url,
            "LOG_FORMAT": "json",
            "OUTBOX_DELIVERY": "background",
            # One file per email instead of an SMTP server nobody runs locally.
            "EMAIL_URL": f"filemail://{work_dir / 'mail'}",
            "STATIC_ROOT": str(work_dir / "static"),
            "MEDIA_ROOT": str(work_dir / "media"),
        }
    )
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@dataclass
class Instance:
    """One gunicorn master (and its workers) on a loopback port: one "machine" of the fleet."""

    name: str
    port: int
    log_path: Path
    process: subprocess.Popen | None = None
    starts: int = 0  # how often the fleet started it
    master_pids: list[int] = field(default_factory=list)  # gunicorn master's pid of each start

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class RestartReport:
    """Seconds spent in each step of one instance's rolling restart."""

    name: str
    drained: bool  # in-flight requests finished before the drain timeout
    drain_s: float  # until HAProxy had no request in flight on it
    stop_s: float  # SIGTERM until gunicorn exited
    down_s: float  # until HAProxy's health check saw it down
    boot_s: float  # start until its /health/ answered 200
    up_s: float  # until HAProxy's health check saw it up again
    total_s: float
    exit_code: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass
class Fleet:
    """N instances of the production command behind HAProxy, sharing one database.

    Use it as a context manager: entering starts everything and waits until every
    instance is healthy in HAProxy's eyes; leaving stops everything.
    """

    database_url: str
    instances: int = 2
    port: int | None = None  # HAProxy's listening port; a free one when None
    workers: int = 2  # gunicorn workers per instance (WEB_CONCURRENCY)
    threads: int = 4  # threads per worker (GUNICORN_THREADS)
    env: Mapping[str, str | None] = field(default_factory=dict)
    work_dir: Path | None = None  # logs, emails, static files; a temporary folder when None
    stats_port: int | None = None  # HAProxy's statistics page, off when None
    collect_static: bool = False  # run collectstatic first (for browsing the pages)
    # ALB-like by default: a request whose connection is refused is not retried
    # on another instance; the client sees the error.
    retries: int = 0
    # All instances unhealthy: the ALB then "fails open" and routes to all of
    # them anyway; backup servers without checks do the same in HAProxy.
    fail_open: bool = True
    check_interval_ms: int = 1000
    check_timeout_ms: int = 2000
    fall: int = 2
    rise: int = 2
    boot_timeout: float = 60.0
    python: str = sys.executable
    haproxy_path: str | None = None

    def __post_init__(self) -> None:
        self.secret_key = secrets.token_urlsafe(50)
        self._own_work_dir = self.work_dir is None
        self.work_dir = Path(self.work_dir or tempfile.mkdtemp(prefix="maticko-fleet-"))
        # A short path of its own: a Unix socket path must stay under 108 bytes.
        self.run_dir = Path(tempfile.mkdtemp(prefix="mfleet-"))
        self.socket_path = self.run_dir / "haproxy.sock"
        self.config_path = self.work_dir / "haproxy.cfg"
        self.haproxy_log = self.work_dir / "haproxy.log"
        self.port = self.port or free_port()
        self.members: dict[str, Instance] = {}
        for n in range(1, self.instances + 1):
            name = f"app{n}"
            self.members[name] = Instance(name, free_port(), self.work_dir / f"{name}.log")
        self.haproxy: subprocess.Popen | None = None

    # --- Life cycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def __enter__(self) -> Fleet:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def instance_env(self, instance: Instance) -> dict[str, str]:
        overrides = {
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            "GUNICORN_BIND": f"{LOOPBACK}:{instance.port}",
            # gunicorn's control socket defaults to one path per user
            # ($XDG_RUNTIME_DIR/gunicorn.ctl); on one machine each instance needs its own.
            "XDG_RUNTIME_DIR": str(self.run_dir / instance.name),
            **self.env,
        }
        return production_env(self.database_url, self.secret_key, self.work_dir, overrides)

    def start(self) -> None:
        haproxy = self.haproxy_path or find_haproxy()
        if haproxy is None:
            raise FleetError("haproxy is not installed (apt-get install haproxy)")
        self.haproxy_path = haproxy
        for folder in ("mail", "static", "media"):
            (self.work_dir / folder).mkdir(parents=True, exist_ok=True)
        if self.collect_static:
            self.manage("collectstatic", "--noinput", "-v", "0")
        for instance in self.members.values():
            self._spawn(instance)
        for instance in self.members.values():
            self.wait_healthy(instance.name)
        self.config_path.write_text(self.haproxy_config())
        checked = subprocess.run(  # noqa: S603 - fixed arguments
            [haproxy, "-c", "-q", "-f", str(self.config_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if checked.returncode != 0:
            raise FleetError(f"invalid HAProxy configuration:\n{checked.stdout}{checked.stderr}")
        with self.haproxy_log.open("ab") as log:
            self.haproxy = subprocess.Popen(  # noqa: S603 - fixed arguments
                [haproxy, "-db", "-f", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait(
            lambda: self.socket_path.exists() and _listening(self.port),
            10,
            "HAProxy did not start",
            self._haproxy_tail,
        )
        for name in self.members:
            self.wait_up(name)

    def stop(self) -> None:
        """Stop HAProxy, then every instance (SIGTERM, SIGKILL after a grace period)."""
        if self.haproxy is not None:
            _stop_process(self.haproxy, signal.SIGTERM, 5)
            self.haproxy = None
        for instance in self.members.values():
            if instance.running:
                with contextlib.suppress(OSError):
                    instance.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        for instance in self.members.values():
            if instance.process is not None:
                _stop_process(instance.process, None, 30)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if self._own_work_dir and os.environ.get("FLEET_KEEP_LOGS") != "1":
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def manage(self, *args: str, timeout: float = 120) -> str:
        """Run ``manage.py`` with the fleet's environment; return its output."""
        env = production_env(self.database_url, self.secret_key, self.work_dir, self.env)
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [self.python, "manage.py", *args],
            cwd=APP_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise FleetError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    # --- Instances ------------------------------------------------------------------------

    def _spawn(self, instance: Instance) -> None:
        if instance.running:
            raise FleetError(f"{instance.name} is already running")
        instance.starts += 1
        (self.run_dir / instance.name).mkdir(mode=0o700, exist_ok=True)
        with instance.log_path.open("ab") as log:
            log.write(f"--- start {instance.starts} ---\n".encode())
            log.flush()
            # A session of its own: SIGKILL can then take the master and its workers
            # at once (a lost machine), and Ctrl-C in a terminal reaches only the
            # fleet, which stops the instances in order.
            instance.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [self.python, "-m", "gunicorn", "--config", "gunicorn.conf.py", "maticko.wsgi:application"],
                cwd=APP_DIR,
                env=self.instance_env(instance),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        instance.master_pids.append(instance.process.pid)

    def start_instance(self, name: str, timeout: float | None = None) -> float:
        """Start a stopped instance and wait until its /health/ answers 200; return the seconds."""
        started = time.monotonic()
        self._spawn(self.members[name])
        self.wait_healthy(name, timeout)
        return time.monotonic() - started

    def kill(self, name: str) -> None:
        """SIGKILL the instance's master and workers at once, like losing its machine."""
        instance = self.members[name]
        if instance.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(instance.process.pid, signal.SIGKILL)
        instance.process.wait(timeout=10)

    def stop_instance(self, name: str, timeout: float = 40) -> int | None:
        """SIGTERM to gunicorn's master (it lets in-flight requests finish); wait until it exits."""
        instance = self.members[name]
        if instance.process is None:
            return None
        return _stop_process(instance.process, signal.SIGTERM, timeout)

    def health(self, name: str, timeout: float = 2) -> int:
        """Status of the instance's own GET /health/, the deep check (0 when it does not answer)."""
        return http_status(self.members[name].url + "/health/", timeout)

    def live(self, name: str, timeout: float = 2) -> int:
        """Status of the instance's own GET /health/live/, the liveness check (0 when it does not answer)."""
        return http_status(self.members[name].url + "/health/live/", timeout)

    def process_ids(self, name: str) -> tuple[int, tuple[int, ...]]:
        """The instance's gunicorn master pid and its workers' pids (sorted; Linux's /proc).

        The same answer before and after an incident proves nothing restarted it:
        neither the fleet (a new master) nor gunicorn (a worker it replaced after a
        crash or a timeout) nor anything else.
        """
        instance = self.members[name]
        if not instance.running:
            raise FleetError(f"{name} is not running")
        master = instance.process.pid  # type: ignore[union-attr]
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return master, tuple(sorted(int(pid) for pid in children))

    def wait_healthy(self, name: str, timeout: float | None = None) -> float:
        instance = self.members[name]
        started = time.monotonic()

        def healthy() -> bool:
            if not instance.running:
                raise FleetError(f"{name} exited with {instance.process.returncode}:\n{instance.log_tail()}")  # type: ignore[union-attr]
            return self.health(name, timeout=1) == 200

        self._wait(healthy, timeout or self.boot_timeout, f"{name} did not become healthy", instance.log_tail)
        return time.monotonic() - started

    # --- HAProxy --------------------------------------------------------------------------

    def haproxy_config(self) -> str:
        check = f"inter {self.check_interval_ms}ms fall {self.fall} rise {self.rise}"
        servers = "\n".join(
            f"    server {i.name} {LOOPBACK}:{i.port} check {check}" for i in self.members.values()
        )
        backups = ""
        if self.fail_open:
            backups = "\n" + "\n".join(
                f"    server {i.name}-failopen {LOOPBACK}:{i.port} backup" for i in self.members.values()
            )
        stats = ""
        if self.stats_port:
            stats = f"""
listen stats
    bind {LOOPBACK}:{self.stats_port}
    stats enable
    stats uri /
    stats refresh 2s
    stats show-legends
"""
        return f"""# Generated by infrastructure/local/fleet.py; a local stand-in for the ALB.
global
    log stdout format raw local0
    stats socket {self.socket_path} mode 600 level admin
    stats timeout 10s
    maxconn 4096

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option forwardfor
    timeout connect 2s
    timeout client 75s
    timeout server 60s
    timeout http-request 10s
    # The ALB closes idle client connections after 60 s.
    timeout http-keep-alive 60s
    timeout queue 10s
    timeout check {self.check_timeout_ms}ms
    retries {self.retries}

frontend web
    bind {LOOPBACK}:{self.port}
    default_backend {BACKEND}

backend {BACKEND}
    balance roundrobin
    # Liveness, as the ALB's target group: a database outage fails no check (ADR 0021).
    # Every change of a check's result (failed, passed again, DOWN, UP) goes to the log.
    option log-health-checks
    option httpchk
    http-check send meth GET uri /health/live/ ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    option allbackups
    # Which instance answered, for the tests' figures.
    http-response set-header X-Served-By %s
{servers}{backups}
{stats}"""

    def admin(self, command: str, timeout: float = 5) -> str:
        """Send one command to HAProxy's runtime API; return its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(self.socket_path))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's ``show stat`` rows of the backend's servers, by server name."""
        text = self.admin("show stat")
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {
            row["svname"]: row
            for row in rows
            if row.get("pxname") == BACKEND and row.get("svname") not in ("BACKEND", None)
        }

    def status(self, name: str) -> str:
        """HAProxy's view of a server: UP, DOWN, DRAIN, MAINT, or a transition like "UP 1/2"."""
        return self.stats()[name]["status"]

    def down_transitions(self) -> dict[str, int]:
        """How many times HAProxy's health check took each instance from UP to DOWN
        (``chkdown`` of ``show stat``), since HAProxy started."""
        return {name: int(row["chkdown"] or 0) for name, row in self.stats().items() if name in self.members}

    def in_flight(self, name: str) -> int:
        row = self.stats()[name]
        return int(row["scur"] or 0) + int(row["qcur"] or 0)

    def set_state(self, name: str, state: str) -> None:
        """``set server maticko/<name> state ready|drain|maint``."""
        if state not in ("ready", "drain", "maint"):
            raise ValueError(state)
        answer = self.admin(f"set server {BACKEND}/{name} state {state}").strip()
        if answer:
            raise FleetError(f"HAProxy refused to set {name} {state}: {answer}")

    def drain(self, name: str, timeout: float = 30) -> tuple[bool, float]:
        """Stop sending new requests to ``name`` and wait until its in-flight ones finish.

        Returns whether it became idle within ``timeout`` and the seconds waited.
        """
        started = time.monotonic()
        self.set_state(name, "drain")
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.in_flight(name) == 0:
                return True, time.monotonic() - started
            time.sleep(0.05)
        return False, time.monotonic() - started

    def ready(self, name: str) -> None:
        self.set_state(name, "ready")

    def wait_status(self, name: str, accept: Callable[[str], bool], timeout: float, what: str) -> float:
        started = time.monotonic()
        self._wait(
            lambda: accept(self.status(name)),
            timeout,
            f"HAProxy did not see {name} {what}",
            self._haproxy_tail,
        )
        return time.monotonic() - started

    def wait_down(self, name: str, timeout: float = 15) -> float:
        return self.wait_status(name, lambda s: s.startswith(("DOWN", "MAINT")), timeout, "down")

    def wait_up(self, name: str, timeout: float = 15) -> float:
        # "DRAIN" is a healthy server that gets no new requests; "UP 1/2" is going down.
        return self.wait_status(name, lambda s: s in ("UP", "DRAIN"), timeout, "up")

    def wait_steady(self, timeout: float = 60) -> float:
        """Wait until HAProxy sees every instance UP and no check has failed for a while.

        "A while" is one check interval plus its timeout: a check sent before the wait
        has then either passed or been counted in ``chkfail``. A burst of requests to cold
        instances on a busy machine can keep a check waiting past its timeout; a test that
        counts DOWN transitions starts counting from a steady fleet.
        """
        started = time.monotonic()
        quiet = (self.check_interval_ms + self.check_timeout_ms) / 1000
        calm_since = started
        seen: dict[str, tuple[str, str]] = {}

        def steady() -> bool:
            nonlocal calm_since, seen
            now = time.monotonic()
            rows = {name: row for name, row in self.stats().items() if name in self.members}
            current = {name: (row["status"], row["chkfail"]) for name, row in rows.items()}
            if current != seen or any(status != "UP" for status, _ in current.values()):
                calm_since, seen = now, current
            return now - calm_since >= quiet

        self._wait(steady, timeout, "HAProxy's checks did not settle", self._haproxy_tail)
        return time.monotonic() - started

    def restart(self, name: str, drain_timeout: float = 30) -> RestartReport:
        """Replace one instance the way a rolling update does, without failing a request.

        Drain it in HAProxy and wait until its in-flight requests finish, SIGTERM
        (gunicorn finishes what it still has), wait until HAProxy's check sees it
        down, start it again, wait until its /health/ answers and HAProxy's check
        sees it up, then set it ready to take requests again.
        """
        started = time.monotonic()
        drained, drain_s = self.drain(name, drain_timeout)
        t = time.monotonic()
        exit_code = self.stop_instance(name)
        stop_s = time.monotonic() - t
        down_s = self.wait_down(name)
        boot_s = self.start_instance(name)
        up_s = self.wait_up(name)
        self.ready(name)
        return RestartReport(
            name, drained, drain_s, stop_s, down_s, boot_s, up_s, time.monotonic() - started, exit_code
        )

    def rolling_restart(self, drain_timeout: float = 30) -> list[RestartReport]:
        """Restart the instances one at a time (MinInstancesInService 1, MaxBatchSize 1)."""
        return [self.restart(name, drain_timeout) for name in self.members]

    # --- Helpers --------------------------------------------------------------------------

    def _haproxy_tail(self) -> str:
        try:
            return "\n".join(self.haproxy_log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return ""

    @staticmethod
    def _wait(
        condition: Callable[[], bool], timeout: float, message: str, details: Callable[[], str]
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except (OSError, KeyError):
                pass  # not answering yet
            time.sleep(0.05)
        raise FleetError(f"{message} within {timeout:.0f} s\n{details()}")


def http_status(url: str, timeout: float = 2) -> int:
    """Status of GET ``url`` (0 when nothing answers); loopback only."""
    if not url.startswith(f"http://{LOOPBACK}:"):
        raise ValueError(f"not a loopback URL: {url}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - checked above
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return 0


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop_process(process: subprocess.Popen, sig: signal.Signals | None, timeout: float) -> int | None:
    """Send ``sig`` (if any), wait up to ``timeout``, then SIGKILL the process's group."""
    if process.poll() is None and sig is not None:
        with contextlib.suppress(OSError):
            process.send_signal(sig)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout=10)


# --- `make fleet` ---------------------------------------------------------------------------

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/maticko_fleet"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when it does not exist yet."""
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname", None) or "postgres"
    try:
        with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True, connect_timeout=5) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"  created database {name}")
    except psycopg.OperationalError as exc:
        raise FleetError(f"PostgreSQL is not reachable at {url}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=2, help="gunicorn instances (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="HAProxy's port on 127.0.0.1 (default 8080)")
    parser.add_argument("--stats-port", type=int, default=8404, help="HAProxy's statistics page (0: off)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance (default 2)")
    parser.add_argument("--no-seed", action="store_true", help="do not load the demo data")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("fleet: DATABASE_URL must point at PostgreSQL (the instances share it)", file=sys.stderr)
        return 2
    if find_haproxy() is None:
        print("fleet: haproxy is not installed (apt-get install haproxy)", file=sys.stderr)
        return 2
    if args.instances < 1:
        parser.error("--instances must be at least 1")

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    work_dir = Path(tempfile.mkdtemp(prefix="maticko-fleet-"))
    fleet = Fleet(
        database_url,
        instances=args.instances,
        port=args.port,
        workers=args.workers,
        stats_port=args.stats_port or None,
        work_dir=work_dir,
        collect_static=True,
    )
    try:
        ensure_database(database_url)
        print("  migrating the database")
        fleet.manage("migrate_locked")
        if not args.no_seed:
            print("  loading the demo data")
            fleet.manage("seed_demo")
        print(f"  starting {args.instances} instances and HAProxy (logs in {work_dir})")
        fleet.start()
    except (FleetError, subprocess.TimeoutExpired) as exc:
        fleet.stop()
        print(f"fleet: {exc}", file=sys.stderr)
        return 1

    print(f"\n  Maticko fleet: {fleet.url}/   ({args.instances} instances behind HAProxy)")
    if args.stats_port:
        print(f"  HAProxy statistics: http://{LOOPBACK}:{args.stats_port}/")
    for instance in fleet.members.values():
        print(f"  {instance.name}: {instance.url}/  log {instance.log_path}")
    print(f"  runtime API: socat - UNIX-CONNECT:{fleet.socket_path}   Ctrl-C stops everything\n")
    try:
        last: dict[str, str] = {}
        while not stop.wait(1):
            if fleet.haproxy is None or fleet.haproxy.poll() is not None:
                print("fleet: HAProxy exited", file=sys.stderr)
                return 1
            with contextlib.suppress(OSError):
                now = {name: row["status"] for name, row in fleet.stats().items() if name in fleet.members}
                changed = {name: s for name, s in now.items() if last.get(name) != s}
                if last and changed:
                    print(
                        "  "
                        + time.strftime("%H:%M:%S")
                        + " "
                        + ", ".join(f"{n} {s}" for n, s in changed.items())
                    )
                last = now
    finally:
        print("\n  stopping the fleet")
        fleet.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
