"""An instance dies (SIGKILL to gunicorn's master and workers) while an on-sale room admits its queue.

Two instances behind HAProxy share one PostgreSQL database. A few hundred
visitors join the room's queue over HTTP before the sale starts (each with a
solved proof of work and a browser cookie of its own); the sale starts, the
admission ticker draws the positions and admits at a steady rate; part of the
queue through, the instance whose process was last seen ticking is killed. The
queue lives in the database and the ticker runs on whichever instance holds
the room's advisory lock, so afterwards: no two entries share a position, no
joined entry is lost (each has a position and is waiting or admitted), and the
surviving instance goes on admitting within a few seconds (ticks every second).
Assertions read the database directly; visitors join and poll their status
over HTTP, as browsers do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import altcha
import psycopg
import pytest

from onsale.ticker import ADVISORY_NAMESPACE
from tests.fleet.support import (
    FLEET_ENV,
    JSON,
    Client,
    Fleet,
    Reply,
    create_events,
    is_shed,
    port_of,
    report,
    run_async,
    status_counts,
)

pytestmark = [pytest.mark.fleet, pytest.mark.slow, pytest.mark.postgres]

VISITORS = 300  # join before the sale starts
JOIN_CONCURRENCY = 20
ADMISSIONS_PER_MINUTE = 600  # 10 a second: the queue takes about 30 s
KILL_AFTER_ADMITTED = 80  # admitted entries before the kill: mid-queue
WATCH_AFTER_KILL = 12.0  # seconds of admissions watched after the kill
POLLERS = 30  # visitors who poll their status through HAProxy the whole time
RESUME_LIMIT = 5.0  # seconds: admissions continue within this of the kill
ROOM_ENV = {
    **FLEET_ENV,
    "ONSALE_TICK_SECONDS": "1",
    # Every visitor comes from 127.0.0.1 (HAProxy appends it): the per-address join limit
    # is set out of reach.
    "ONSALE_JOINS_PER_ADDRESS_PER_MINUTE": "1000000",
    # A cheap proof of work: this process solves one per visitor.
    "ALTCHA_MAX_NUMBER": "100",
}

CONFIGURE_ROOM = """
import datetime as dt, json
from django.utils import timezone
from events.models import Event
from onsale import services
event = Event.objects.get(slug=%(slug)r)
now = timezone.now()
starts = now + dt.timedelta(seconds=%(sale_starts_in)f)
room = services.configure(event, actor=None, actor_label="fleet test", enabled=True,
    queue_opens_at=min(now, starts), sale_starts_at=starts,
    admissions_per_minute=%(rate)d, max_active_shoppers=1000, session_minutes=10, mode="random")
print("FLEET-JSON " + json.dumps({"room": room.pk}))
"""


def pg(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5, autocommit=True)


def configure_room(fleet: Fleet, slug: str, sale_starts_in: float) -> int:
    """Enable the event's room (random mode), the queue open now, the sale ``sale_starts_in`` s from now."""
    script = CONFIGURE_ROOM % {"slug": slug, "sale_starts_in": sale_starts_in, "rate": ADMISSIONS_PER_MINUTE}
    output = fleet.manage("shell", "-v", "0", "-c", script)
    line = next(x for x in reversed(output.splitlines()) if x.startswith("FLEET-JSON "))
    return int(json.loads(line.removeprefix("FLEET-JSON "))["room"])


def cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


async def until_not_shed(send: Callable[[], Awaitable[Reply]], replies: list[Reply]) -> Reply:
    """Send until the answer is not the busy server's 429 (ADR 0029), waiting its
    Retry-After in between, as the queue page and API clients do; every reply is kept."""
    while True:
        reply = await send()
        replies.append(reply)
        if reply.status != 429 or b"very busy" not in reply.body:
            return reply
        await asyncio.sleep(float(reply.headers.get("retry-after", "1")))


