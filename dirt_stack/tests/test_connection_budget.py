"""The connection budget: what one instance really holds on PostgreSQL.

Each gunicorn worker process holds at most GUNICORN_THREADS + 3 connections (its
request threads, the outbox's two delivery threads and its sweeper), which is the
pool's default ceiling (settings.py); an instance at most WEB_CONCURRENCY times
that. infrastructure/docs/0022-database-roles-and-connections.md adds it up for the fleet.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import psycopg
import pytest

from tests.factories import make_event, make_ticket_type
from tests.support.processes import database_url_for_child, gunicorn_server, run_manage

WORKERS = 2
THREADS = 4
PER_PROCESS = THREADS + 3

PRINT_POOL = """
import json
from django.conf import settings
print("POOL-JSON " + json.dumps(settings.DATABASES["default"]["OPTIONS"]["pool"]))
"""


def pool_under(env: dict[str, str | None]) -> dict:
    env = {"DATABASE_URL": "postgres://app@db.internal:5432/maticko", **env}
    result = run_manage(["shell", "-v", "0", "-c", PRINT_POOL], env)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("POOL-JSON "))
    return json.loads(line.removeprefix("POOL-JSON "))


def test_the_pool_ceiling_follows_the_threads_of_a_process():
    assert pool_under({"GUNICORN_THREADS": None})["max_size"] == 4 + 3
    assert pool_under({"GUNICORN_THREADS": "8"})["max_size"] == 8 + 3
    assert pool_under({"GUNICORN_THREADS": "8", "DATABASE_POOL_MAX_SIZE": "5"})["max_size"] == 5
    assert pool_under({})["min_size"] == 1


class ConnectionSampler:
    """Counts, every few milliseconds, the server's connections of one application name."""

    def __init__(self, url: str, application_name: str) -> None:
        self.url = url.replace("postgres://", "postgresql://", 1)
        self.application_name = application_name
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True, application_name="maticko-budget-sampler") as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                    [self.application_name],
                ).fetchone()
                self.peak = max(self.peak, row[0] if row else 0)
                self.samples += 1
                time.sleep(0.005)


def purchase(base_url: str, slug: str, ticket_type_id: int, buyer: int) -> int:
    body = json.dumps(
        {
            "lines": [{"ticket_type_id": ticket_type_id, "quantity": 1}],
            "buyer": {"name": f"Buyer {buyer}", "email": f"buyer{buyer}@example.com"},
            "payment_method": "offline",
        }
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/api/v1/events/{slug}/orders",
        data=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_instance_holds_at_most_workers_times_threads_plus_three(tmp_path):
    event = make_event(payment_methods=["offline"])
    ticket_type = make_ticket_type(event, price=Decimal("25.00"), capacity=5000, max_per_order=10)
    url = database_url_for_child(tmp_path)
    application_name = f"maticko-budget-{secrets.token_hex(4)}"
    env = {
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "DATABASE_URL": url,
        "DATABASE_APPLICATION_NAME": application_name,
        # The pool's defaults are what is measured.
        "DATABASE_POOL_MAX_SIZE": None,
        "DATABASE_POOL_MIN_SIZE": None,
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": str(THREADS),
        "OUTBOX_DELIVERY": "background",
        "EMAIL_URL": f"filemail://{tmp_path / 'mail'}",
        # Every buyer here comes from 127.0.0.1: the per-address limits are off.
        "PURCHASE_RATE_LIMIT": "0",
        "BUYER_SHARE_MIN_TICKETS": "1000000",
        "BUYER_SHARE_MAX_TICKETS": "1000000",
        "PRESSURE_TAKES_PER_MINUTE": "0",
        "LOG_LEVEL": "warning",
    }
    statuses: list[int] = []
    buyers = iter(range(1_000_000))
    clients = WORKERS * THREADS * 2
    with (
        gunicorn_server(env, tmp_path, workers=WORKERS) as server,
        ConnectionSampler(url, application_name) as sampler,
        ThreadPoolExecutor(max_workers=clients) as pool,
    ):
        for _ in range(12):
            # One purchase at a time: each process is idle enough to send its
            # confirmation email from the outbox's threads at once...
            for _ in range(WORKERS * 2):
                statuses.append(purchase(server.url, event.slug, ticket_type.pk, next(buyers)))
            # ...while a rush of concurrent purchases arrives on every request thread.
            rush = [
                pool.submit(purchase, server.url, event.slug, ticket_type.pk, next(buyers))
                for _ in range(clients * 3)
            ]
            statuses += [future.result() for future in rush]
        time.sleep(1)  # the last emails
        output = server.output()

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE sent_at IS NOT NULL), count(*) FROM core_outboxmessage"
        ).fetchone()
    emails, messages = row if row else (0, 0)
    print(
        f"\nconnection budget: peak {sampler.peak} connections of {application_name} "
        f"over {sampler.samples} samples "
        f"(ceiling {WORKERS} x ({THREADS} + 3) = {WORKERS * PER_PROCESS}); {len(statuses)} purchases, "
        f"{emails} of {messages} emails sent by the outbox"
    )
    assert set(statuses) == {201}, output[-3000:]
    assert emails > 0, "the outbox sent nothing: its threads were not exercised"
    assert WORKERS <= sampler.peak <= WORKERS * PER_PROCESS
