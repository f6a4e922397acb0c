"""Open-loop overload benchmark: a crowd arriving at three times the purchase capacity.

A closed-loop benchmark (flash_sale.py) lets each client wait for its answer
before asking again, so a slow server slows its own load down and the queueing
never shows. A real on-sale is open: people arrive at their own pace whatever
the server does. This generator schedules arrival i at t0 + i / rate (as wrk2
does) and measures every latency from that scheduled time, so time spent
waiting behind a slow server (or a busy load generator) is counted, not hidden
(coordinated omission). Each arrival is a new buyer on a new connection with a
client-side timeout; timeouts and connection errors are counted apart from the
HTTP answers.

Phases, on one production server (bench/server.py) over a fresh database:

    capacity  closed loop: ``--buyers`` clients buy back to back on an event that
              cannot sell out: the peak goodput (purchases/s), and the same
              server's GET /health/ rate at the same concurrency.
    without   open loop, no waiting room: arrivals at ``--overload`` x capacity for
              ``--duration`` s, each POSTs one purchase. Goodput (201/s answered
              inside the window) against the peak, latency from the scheduled
              time, 5xx, timeouts, connection errors, and the orders the server
              wrote for buyers who had already given up.
    room      open loop through the on-sale room (the ``onsale`` app): arrivals at
              the same rate each fetch and solve a proof of work (the server runs
              with a small ALTCHA_MAX_NUMBER), join the queue
              (POST /api/v1/events/{slug}/queue), poll its status honouring
              Retry-After, and once admitted buy with the Admission-Token header
              and the browser cookie. The admitted buyers' purchase latency, 5xx
              of every kind of request, status requests/s, admissions/s against
              the configured rate; then the status answer closed-loop against
              GET /health/.

Prints one JSON document. Usage:

    python bench/overload.py                          # all three phases on PostgreSQL
    python bench/overload.py --phases capacity,without --duration 20
    python bench/overload.py --capacity 150 --phases room --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Connection, Request, Response, percentile, run_load
from server import cpu_ms_per_request, cpu_seconds, database_url, manage, production_env, production_server

HOST = "127.0.0.1"
JSON_HEADERS = {"Content-Type": "application/json"}
PHASES = ("capacity", "without", "room")

SETUP_EVENT = """
import datetime as dt, json
from decimal import Decimal
from django.utils import timezone
from accounts.models import Organizer
from events import dates
from events.models import Event, TicketType
organizer, _ = Organizer.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
start = timezone.now() + dt.timedelta(days=30)
slug = "overload-%(name)s-" + timezone.now().strftime("%%H%%M%%S%%f")
event = Event.objects.create(organizer=organizer, slug=slug, title="Overload %(name)s", status="published",
    starts_at=start, ends_at=start + dt.timedelta(hours=3), venue_name="Arena", currency="EUR",
    payment_methods=["demo"])
ticket_type = TicketType.objects.create(event=event, name="Standing", price=Decimal("39.00"),
    capacity=%(tickets)d, max_per_order=10)
dates.add_dates(event, [dates.DateTimes(start, start + dt.timedelta(hours=3))])
print(json.dumps({"slug": slug, "event": event.pk, "ticket_type": ticket_type.pk}))
"""

ORDERS = """
import json
from sales.models import Order
print(json.dumps({"orders": Order.objects.filter(event__slug=%(slug)r).count()}))
"""

OPEN_ROOM = """
import datetime as dt, json
from django.utils import timezone
from events.models import Event
from onsale import services
event = Event.objects.get(slug=%(slug)r)
now = timezone.now()
room = services.configure(event, actor=None, actor_label="overload benchmark", enabled=True,
    queue_opens_at=now, sale_starts_at=now + dt.timedelta(seconds=%(sale_starts_in)f),
    admissions_per_minute=%(per_minute)d, max_active_shoppers=%(max_active)d,
    session_minutes=%(session_minutes)d, mode="random")
print(json.dumps({"room": room.pk, "sale_starts_at": room.sale_starts_at.isoformat()}))
"""

ROOM_FIGURES = """
import json
from django.db.models import Count, Max, Min
from onsale.models import QueueEntry
entries = QueueEntry.objects.filter(room__event__slug=%(slug)r)
admitted = entries.filter(admitted_at__isnull=False)
span = admitted.aggregate(first=Min("admitted_at"), last=Max("admitted_at"))
positions = list(entries.filter(position__isnull=False).values_list("position", flat=True))
per_second: dict[str, int] = {}
for at in admitted.values_list("admitted_at", flat=True):
    second = at.replace(microsecond=0).isoformat()
    per_second[second] = per_second.get(second, 0) + 1