async def join_queue(port: int, slug: str, visitors: int) -> tuple[list[dict[str, str]], list[Reply]]:
    """``visitors`` browsers each solve a proof of work and join; returns their cookie jars and replies."""
    pending = list(range(visitors))
    jars: list[dict[str, str]] = []
    replies: list[Reply] = []

    async def browser_tab() -> None:
        client = Client(port)
        try:
            while pending:
                pending.pop()
                challenge = await until_not_shed(partial(client.request, "GET", "/api/v1/challenge"), replies)
                assert challenge.status == 200, challenge.body[:300]
                parsed = altcha.Challenge.from_dict(challenge.json())
                solution = altcha.solve_challenge(parsed)
                assert solution is not None
                body = json.dumps({"altcha": altcha.Payload(parsed, solution).to_base64()}).encode()
                # A new browser: no cookie yet, the join sets maticko_browser.
                fresh = Client(port)
                try:
                    join = await until_not_shed(
                        partial(fresh.request, "POST", f"/api/v1/events/{slug}/queue", body, JSON), replies
                    )
                finally:
                    await fresh.close()
                assert join.status in (200, 201), join.body[:300]
                assert "maticko_browser" in join.cookies, join.headers
                jars.append(dict(join.cookies))
        finally:
            await client.close()

    await asyncio.gather(*(browser_tab() for _ in range(JOIN_CONCURRENCY)))
    return jars, replies


def admitted_count(url: str, room: int) -> int:
    with pg(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM onsale_queueentry WHERE room_id = %s AND admitted_at IS NOT NULL", [room]
        ).fetchone()
    return row[0] if row else 0


def ticking_instance(fleet: Fleet, url: str, watch_seconds: float = 10.0) -> str | None:
    """The instance whose database connection holds a room's advisory lock (the ticker's,
    held for one round): PostgreSQL names the connection's client port, Linux's socket
    table the process that owns it. None when no round was caught in ``watch_seconds``."""
    pids = {name: {fleet.process_ids(name)[0], *fleet.process_ids(name)[1]} for name in fleet.members}
    deadline = time.monotonic() + watch_seconds
    with pg(url) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s LIMIT 1",
                [ADVISORY_NAMESPACE],
            ).fetchone()
            if row and row[0] and row[0] > 0:
                pid = pid_of_local_port(int(row[0]))
                for name, members in pids.items():
                    if pid in members:
                        return name
            time.sleep(0.001)
    return None


