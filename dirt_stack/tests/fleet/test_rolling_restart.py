"""A rolling restart under steady load fails no request.

Like the Auto Scaling group's rolling update (MinInstancesInService 1,
MaxBatchSize 1), the instances are replaced one at a time: each is first
drained in HAProxy (no new requests; the in-flight ones finish), then gets
SIGTERM (gunicorn finishes what it still has), is started again, becomes
healthy in HAProxy's eyes and is set ready again. Clients do not retry here:
every request must succeed the first time.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from typing import Any

import pytest

from tests.fleet.support import (
    FLEET_ENV,
    JSON,
    Client,
    Fleet,
    Purchase,
    Reply,
    check_sale_integrity,
    connection_errors,
    create_events,
    port_of,
    purchase_body,
    report,
    run_async,
    sale_figures,
    status_counts,
    warm_up,
)

pytestmark = [pytest.mark.fleet, pytest.mark.slow, pytest.mark.postgres]

CLIENTS = 8
THINK_SECONDS = 0.02  # between two requests of one client
MAX_REQUESTS_PER_CLIENT = 3000
LOAD_TIMEOUT = 90  # seconds; the restart takes about 10
# Shedding off (ADR 0029: a deadline of 0): this test is about restarts, and on a busy
# machine a request may wait past the deadline for reasons that have nothing to do with
# them. Shedding has tests of its own (test_overload.py, the on-sale room's fleet test).
RESTART_ENV = {**FLEET_ENV, "REQUEST_QUEUE_DEADLINE_MS": "0"}


async def restart_under_load(fleet: Fleet, slug: str, ticket_type: int) -> dict[str, Any]:
    replies: list[tuple[str, str | None, Reply]] = []  # (kind, idempotency key, reply)
    stop = asyncio.Event()
    deadline = time.monotonic() + LOAD_TIMEOUT

    async def client_tab(c: int) -> None:
        client = Client(port_of(fleet))
        try:
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if stop.is_set() or time.monotonic() >= deadline:
                    return
                if i % 2:
                    key = str(uuid.uuid4())
                    body = purchase_body(ticket_type, c * MAX_REQUESTS_PER_CLIENT + i)
                    headers = {**JSON, "Idempotency-Key": key}
                    reply = await client.request("POST", f"/api/v1/events/{slug}/orders", body, headers)
                    replies.append(("purchase", key, reply))
                else:
                    replies.append(("read", None, await client.request("GET", f"/api/v1/events/{slug}")))
                await asyncio.sleep(THINK_SECONDS)
        finally:
            await client.close()

    tabs = [asyncio.create_task(client_tab(c)) for c in range(CLIENTS)]
    await asyncio.sleep(1)
    restart_started = time.monotonic()
    try:
        restarts = await asyncio.wait_for(asyncio.to_thread(fleet.rolling_restart), LOAD_TIMEOUT)
        restart_ended = time.monotonic()
        await asyncio.sleep(1.5)  # both new instances serve
    finally:
        stop.set()
        await asyncio.gather(*tabs)
    return {
        "replies": replies,
        "restarts": restarts,
        "restart_started": restart_started,
        "restart_ended": restart_ended,
    }


def test_rolling_restart_under_load_fails_no_request(haproxy, fleet_database, fleet_dir):
    (slug, ticket_type), warm = create_events(fleet_database, 100_000, 1000)
    instances = {"instances": 2, "env": RESTART_ENV, "work_dir": fleet_dir, "haproxy_path": haproxy}
    with Fleet(fleet_database, **instances) as fleet:
        run_async(warm_up(fleet, *warm))
        run = run_async(restart_under_load(fleet, slug, ticket_type))
    replies = [reply for _, _, reply in run["replies"]]
    during = [r for r in replies if run["restart_started"] <= r.started <= run["restart_ended"]]
    after = [r for r in replies if r.started > run["restart_ended"]]
    latencies = sorted(r.ended - r.started for r in during)
    failed = [r for r in replies if r.status not in (200, 201)]
    figures = {
        "instances": 2,
        "clients": CLIENTS,
        "requests": len(replies),
        "requests_during_restart": len(during),
        "failed_requests": len(failed),
        "statuses": status_counts(replies),
        "connection_errors": connection_errors(replies),
        "restart_seconds": round(run["restart_ended"] - run["restart_started"], 3),
        "max_latency_during_restart_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "p99_latency_during_restart_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1)
        if latencies
        else None,
        "restarts": [r.as_dict() for r in run["restarts"]],
        "served_by_during_restart": dict(Counter(r.served_by for r in during)),
        "served_by_after_restart": dict(Counter(r.served_by for r in after)),
    }

    purchases = [
        Purchase(key=key, attempts=[reply])
        for kind, key, reply in run["replies"]
        if kind == "purchase" and key
    ]
    database = check_sale_integrity(sale_figures(fleet_database, slug), purchases)
    figures.update(database)
    report("rolling_restart", figures)

    assert not failed, [(r.status, r.served_by, r.body[:200]) for r in failed[:10]]
    assert all(r.drained for r in run["restarts"]), "an instance still had requests in flight after 30 s"
    assert all(r.exit_code == 0 for r in run["restarts"]), "gunicorn did not exit cleanly on SIGTERM"
    assert len(during) > 100, "too little load during the restart to mean anything"
    assert set(figures["served_by_after_restart"]) == {"app1", "app2"}, "a restarted instance serves nothing"
    assert database["orders"] == sum(1 for p in purchases if p.status == 201)