print(json.dumps({
    "entries": entries.count(),
    "by_status": dict(entries.values_list("status").annotate(n=Count("id"))),
    "with_position": len(positions),
    "duplicate_positions": len(positions) - len(set(positions)),
    "admitted": admitted.count(),
    "first_admitted_at": span["first"].isoformat() if span["first"] else None,
    "last_admitted_at": span["last"].isoformat() if span["last"] else None,
    "admissions_per_second": [per_second[k] for k in sorted(per_second)],
}))
"""


# --- Open-loop arrivals ----------------------------------------------------------------------


@dataclass
class Attempt:
    """One request of an open-loop client: its answer, or why there was none."""

    kind: str  # "answer", "timeout" (no answer within the client's timeout) or "connection_error"
    status: int  # 0 without an answer
    latency_ms: float  # from the scheduled time of the arrival (or of the request, see callers)
    answered_at: float  # time.perf_counter()
    response: Response | None = None
    connected: bool = True  # False: the timeout or error came before the connection was made


async def one_request(port: int, request: Request, timeout: float, scheduled: float) -> Attempt:
    """``request`` once, on a connection of its own, within ``timeout`` s of now.

    The latency counts from ``scheduled`` (time.perf_counter()).
    """
    connection = Connection(HOST, port)
    connected = False
    timer = asyncio.timeout(timeout)
    try:
        async with timer:
            await connection.connect()
            connected = True
            response = await connection.exchange(request, timeout, scheduled)
        return Attempt("answer", response.status, response.latency_ms, time.perf_counter(), response)
    except TimeoutError:
        kind = "timeout"
    except (OSError, asyncio.IncompleteReadError, ValueError):
        kind = "connection_error"
    finally:
        try:
            await connection.close()
        except asyncio.CancelledError:
            # The timeout fired just as the block ended (Python 3.11's asyncio.timeout):
            # its cancellation arrives here, and is the timer's, not the caller's.
            task = asyncio.current_task()
            if not timer.expired() or task is None:
                raise
            task.uncancel()
    now = time.perf_counter()
    return Attempt(kind, 0, (now - scheduled) * 1000, now, connected=connected)


@dataclass
class Schedule:
    """When the arrivals were due and how late the generator started them."""

    started: float
    rate: float
    arrivals: int
    dispatch_lag_ms: list[float] = field(default_factory=list)
    # Arrivals that ended in an exception of the generator itself, by type: must stay empty.
    client_errors: Counter[str] = field(default_factory=Counter)

    def lag_summary(self) -> dict[str, float]:
        lags = sorted(self.dispatch_lag_ms)
        return {
            "p50_ms": round(percentile(lags, 50), 1),
            "p99_ms": round(percentile(lags, 99), 1),
            "max_ms": round(lags[-1], 1) if lags else 0.0,
        }


async def open_loop(
    rate: float, duration_s: float, arrival: Callable[[int, float], Awaitable[None]]
) -> Schedule:
    """Start ``arrival(i, scheduled)`` at scheduled = t0 + i / rate for ``duration_s`` seconds,
    whether or not earlier arrivals have finished; return once all have."""
    count = int(rate * duration_s)
    schedule = Schedule(started=time.perf_counter() + 0.05, rate=rate, arrivals=count)
    running: set[asyncio.Task[None]] = set()

    async def guarded(i: int, scheduled: float) -> None:
        try:
            await arrival(i, scheduled)
        except Exception as exc:  # counted and reported, not lost with the task
            schedule.client_errors[type(exc).__name__] += 1

    for i in range(count):
        scheduled = schedule.started + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        # A late start is not waited for: the arrival's latency counts from ``scheduled``.
        schedule.dispatch_lag_ms.append(max(0.0, (time.perf_counter() - scheduled) * 1000))
        task = asyncio.create_task(guarded(i, scheduled))
        running.add(task)
        task.add_done_callback(running.discard)
    while running:
        await asyncio.gather(*list(running))
    return schedule


def attempts_summary(attempts: list[Attempt]) -> dict[str, Any]:
    answered = sorted(a.latency_ms for a in attempts if a.kind == "answer")
    statuses = Counter(a.status for a in attempts if a.kind == "answer")
    return {
        "requests": len(attempts),
        "answered": len(answered),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "5xx": sum(v for k, v in statuses.items() if k >= 500),
        "timeouts": sum(1 for a in attempts if a.kind == "timeout"),
        "timeouts_before_connecting": sum(1 for a in attempts if a.kind == "timeout" and not a.connected),
        "connection_errors": sum(1 for a in attempts if a.kind == "connection_error"),
        "p50_ms": round(percentile(answered, 50), 1),
        "p99_ms": round(percentile(answered, 99), 1),
        "max_ms": round(answered[-1], 1) if answered else 0.0,
        "mean_ms": round(statistics.fmean(answered), 1) if answered else 0.0,
    }


# --- Requests -----------------------------------------------------------------------------------


def purchase_request(
    slug: str, ticket_type: int, buyer: str, headers: dict[str, str] | None = None
) -> Request:
    body = {
        "lines": [{"ticket_type_id": ticket_type, "quantity": 1}],
        "buyer": {"name": f"Buyer {buyer}", "email": f"buyer-{buyer}@example.com"},
        "payment_method": "demo",
    }
    all_headers = {**JSON_HEADERS, "Idempotency-Key": str(uuid.uuid4()), **(headers or {})}
    return Request("POST", f"/api/v1/events/{slug}/orders", json.dumps(body).encode(), all_headers)


def visitor_address(i: int) -> dict[str, str]:
    """Visitor ``i``'s own address, as the load balancer would append it."""
    return {"X-Forwarded-For": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"}


def cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}


