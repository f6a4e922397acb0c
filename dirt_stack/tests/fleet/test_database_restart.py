"""PostgreSQL restarts in the middle of a sale: requests fail cleanly, then the fleet recovers.

The test runs a PostgreSQL server of its own (Debian's initdb and pg_ctl) so it
can stop and start it without disturbing the suite's server. While it is down
every answer must be a 503 with a readable body (never another 5xx, never half
an order); once it is back, the instances must recover by themselves
(/health/ 200 again, purchases succeed) within a bounded time.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from typing import Any

import pytest

from tests.fleet.support import (
    FLEET_ENV,
    Client,
    Fleet,
    PrivatePostgres,
    Purchase,
    Reply,
    buy,
    check_sale_integrity,
    connection_errors,
    create_events,
    deliver_outbox,
    is_readable_503,
    migrate,
    port_of,
    postgres_bin_dir,
    purchase_body,
    report,
    run_async,
    sale_figures,
    since,
    status_counts,
    warm_up,
)

pytestmark = [pytest.mark.fleet, pytest.mark.slow, pytest.mark.postgres]

BUYERS = 12  # concurrent clients, each buying one ticket after another
DOWN_SECONDS = 4  # PostgreSQL stays stopped this long
RECOVERY_LIMIT = 30  # seconds after PostgreSQL is back by which the fleet must serve again
RUN_TIMEOUT = 90


async def sale_through_a_database_restart(
    fleet: Fleet, postgres: PrivatePostgres, slug: str, ticket_type: int
) -> dict[str, Any]:
    purchases: list[Purchase] = []
    reads: list[Reply] = []
    samples: list[
        tuple[float, dict[str, int], dict[str, str]]
    ] = []  # (time, /health/ by instance, HAProxy's view)
    timeline: dict[str, float] = {"start": time.monotonic()}
    deadline = timeline["start"] + RUN_TIMEOUT
    stop = asyncio.Event()

    async def buyer(c: int) -> None:
        client = Client(port_of(fleet))
        try:
            for n in range(1000):
                if stop.is_set() or time.monotonic() >= deadline:
                    return
                body = purchase_body(ticket_type, c * 1000 + n)
                purchases.append(await buy(client, slug, body, deadline=deadline, backoff=0.2))
                # A read and a page between purchases: the API's and the web's 503s.
                reads.append(await client.request("GET", f"/api/v1/events/{slug}"))
                reads.append(await client.request("GET", "/"))
                await asyncio.sleep(0.05)
        finally:
            await client.close()

    def sample() -> tuple[float, dict[str, int], dict[str, str]]:
        health = {name: fleet.health(name, timeout=3) for name in fleet.members}
        view = {name: row["status"] for name, row in fleet.stats().items() if name in fleet.members}
        return time.monotonic(), health, view

    async def monitor() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            samples.append(await asyncio.to_thread(sample))
            await asyncio.sleep(0.2)

    def recovered() -> bool:
        back = timeline["back"]
        healthy = any(
            t > back and set(h.values()) == {200} and set(v.values()) == {"UP"} for t, h, v in samples
        )
        bought = any(a.status == 201 and a.started > back for p in purchases for a in p.attempts)
        return healthy and bought

    tasks = [asyncio.create_task(buyer(c)) for c in range(BUYERS)] + [asyncio.create_task(monitor())]
    try:
        await asyncio.sleep(2)
        timeline["stop"] = time.monotonic()
        await asyncio.to_thread(postgres.stop, "fast")
        timeline["stopped"] = time.monotonic()
        await asyncio.sleep(DOWN_SECONDS)
        timeline["restart"] = time.monotonic()
        await asyncio.to_thread(postgres.start)
        timeline["back"] = time.monotonic()  # pg_ctl -w: accepting connections
        limit = timeline["back"] + RECOVERY_LIMIT
        while time.monotonic() < limit and not recovered():
            await asyncio.sleep(0.1)
        timeline["recovered"] = time.monotonic()
        await asyncio.sleep(2)  # steady again
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    timeline["end"] = time.monotonic()
    return {"purchases": purchases, "reads": reads, "samples": samples, "timeline": timeline}


def test_database_restart_fails_cleanly_and_recovers(haproxy, fleet_dir):
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL's server programs are missing (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    postgres = PrivatePostgres(bin_dir)
    try:
        postgres.init()
        postgres.start()
        url = postgres.create_database("maticko")
        migrate(url)
        (slug, ticket_type), warm = create_events(url, 100_000, 1000)
        with Fleet(url, instances=2, env=FLEET_ENV, work_dir=fleet_dir, haproxy_path=haproxy) as fleet:
            run_async(warm_up(fleet, *warm))
            run = run_async(sale_through_a_database_restart(fleet, postgres, slug, ticket_type))
        database = check_sale_integrity(sale_figures(url, slug), run["purchases"])
        outbox = deliver_outbox(url, fleet_dir / "mail")
    finally:
        (fleet_dir / "postgres.log").write_text(postgres.log_tail(400))
        postgres.destroy()

    purchases: list[Purchase] = run["purchases"]
    timeline = run["timeline"]
    attempts = [a for p in purchases for a in p.attempts]
    replies = attempts + run["reads"]
    back, stop = timeline["back"], timeline["stop"]
    during = [r for r in replies if r.started >= stop and r.ended <= back]
    errors_after_back = [r for r in replies if r.started > back and r.status >= 500]
    healthy_again = [t for t, h, _ in run["samples"] if t > back and set(h.values()) == {200}]
    up_again = [t for t, _, v in run["samples"] if t > back and set(v.values()) == {"UP"}]
    bought_again = [a.ended for a in attempts if a.status == 201 and a.started > back]
    figures = {
        "instances": 2,
        "clients": BUYERS,
        "requests": len(replies),
        "statuses": status_counts(replies),
        "connection_errors": connection_errors(replies),
        "statuses_while_down": status_counts(during),
        "answered_by_app_503": sum(1 for r in replies if r.status == 503 and "x-request-id" in r.headers),
        "answered_by_haproxy_503": sum(
            1 for r in replies if r.status == 503 and "x-request-id" not in r.headers
        ),
        "orders_placed": sum(1 for p in purchases if p.code),
        "buyers_who_retried": sum(1 for p in purchases if p.failed_attempts),
        "replayed_orders": sum(1 for p in purchases if p.final and "idempotent-replayed" in p.final.headers),
        "database_down_s": round(back - stop, 3),
        "errors_after_database_back": len(errors_after_back),
        "last_error_after_database_back_s": since(
            back, max((r.ended for r in errors_after_back), default=None)
        ),
        "health_200_after_database_back_s": since(back, min(healthy_again, default=None)),
        "haproxy_all_up_after_database_back_s": since(back, min(up_again, default=None)),
        "first_order_after_database_back_s": since(back, min(bought_again, default=None)),
        **database,
        "emails_sent_by_deliver_outbox": outbox["sent"],
        "emails_left": outbox["pending"],
    }
    report("database_restart", figures)
    assert outbox["pending"] == 0, "confirmation emails are stuck in the outbox"

    # While PostgreSQL is away: 503s a person can read, nothing else.
    bad = [r for r in replies if r.status >= 500 and r.status != 503]
    assert not bad, [(r.status, r.served_by, r.body[:300]) for r in bad[:10]]
    unreadable = [r for r in replies if r.status == 503 and not is_readable_503(r)]
    assert not unreadable, [(r.headers, r.body[:300]) for r in unreadable[:5]]
    assert not [r for r in replies if r.status == 0], figures["connection_errors"]
    assert Counter(r.status for r in during)[503] > 0, "the outage was not noticed: no 503 while it was down"
    # The fleet recovers by itself, within the bound.
    assert healthy_again, f"an instance's /health/ was not 200 within {RECOVERY_LIMIT} s"
    assert up_again, f"HAProxy did not see every instance up within {RECOVERY_LIMIT} s"
    assert bought_again, f"no purchase succeeded within {RECOVERY_LIMIT} s"
    # Every buyer ended with an order (retrying through the outage), none half-written (checked above).
    assert Counter(p.status for p in purchases) == {201: len(purchases)}, [
        (p.status, p.body[:200]) for p in purchases if p.status != 201
    ][:5]
