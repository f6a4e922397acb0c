"""Helpers of the fleet tests: an asyncio HTTP client, buyers that retry, databases, figures.

Everything talks to 127.0.0.1 only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.support.processes import free_port, run_manage

REPO = Path(__file__).resolve().parents[3]
# The fleet (gunicorn instances behind HAProxy) is infrastructure/local/fleet.py, shared with `make fleet`.
sys.path.insert(0, str(REPO / "infrastructure" / "local"))
import fleet  # noqa: E402

Fleet = fleet.Fleet
ARTIFACTS = REPO / "test-artifacts" / "fleet"
LOOPBACK = "127.0.0.1"
# Every instance of a test fleet: production settings (fleet.production_env) plus these.
FLEET_ENV = {
    # All test clients come from 127.0.0.1; behind the ALB each buyer has an address of its own.
    # So the per-address limits are off: the rate limit, the buyer's share of a date's stock
    # (ADR 0016) and the proof of work a rush would ask for, which these clients cannot solve.
    "PURCHASE_RATE_LIMIT": "0",
    "BUYER_SHARE_MIN_TICKETS": "1000000",
    "BUYER_SHARE_MAX_TICKETS": "1000000",
    "PRESSURE_TAKES_PER_MINUTE": "0",
    # Fail fast while PostgreSQL is away instead of holding requests for 10 s.
    "DATABASE_POOL_TIMEOUT": "2",
    "DATABASE_CONNECT_TIMEOUT": "2",
    "GUNICORN_GRACEFUL_TIMEOUT": "20",
}
JSON = {"Content-Type": "application/json"}
RETRYABLE = frozenset({0, 502, 503, 504})  # 0: no HTTP answer (connection refused, reset, timeout)


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int  # 0 when no HTTP answer came back
    headers: dict[str, str]
    body: bytes
    started: float  # time.monotonic()
    ended: float
    cookies: dict[str, str] = field(default_factory=dict)  # name -> value of every Set-Cookie

    @property
    def served_by(self) -> str:
        return self.headers.get("x-served-by", "")

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1, like a browser tab or an API client.

    A request is sent once: a failure is returned as status 0 with the error in
    the body, never retried behind the caller's back.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        timeout: float = 20,
    ) -> Reply:
        started = time.monotonic()
        try:
            return await asyncio.wait_for(self._exchange(method, path, body, headers or {}, started), timeout)
        except (
            OSError,
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ) as exc:
            await self.close()
            detail = f"{type(exc).__name__}: {exc}".encode()
            return Reply(0, {}, detail, started, time.monotonic())

    async def _exchange(
        self, method: str, path: str, body: bytes, headers: Mapping[str, str], started: float
    ) -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(LOOPBACK, self.port)
        assert self.reader is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {LOOPBACK}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        received: dict[str, str] = {}
        cookies: dict[str, str] = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            received[name.strip().lower()] = value.strip()
            if name.strip().lower() == "set-cookie":
                cookie_name, _, cookie_value = value.strip().partition(";")[0].partition("=")
                cookies[cookie_name.strip()] = cookie_value.strip()
        if "chunked" in received.get("transfer-encoding", "").lower():
            content = await self._chunks()
        else:
            length = int(received.get("content-length", "0"))
            content = await self.reader.readexactly(length) if length else b""
        if received.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, received, content, started, time.monotonic(), cookies)

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts = []
        for _ in range(100_000):
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                break
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
        return b"".join(parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


# --- Buyers --------------------------------------------------------------------------------


@dataclass
class Purchase:
    """One buyer's purchase: one Idempotency-Key, retried until a final answer."""

    key: str
    attempts: list[Reply] = field(default_factory=list)

    @property
    def final(self) -> Reply | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def status(self) -> int:
        return self.final.status if self.final else 0

    @property
    def body(self) -> bytes:
        return self.final.body if self.final else b""

    @property
    def code(self) -> str | None:
        final = self.final
        if final is None or final.status != 201:
            return None
        return final.json()["code"]

    @property
    def failed_attempts(self) -> list[Reply]:
        return [a for a in self.attempts if a.status in RETRYABLE]


def purchase_body(ticket_type_id: int, buyer: int, quantity: int = 1) -> bytes:
    return json.dumps(
        {
            "lines": [{"ticket_type_id": ticket_type_id, "quantity": quantity}],
            "buyer": {"name": f"Buyer {buyer}", "email": f"buyer{buyer}@example.com"},
            "payment_method": "offline",
        }
    ).encode()