def create_event(env: dict[str, str], name: str, tickets: int) -> dict[str, Any]:
    script = SETUP_EVENT % {"name": name, "tickets": tickets}
    return json.loads(manage(env, "shell", "-v", "0", "-c", script).strip())


def shell_json(env: dict[str, str], script: str) -> dict[str, Any]:
    return json.loads(manage(env, "shell", "-v", "0", "-c", script).strip().splitlines()[-1])


def settle(port: int, timeout_s: float = 120) -> float:
    """Wait until the server has worked off what an earlier phase left queued in it
    (it answers /health/ within 100 ms three times in a row); return the seconds waited."""

    async def wait() -> float:
        started = time.perf_counter()
        quick = 0
        while quick < 3 and time.perf_counter() - started < timeout_s:
            attempt = await one_request(port, Request("GET", "/health/"), 10, time.perf_counter())
            quick = quick + 1 if attempt.status == 200 and attempt.latency_ms < 100 else 0
            await asyncio.sleep(0.2)
        return time.perf_counter() - started

    return round(asyncio.run(wait()), 1)


# --- Phases -------------------------------------------------------------------------------------


def measure_capacity(port: int, event: dict[str, Any], buyers: int, seconds: float) -> dict[str, Any]:
    """Peak goodput closed-loop (purchases/s), then /health/ at the same concurrency."""
    counter = iter(range(10**9))

    def purchase(client: int, i: int) -> Request:
        return purchase_request(event["slug"], event["ticket_type"], f"capacity-{next(counter)}")

    # Warm-up first: a fresh worker's first purchases are slow (imports, pools, prepared statements).
    asyncio.run(run_load(HOST, port, purchase, buyers, duration_s=min(3.0, seconds)))
    cpu_before = cpu_seconds()
    sale = asyncio.run(run_load(HOST, port, purchase, buyers, duration_s=seconds)).summary()
    purchase_cpu = cpu_ms_per_request(cpu_before, cpu_seconds(), sale["requests"])
    health = closed_loop_health(port, buyers, seconds)
    created = sale["statuses"].get("201", 0)
    goodput = round(created / sale["elapsed_s"], 1)
    return {
        "buyers": buyers,
        "seconds": seconds,
        "purchases_per_s": goodput,
        "p50_ms": sale["p50_ms"],
        "p99_ms": sale["p99_ms"],
        "statuses": sale["statuses"],
        "health_requests_per_s": health["requests_per_s"],
        "purchases_to_health_ratio": round(goodput / health["requests_per_s"], 3)
        if health["requests_per_s"]
        else None,
        "cpu_ms_per_purchase": purchase_cpu,
    }


def closed_loop_health(port: int, concurrency: int, seconds: float) -> dict[str, Any]:
    health = Request("GET", "/health/")
    return asyncio.run(run_load(HOST, port, lambda c, i: health, concurrency, duration_s=seconds)).summary()