def pid_of_local_port(port: int) -> int | None:
    """The process with a TCP socket bound to local ``port`` (Linux's /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = fd.readlink().as_posix()
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


async def watch_and_kill(
    fleet: Fleet, url: str, room: int, slug: str, jars: list[dict[str, str]]
) -> dict[str, Any]:
    """Pollers ask for their status through HAProxy; once KILL_AFTER_ADMITTED are admitted, the
    ticking instance dies; admissions are watched for WATCH_AFTER_KILL seconds more."""
    timeline: dict[str, Any] = {}
    polls: list[tuple[int, Reply]] = []
    stop = asyncio.Event()

    async def poller(n: int) -> None:
        client = Client(port_of(fleet))
        try:
            while not stop.is_set():
                reply = await client.request(
                    "GET", f"/api/v1/events/{slug}/queue", headers=cookie_header(jars[n])
                )
                polls.append((n, reply))
                if reply.status == 200:
                    jars[n].update(reply.cookies)
                await asyncio.sleep(random.uniform(0.5, 1.5))
        finally:
            await client.close()

    async def killer() -> None:
        deadline = time.monotonic() + 120
        while await asyncio.to_thread(admitted_count, url, room) < KILL_AFTER_ADMITTED:
            assert time.monotonic() < deadline, "admissions did not reach the kill point"
            await asyncio.sleep(0.1)
        victim = await asyncio.to_thread(ticking_instance, fleet, url)
        timeline["ticker_identified"] = victim is not None
        victim = victim or "app1"
        timeline["killed"] = victim
        timeline["kill_wall"] = dt.datetime.now(dt.UTC)
        timeline["kill"] = time.monotonic()
        await asyncio.to_thread(fleet.kill, victim)
        await asyncio.sleep(WATCH_AFTER_KILL)
        stop.set()

    await asyncio.gather(killer(), *(poller(n) for n in range(min(POLLERS, len(jars)))))
    timeline["polls"] = polls
    return timeline


def test_killing_the_ticking_instance_loses_no_entry_and_admissions_go_on(haproxy, fleet_database, fleet_dir):
    ((slug, _ticket_type),) = create_events(fleet_database, 1000)
    with Fleet(fleet_database, instances=2, env=ROOM_ENV, work_dir=fleet_dir, haproxy_path=haproxy) as fleet:
        # The queue opens now; the sale starts in an hour, so every visitor joins before it.
        room = configure_room(fleet, slug, 3600)
        joined_started = time.monotonic()
        jars, join_replies = run_async(join_queue(port_of(fleet), slug, VISITORS))
        join_seconds = time.monotonic() - joined_started
        # The sale starts: the next tick draws the positions and admissions begin.
        configure_room(fleet, slug, 0)
        sale_started = dt.datetime.now(dt.UTC)
        timeline = run_async(watch_and_kill(fleet, fleet_database, room, slug, jars))

    with pg(fleet_database) as conn:
        entries = conn.execute(
            "SELECT id, position, status, prequeued, admitted_at FROM onsale_queueentry WHERE room_id = %s",
            [room],
        ).fetchall()
    kill_wall: dt.datetime = timeline["kill_wall"]
    positions = [e[1] for e in entries if e[1] is not None]
    statuses = Counter(e[2] for e in entries)
    admitted_at = sorted(e[4] for e in entries if e[4] is not None)
    before = [t for t in admitted_at if t <= kill_wall]
    after = [t for t in admitted_at if t > kill_wall]
    resumed_after = (after[0] - kill_wall).total_seconds() if after else None
    tick_times = sorted(set(admitted_at))
    gaps_before_kill = [(b - a).total_seconds() for a, b in itertools.pairwise(tick_times) if b <= kill_wall]
    polls: list[tuple[int, Reply]] = timeline["polls"]
    kill = timeline["kill"]
    polls_after_kill = [r for _, r in polls if r.started > kill]
    # Each polling browser's position, as its status answers told it.
    told: dict[int, set[int]] = {}
    for n, reply in polls:
        if reply.status == 200 and reply.json().get("position") is not None:
            told.setdefault(n, set()).add(reply.json()["position"])
    figures = {
        "visitors": VISITORS,
        "join_seconds": round(join_seconds, 2),
        "join_statuses": status_counts(join_replies),
        "entries": len(entries),
        "statuses": dict(statuses),
        "admissions_per_minute": ADMISSIONS_PER_MINUTE,
        "killed": timeline["killed"],
        "ticker_identified": timeline["ticker_identified"],
        "killed_after_sale_start_s": round((kill_wall - sale_started).total_seconds(), 2),
        "admitted_before_kill": len(before),
        "admitted_after_kill": len(after),
        "admissions_resumed_after_kill_s": round(resumed_after, 3) if resumed_after is not None else None,
        "largest_tick_gap_before_kill_s": round(max(gaps_before_kill, default=0), 3),
        "poll_statuses_after_kill": status_counts(polls_after_kill),
        "poll_served_by_after_kill": dict(Counter(r.served_by for r in polls_after_kill if r.status)),
    }
    report("onsale_instance_loss", figures)

    # Every visitor joined once: one entry per browser, all pre-queued.
    assert all(r.status in (200, 201) or is_shed(r) for r in join_replies)
    assert len({jar["maticko_browser"] for jar in jars}) == VISITORS
    assert len(entries) == VISITORS, "a joined visitor has no entry"
    assert all(e[3] for e in entries), "an entry that joined before the sale is not marked pre-queued"
    # No entry lost: each has a position and is waiting or admitted (nobody bought or left).
    assert len(positions) == VISITORS, f"{VISITORS - len(positions)} entries have no position"
    assert set(statuses) <= {"waiting", "admitted"}, statuses
    # No duplicate positions: dense 1..n.
    assert sorted(positions) == list(range(1, VISITORS + 1)), "positions are duplicated or have holes"
    # Admission in position order: every admitted entry is ahead of every waiting one.
    admitted_positions = [e[1] for e in entries if e[2] == "admitted"]
    waiting_positions = [e[1] for e in entries if e[2] == "waiting"]
    if admitted_positions and waiting_positions:
        assert max(admitted_positions) < min(waiting_positions)
    # A browser's position never changed, and no two browsers were told the same one.
    assert all(len(p) == 1 for p in told.values()), {n: p for n, p in told.items() if len(p) > 1}
    told_positions = [next(iter(p)) for p in told.values()]
    assert len(told_positions) == len(set(told_positions)), "two browsers were told the same position"
    # The kill came mid-queue, and the survivor went on admitting within RESUME_LIMIT.
    assert KILL_AFTER_ADMITTED <= len(before) < VISITORS
    assert after, "no admission after the kill"
    assert resumed_after is not None
    assert resumed_after <= RESUME_LIMIT, figures
    # The survivor answered the pollers after the kill.
    assert any(r.status == 200 for r in polls_after_kill), figures["poll_statuses_after_kill"]
    assert not [r for _, r in polls if r.status >= 500 and r.status not in (502, 503, 504)], "a 500 answer"