async def buy(
    client: Client,
    slug: str,
    body: bytes,
    *,
    deadline: float,
    max_attempts: int = 80,
    backoff: float = 0.1,
) -> Purchase:
    """POST the purchase; retry connection errors, 502, 503 and 504 with the same Idempotency-Key.

    Stops at the first other answer (201, 409, 4xx, 500), after ``max_attempts``
    or at ``deadline`` (time.monotonic()). The pause between attempts grows from
    ``backoff`` to 0.5 s; faster than the app's Retry-After so recovery is timed closely.
    """
    purchase = Purchase(key=str(uuid.uuid4()))
    headers = {**JSON, "Idempotency-Key": purchase.key}
    for attempt in range(max_attempts):
        reply = await client.request("POST", f"/api/v1/events/{slug}/orders", body, headers)
        purchase.attempts.append(reply)
        if reply.status not in RETRYABLE or time.monotonic() >= deadline:
            break
        await asyncio.sleep(min(backoff * (attempt + 1), 0.5))
    return purchase


def status_counts(replies: list[Reply]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(Counter(r.status for r in replies).items())}


def connection_errors(replies: list[Reply]) -> dict[str, int]:
    """The errors of the requests that got no HTTP answer, by kind."""
    return dict(Counter(r.body.decode(errors="replace")[:80] for r in replies if r.status == 0))


def is_shed(reply: Reply) -> bool:
    """The busy server's answer to a request that waited past its deadline (ADR 0029):
    503 (429 for the on-sale room's requests), a problem saying so, with Retry-After."""
    if reply.status not in (429, 503):
        return False
    if not reply.headers.get("content-type", "").startswith("application/problem+json"):
        return False
    try:
        problem = reply.json()
    except ValueError:
        return False
    return (
        problem.get("status") == reply.status
        and "very busy" in str(problem.get("detail", ""))
        and reply.headers.get("retry-after", "").isdigit()
    )


def is_readable_503(reply: Reply) -> bool:
    """A 503 a person or a program can act on: the app's problem+json (the database is
    away, or the server is too busy), or HAProxy's own page."""
    if reply.status != 503:
        return False
    if is_shed(reply):
        return True
    content_type = reply.headers.get("content-type", "")
    if "x-request-id" not in reply.headers:  # HAProxy answered: no instance was available
        return b"No server is available" in reply.body
    if content_type.startswith("application/problem+json"):  # the API
        try:
            problem = reply.json()
        except ValueError:
            return False
        return problem.get("status") == 503 and "database" in problem.get("detail", "")
    return content_type.startswith("text/plain") and b"database" in reply.body  # the pages


# --- Databases -----------------------------------------------------------------------------