def without_room(
    port: int, env: dict[str, str], event: dict[str, Any], rate: float, args: argparse.Namespace
) -> dict[str, Any]:
    """Every arrival POSTs one purchase straight away."""
    attempts: list[Attempt] = []

    async def arrival(i: int, scheduled: float) -> None:
        request = purchase_request(event["slug"], event["ticket_type"], f"open-{i}", visitor_address(i))
        attempts.append(await one_request(port, request, args.timeout, scheduled))

    cpu_before = cpu_seconds()
    schedule = asyncio.run(open_loop(rate, args.duration, arrival))
    cpu = cpu_ms_per_request(cpu_before, cpu_seconds(), len(attempts))
    window_end = schedule.started + args.duration
    created = [a for a in attempts if a.status == 201]
    in_window = sum(1 for a in created if a.answered_at <= window_end)
    orders = shell_json(env, ORDERS % {"slug": event["slug"]})["orders"]
    return {
        "arrivals_per_s": rate,
        "arrivals": schedule.arrivals,
        "seconds": args.duration,
        "client_timeout_s": args.timeout,
        "goodput_per_s": round(in_window / args.duration, 1),
        "purchases_answered_201": len(created),
        # Orders the server wrote after their buyer had given up (timed out): wasted work.
        "orders_without_an_answer": orders - len(created),
        "purchase": attempts_summary(attempts),
        "generator_dispatch_lag": schedule.lag_summary(),
        "generator_errors": dict(schedule.client_errors),
        "cpu_ms_per_arrival": cpu,
    }


@dataclass
class RoomLog:
    joins: list[Attempt] = field(default_factory=list)
    challenges: list[Attempt] = field(default_factory=list)
    statuses: list[Attempt] = field(default_factory=list)
    purchases: list[Attempt] = field(default_factory=list)
    states: Counter[str] = field(default_factory=Counter)  # the last state each buyer saw
    turn_seen_at: list[float] = field(default_factory=list)
    gave_up: int = 0  # buyers still waiting when the run ended


def solve_challenge(challenge: dict[str, Any]) -> str:
    import altcha

    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed)
    if solution is None:
        raise ValueError("the proof of work has no solution")
    return altcha.Payload(parsed, solution).to_base64()


async def room_buyer(
    port: int,
    event: dict[str, Any],
    i: int,
    scheduled: float,
    stop_at: float,
    log: RoomLog,
    timeout: float,
) -> None:
    """One visitor: proof of work, join, poll until admitted (or the run ends), buy once.

    A poll that fails (timeout, connection error, 5xx, 429) is tried again after the last
    answer's wait, as the queue page does; a visitor whose challenge or join fails leaves.
    """
    queue_path = f"/api/v1/events/{event['slug']}/queue"
    address = visitor_address(i)
    challenge = await one_request(
        port, Request("GET", "/api/v1/challenge", headers=address), timeout, scheduled
    )
    log.challenges.append(challenge)
    if challenge.status != 200 or challenge.response is None:
        return
    payload = solve_challenge(json.loads(challenge.response.body))
    body = json.dumps({"altcha": payload}).encode()
    join = await one_request(
        port, Request("POST", queue_path, body, {**JSON_HEADERS, **address}), timeout, scheduled
    )
    log.joins.append(join)
    if join.status not in (200, 201) or join.response is None:
        return
    jar = dict(join.response.cookies)
    answer = join.response
    while True:
        status = json.loads(answer.body)
        state = status.get("state", "")
        if state == "your_turn":
            log.states[state] += 1
            log.turn_seen_at.append(time.perf_counter())
            token = status.get("admission_token") or ""
            headers = {"Admission-Token": token, **cookie_header(jar), **address}
            request = purchase_request(event["slug"], event["ticket_type"], f"room-{i}", headers)
            log.purchases.append(await one_request(port, request, timeout, time.perf_counter()))
            return
        if state in ("sold_out", "expired", "used", "no_room", "not_joined"):
            log.states[state] += 1
            return
        wait = float(answer.headers.get("retry-after") or status.get("poll_after_seconds") or 1)
        # Jitter, as the queue page polls: up to a fifth either way.
        wait *= random.uniform(0.8, 1.2)
        if time.perf_counter() + wait >= stop_at:
            log.states[state] += 1
            log.gave_up += 1
            return
        await asyncio.sleep(wait)
        sent = time.perf_counter()
        poll_request = Request("GET", queue_path, headers={**cookie_header(jar), **address})
        poll = await one_request(port, poll_request, timeout, sent)
        log.statuses.append(poll)
        if poll.response is None or poll.status >= 500 or poll.status == 429:
            # Counted in log.statuses; asked again after the same wait, as the queue page
            # does (429: a poll shed because it waited past QUEUE_REQUEST_DEADLINE_MS).
            continue
        if poll.status != 200:
            log.states[f"status_{poll.status}"] += 1
            return
        jar.update(poll.response.cookies)
        answer = poll.response


def with_room(
    port: int, env: dict[str, str], event: dict[str, Any], rate: float, args: argparse.Namespace
) -> dict[str, Any]:
    per_minute = max(1, round(rate / args.overload * args.admit_fraction * 60))
    joins_closed_loop = join_closed_loop(port, env, args)
    settle(port)
    room = shell_json(
        env,
        OPEN_ROOM
        % {
            "slug": event["slug"],
            "sale_starts_in": 1.0,
            "per_minute": per_minute,
            # By default a minute's admissions: an admitted visitor far back in the queue
            # notices its turn only at its next poll (up to 30 s later) and holds a slot meanwhile.
            "max_active": args.max_active or min(per_minute, 100_000),
            "session_minutes": args.session_minutes,
        },
    )
    time.sleep(1.5)  # the sale has started: every arrival queues in arrival order behind the drawn ones
    log = RoomLog()
    stop_at = time.perf_counter() + args.duration + args.drain

    async def arrival(i: int, scheduled: float) -> None:
        await room_buyer(port, event, i, scheduled, stop_at, log, args.timeout)

    cpu_before = cpu_seconds()
    started_wall = dt.datetime.now(dt.UTC)
    schedule = asyncio.run(open_loop(rate, args.duration, arrival))
    elapsed = time.perf_counter() - schedule.started
    requests = len(log.challenges) + len(log.joins) + len(log.statuses) + len(log.purchases)
    cpu = cpu_ms_per_request(cpu_before, cpu_seconds(), requests)
    figures = shell_json(env, ROOM_FIGURES % {"slug": event["slug"]})
    status_vs_health = status_closed_loop(port, env, args)
    purchase = attempts_summary(log.purchases)
    every_request = log.challenges + log.joins + log.statuses + log.purchases
    admitted_span = None
    if figures["first_admitted_at"] and figures["last_admitted_at"]:
        first = dt.datetime.fromisoformat(figures["first_admitted_at"])
        last = dt.datetime.fromisoformat(figures["last_admitted_at"])
        admitted_span = max((last - first).total_seconds(), 1.0)
    per_second = figures.pop("admissions_per_second")
    return {
        "arrivals_per_s": rate,
        "arrivals": schedule.arrivals,
        "seconds": args.duration,
        "drain_s": args.drain,
        "room": room,
        "started_at": started_wall.isoformat(),
        "configured_admissions_per_minute": per_minute,
        "configured_admissions_per_s": round(per_minute / 60, 2),
        "admissions_per_s": round(figures["admitted"] / admitted_span, 2) if admitted_span else 0.0,
        "admissions_per_s_median": statistics.median(per_second) if per_second else 0,
        "admitted_purchase": purchase,
        "admitted_purchase_p99_target_ms": 250,
        "5xx": sum(1 for a in every_request if a.status >= 500),
        "timeouts": sum(1 for a in every_request if a.kind == "timeout"),
        "connection_errors": sum(1 for a in every_request if a.kind == "connection_error"),
        "challenge": attempts_summary(log.challenges),
        "join": attempts_summary(log.joins),
        "status": attempts_summary(log.statuses),
        "status_requests_per_s": round(len(log.statuses) / elapsed, 1) if elapsed else 0.0,
        "last_state_seen": dict(log.states),
        "still_waiting_at_the_end": log.gave_up,
        "queue": figures,
        "status_closed_loop": status_vs_health,
        "join_closed_loop": joins_closed_loop,
        "generator_dispatch_lag": schedule.lag_summary(),
        "generator_errors": dict(schedule.client_errors),
        "cpu_ms_per_request": cpu,
    }