def server_of_test_database() -> dict[str, Any]:
    """Host, port, user and password of the PostgreSQL server the suite runs on."""
    from django.db import connection

    db = connection.settings_dict
    return {
        "host": db["HOST"] or LOOPBACK,
        "port": int(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or "",
    }


def database_url(server: Mapping[str, Any], name: str) -> str:
    password = f":{server['password']}" if server["password"] else ""
    return f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"


@contextlib.contextmanager
def fresh_database(server: Mapping[str, Any]) -> Iterator[str]:
    """A new, empty database on ``server``, dropped afterwards; yields its DATABASE_URL."""
    import psycopg
    from psycopg import sql

    name = f"maticko_fleet_{secrets.token_hex(4)}"
    connect = {k: v for k, v in server.items() if v} | {"dbname": "postgres", "connect_timeout": 5}
    with psycopg.connect(**connect, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(server, name)
    finally:
        with psycopg.connect(**connect, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(url: str, *args: str, env: Mapping[str, str] | None = None) -> str:
    result = run_manage(list(args), {"DATABASE_URL": url, "DEBUG": "false", **(env or {})}, timeout=120)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def migrate(url: str) -> None:
    manage(url, "migrate", "--noinput", "-v", "0")


MARK = "FLEET-JSON "

CREATE_EVENTS = """
import datetime as dt, json, os
from decimal import Decimal
from django.utils import timezone
from accounts.models import Organizer
from events import dates
from events.models import Event, TicketType
organizer, _ = Organizer.objects.get_or_create(slug="fleet", defaults={"name": "Fleet test"})
start = timezone.now() + dt.timedelta(days=30)
created = {}
for slug, capacity in zip(os.environ["FLEET_SLUGS"].split(","), os.environ["FLEET_CAPACITIES"].split(",")):
    event = Event.objects.create(organizer=organizer, slug=slug, title="Fleet sale", status="published",
        starts_at=start, ends_at=start + dt.timedelta(hours=3), venue_name="Arena", currency="EUR",
        payment_methods=["offline"])
    ticket_type = TicketType.objects.create(event=event, name="Standing", price=Decimal("25.00"),
        capacity=int(capacity), max_per_order=10)
    dates.add_dates(event, [dates.DateTimes(event.starts_at, event.ends_at)])  # with the ticket type's stock
    created[slug] = ticket_type.pk
print("FLEET-JSON " + json.dumps(created))
"""

SALE_FIGURES = """
import json, os
from django.db.models import Count, Sum
from core.models import OutboxMessage
from events.models import Event, TicketType
from sales.models import IdempotencyRecord, Order, OrderLine, Ticket
event = Event.objects.get(slug=os.environ["FLEET_SLUG"])
ticket_type = TicketType.objects.get(event=event)
orders = Order.objects.filter(event=event)
by_order = lambda rows: rows.filter(order__event=event).values_list("order__code")
tickets = dict(by_order(Ticket.objects).annotate(n=Count("id")))
lines = dict(by_order(OrderLine.objects).annotate(n=Sum("quantity")))
records = IdempotencyRecord.objects.filter(scope=f"purchase:{event.pk}")
print("FLEET-JSON " + json.dumps({
    "codes": list(orders.values_list("code", flat=True)),
    "tickets_by_order": tickets,
    "quantity_by_order": lines,
    "sold": Ticket.objects.filter(order__event=event, order__status__in=["pending", "paid"]).count(),
    "tickets": sum(tickets.values()),
    "allocated": ticket_type.date_ticket_types.get().allocated,
    "capacity": ticket_type.capacity,
    "idempotency_records": list(records.values_list("key", "order_code")),
    "emails_pending": OutboxMessage.objects.filter(sent_at__isnull=True).count(),
}))
"""


def deliver_outbox(url: str, mail_dir: Path) -> dict[str, int]:
    """Run ``manage.py deliver_outbox`` (what any instance does now and then); count what is left."""
    import psycopg

    output = manage(url, "deliver_outbox", env={"EMAIL_URL": f"filemail://{mail_dir}"})
    sent = int(output.split("Delivered", 1)[1].split()[0])
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5) as conn:
        pending = conn.execute("SELECT count(*) FROM core_outboxmessage WHERE sent_at IS NULL").fetchone()
    return {"sent": sent, "pending": pending[0] if pending else -1}


def _marked_json(output: str) -> Any:
    for line in reversed(output.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise AssertionError(f"no result in the output:\n{output}")


def create_events(url: str, *capacities: int) -> list[tuple[str, int]]:
    """Published events, each with one ticket type of that many tickets at 25 EUR (bank transfer).

    Returns (slug, ticket type id) of each.
    """
    slugs = [f"fleet-{secrets.token_hex(4)}" for _ in capacities]
    env = {"FLEET_SLUGS": ",".join(slugs), "FLEET_CAPACITIES": ",".join(map(str, capacities))}
    created = _marked_json(manage(url, "shell", "-v", "0", "-c", CREATE_EVENTS, env=env))
    return [(slug, created[slug]) for slug in slugs]


async def warm_up(fleet: Fleet, slug: str, ticket_type: int, requests_per_client: int = 3) -> None:
    """Send every instance reads and purchases (of a warm-up event) straight, not through HAProxy.

    A fresh gunicorn worker answers its first requests slowly (lazy imports,
    the database pool, the API schema); in a real sale the instances are warm.
    """

    async def tab(port: int, n: int) -> None:
        client = Client(port)
        try:
            for i in range(requests_per_client):
                await client.request("GET", f"/api/v1/events/{slug}")
                body = purchase_body(ticket_type, 1_000_000 + n * 100 + i)
                await client.request("POST", f"/api/v1/events/{slug}/orders", body, JSON)
        finally:
            await client.close()

    tabs = fleet.workers * fleet.threads * 2
    await asyncio.gather(*(tab(i.port, n) for i in fleet.members.values() for n in range(tabs)))
    # The burst can keep a health check waiting past its timeout on a busy machine; the
    # tests count HAProxy's transitions from a steady fleet.
    await asyncio.to_thread(fleet.wait_steady)


def sale_figures(url: str, slug: str) -> dict[str, Any]:
    return _marked_json(manage(url, "shell", "-v", "0", "-c", SALE_FIGURES, env={"FLEET_SLUG": slug}))


def check_sale_integrity(figures: Mapping[str, Any], purchases: list[Purchase]) -> dict[str, Any]:
    """The invariants after a sale: nothing oversold, lost, duplicated or half-written.

    Returns the figures it computed; raises AssertionError with the evidence otherwise.
    """
    codes = [p.code for p in purchases if p.code]
    returned = set(codes)
    in_db = set(figures["codes"])
    # One order per Idempotency-Key: every buyer's 201 names its own order.
    assert len(returned) == len(codes), "two buyers were answered with the same order"
    assert len(figures["codes"]) == len(in_db)
    assert in_db == returned, (
        f"orders in the database without a buyer: {sorted(in_db - returned)[:10]}; "
        f"buyers whose order is not in the database: {sorted(returned - in_db)[:10]}"
    )
    records = dict(figures["idempotency_records"])
    assert len(records) == len(figures["idempotency_records"])
    for purchase in purchases:
        if purchase.code:
            assert records.get(purchase.key) == purchase.code, f"key {purchase.key} maps elsewhere"
    assert set(records.values()) == in_db, "an idempotency record points at no order, or an order has none"
    # No half order: every order has its lines and one ticket per line quantity.
    for code in in_db:
        quantity = figures["quantity_by_order"].get(code, 0)
        assert quantity > 0, f"order {code} has no lines"
        assert figures["tickets_by_order"].get(code, 0) == quantity, f"order {code} lacks tickets"
    assert figures["sold"] <= figures["capacity"], f"oversold: {figures['sold']} > {figures['capacity']}"
    allocated, tickets = figures["allocated"], figures["tickets"]
    assert allocated == tickets, f"the stock counter says {allocated} allocated; there are {tickets} tickets"
    return {
        "orders": len(in_db),
        "tickets_sold": figures["sold"],
        "capacity": figures["capacity"],
        "oversold": max(figures["sold"] - figures["capacity"], 0),
        "duplicated_orders": len(figures["codes"]) - len(returned),
        # Confirmation emails not sent yet: the outbox sends them later (core/outbox.py).
        "emails_pending": figures["emails_pending"],
    }


# --- A PostgreSQL server of the test's own -------------------------------------------------


def postgres_bin_dir() -> Path | None:
    """Debian's PostgreSQL server programs (initdb, pg_ctl), newest version first."""
    root = Path("/usr/lib/postgresql")
    candidates = sorted(
        root.glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0
    )
    for bin_dir in reversed(candidates):
        if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
            return bin_dir
    return None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free loopback port (trust auth), for restarting at will.

    initdb and pg_ctl refuse to run as root, so as root they run as the
    ``postgres`` user (runuser) in a temporary folder that user owns.
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="fleet-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]

    def url(self, name: str) -> str:
        return f"postgres://postgres@{LOOPBACK}:{self.port}/{name}"

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [*self._as_postgres, str(self.bin_dir / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
        )
        assert result.returncode == 0, (
            f"{program} failed:\n{result.stdout}\n{result.stderr}\n{self.log_tail()}"
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        # fsync off: this cluster only lives for one test; a clean stop still writes everything.
        options = f"-p {self.port} -c listen_addresses={LOOPBACK} -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            host=LOOPBACK,
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        ) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# --- Figures -------------------------------------------------------------------------------


def report(name: str, figures: Mapping[str, Any]) -> None:
    """Print the figures and keep them in test-artifacts/fleet/<name>.json."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(figures, indent=2, sort_keys=True)
    (ARTIFACTS / f"{name}.json").write_text(text + "\n")
    print(f"\n{name}: {text}")


def port_of(fleet: Fleet) -> int:
    """HAProxy's port: Fleet takes a free one when it is created without one."""
    assert fleet.port is not None
    return fleet.port


def since(t0: float, t: float | None) -> float | None:
    return None if t is None else round(t - t0, 3)


T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own.

    Playwright's sync API (the browser tests, earlier in the same session) leaves
    an event loop set on the main thread, where ``asyncio.run`` then refuses to start.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