def join_closed_loop(port: int, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """How many visitors a second the room can take in: ``--buyers`` clients back to back,
    each round a new visitor (own address, no cookie) fetching a challenge, solving it
    and joining, on a room whose sale starts in an hour."""
    event = create_event(env, "joins", 1)
    room_settings = {"slug": event["slug"], "sale_starts_in": 3600.0, "per_minute": 60}
    shell_json(env, OPEN_ROOM % {**room_settings, "max_active": 100, "session_minutes": 10})
    queue_path = f"/api/v1/events/{event['slug']}/queue"
    joins: list[Response] = []
    counter = iter(range(10**9))

    async def client(deadline: float) -> None:
        connection = Connection(HOST, port)
        try:
            while time.perf_counter() < deadline:
                address = visitor_address(1_000_000 + next(counter))
                challenge = await connection.send(Request("GET", "/api/v1/challenge", headers=address), 30)
                if challenge.status != 200:
                    joins.append(challenge)
                    continue
                body = json.dumps({"altcha": solve_challenge(json.loads(challenge.body))}).encode()
                joins.append(
                    await connection.send(Request("POST", queue_path, body, {**JSON_HEADERS, **address}), 30)
                )
        finally:
            await connection.close()

    async def run() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(client(started + args.health_seconds) for _ in range(args.buyers)))
        return time.perf_counter() - started

    cpu_before = cpu_seconds()
    elapsed = asyncio.run(run())
    joined = sum(1 for r in joins if r.status == 201)
    latencies = sorted(r.latency_ms for r in joins)
    return {
        "concurrency": args.buyers,
        "joins_per_s": round(joined / elapsed, 1),
        "join_p50_ms": round(percentile(latencies, 50), 1),
        "join_p99_ms": round(percentile(latencies, 99), 1),
        "statuses": {str(k): v for k, v in sorted(Counter(r.status for r in joins).items())},
        # A join costs two requests: the challenge and the join itself.
        "cpu_ms_per_join": cpu_ms_per_request(cpu_before, cpu_seconds(), joined),
    }


def status_closed_loop(port: int, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """The queue status answer closed-loop against GET /health/ at the same concurrency,
    right after each other. ``--buyers`` visitors join a room of its own whose sale has
    started and that admits one a minute, so every poll is a "waiting" answer with a
    position, the people ahead and an ETA (the answer the crowd of an on-sale polls for)."""
    event = create_event(env, "status", 1)
    room_settings = {"slug": event["slug"], "sale_starts_in": 1.0, "per_minute": 1}
    shell_json(env, OPEN_ROOM % {**room_settings, "max_active": 1, "session_minutes": 10})
    time.sleep(1.5)  # the sale has started: each visitor is placed in arrival order as it joins
    queue_path = f"/api/v1/events/{event['slug']}/queue"

    async def join_all() -> list[dict[str, str]]:
        connection = Connection(HOST, port)
        jars = []
        try:
            for k in range(args.buyers):
                address = visitor_address(2_000_000 + k)
                challenge = await connection.send(Request("GET", "/api/v1/challenge", headers=address), 30)
                body = json.dumps({"altcha": solve_challenge(json.loads(challenge.body))}).encode()
                join_request = Request("POST", queue_path, body, {**JSON_HEADERS, **address})
                join = await connection.send(join_request, 30)
                if join.status not in (200, 201):
                    raise RuntimeError(f"joining the status room answered {join.status}: {join.body[:200]!r}")
                jars.append(dict(join.cookies))
        finally:
            await connection.close()
        return jars

    jars = asyncio.run(join_all())
    time.sleep(2.5)  # a round or two of the ticker: one admitted, the rest waiting with positions
    settle(port)
    requests = [Request("GET", queue_path, headers=cookie_header(jar)) for jar in jars]
    cpu_before = cpu_seconds()
    polled = asyncio.run(
        run_load(HOST, port, lambda c, i: requests[c], args.buyers, duration_s=args.health_seconds)
    )
    status = polled.summary()
    answered = [r for r in polled.responses if r.status == 200]
    cpu_between = cpu_seconds()
    health = closed_loop_health(port, args.buyers, args.health_seconds)
    cpu_after = cpu_seconds()
    # Only answers count: a poll shed with 429 (QUEUE_REQUEST_DEADLINE_MS) told the visitor nothing.
    answered_per_s = round(len(answered) / polled.elapsed_s, 1) if polled.elapsed_s else 0.0
    return {
        "concurrency": args.buyers,
        "status_answers_per_s": answered_per_s,
        "status_p99_ms": status["p99_ms"],
        "status_statuses": status["statuses"],
        "states_polled": dict(Counter(json.loads(r.body).get("state", "") for r in answered)),
        "health_requests_per_s": health["requests_per_s"],
        "status_to_health_ratio": round(answered_per_s / health["requests_per_s"], 3)
        if health["requests_per_s"]
        else None,
        "status_to_health_target": 0.7,
        "cpu_ms_per_status_request": cpu_ms_per_request(cpu_before, cpu_between, status["requests"]),
        "cpu_ms_per_health_request": cpu_ms_per_request(cpu_between, cpu_after, health["requests"]),
    }


# --- Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--buyers", type=int, default=50, help="closed-loop clients (capacity, /health/)")
    parser.add_argument("--capacity-seconds", type=float, default=10)
    parser.add_argument("--health-seconds", type=float, default=8)
    parser.add_argument(
        "--capacity",
        type=float,
        default=None,
        help="purchases/s to take as the capacity (skips measuring it)",
    )
    parser.add_argument("--overload", type=float, default=3.0, help="arrival rate as a multiple of capacity")
    parser.add_argument("--duration", type=float, default=60, help="seconds of arrivals per open-loop phase")
    parser.add_argument("--timeout", type=float, default=10, help="client-side timeout per request, seconds")
    parser.add_argument(
        "--admit-fraction",
        type=float,
        default=0.8,
        help="the room's admission rate as a fraction of capacity",
    )
    parser.add_argument(
        "--max-active",
        type=int,
        default=None,
        help="the room's maximum active shoppers (a minute's admissions)",
    )
    parser.add_argument("--session-minutes", type=int, default=10, help="the room's shopper session length")
    parser.add_argument(
        "--drain", type=float, default=15, help="seconds visitors keep polling after the arrivals"
    )
    parser.add_argument("--altcha-max-number", type=int, default=100)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py's)"
    )
    parser.add_argument("--serve", action="store_true", help="nginx in front of gunicorn (serve.sh)")
    args = parser.parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if unknown := set(phases) - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    if "capacity" not in phases and args.capacity is None and set(phases) & {"without", "room"}:
        parser.error("without the capacity phase, give --capacity")
    if min(args.buyers, args.duration, args.timeout, args.overload) <= 0:
        parser.error("--buyers, --duration, --timeout and --overload must be positive")

    workdir = Path(tempfile.mkdtemp(prefix="maticko-overload-"))
    env = production_env(
        database_url(args.database, workdir),
        DEMO_PAYMENTS="true",
        # Each visitor sends an address of its own (X-Forwarded-For, read behind the TLS
        # proxy as production does), so the room's per-address join limit stays as
        # configured. The purchase limits are off as in flash_sale.py, for both runs alike.
        PURCHASE_RATE_LIMIT="0",
        PRESSURE_TAKES_PER_MINUTE="0",
        BEHIND_TLS_PROXY="true",
        # The proof of work to join the queue is solved by this process, for thousands of visitors.
        ALTCHA_MAX_NUMBER=str(args.altcha_max_number),
        STATIC_ROOT=str(workdir / "static"),
    )
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    manage(env, "migrate", "--noinput", "-v", "0")
    report: dict[str, Any] = {"database": args.database, "overload": args.overload, "phases": phases}
    with production_server(env, workdir, serve=args.serve) as port:
        capacity = args.capacity
        if "capacity" in phases:
            event = create_event(env, "capacity", 10**7)
            report["capacity"] = measure_capacity(port, event, args.buyers, args.capacity_seconds)
            capacity = capacity or report["capacity"]["purchases_per_s"]
        if capacity is None:
            raise SystemExit("no capacity: measure it (phase capacity) or give --capacity")
        rate = round(capacity * args.overload, 1)
        arrivals = int(rate * args.duration) + 1
        if "without" in phases:
            report["settle_before_without_s"] = settle(port)
            event = create_event(env, "without", arrivals)
            result = without_room(port, env, event, rate, args)
            result["goodput_to_peak"] = round(result["goodput_per_s"] / capacity, 3)
            result["goodput_to_peak_target"] = 0.8
            report["without"] = result
        if "room" in phases:
            report["settle_before_room_s"] = settle(port)
            event = create_event(env, "room", arrivals)
            report["room"] = with_room(port, env, event, rate, args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
