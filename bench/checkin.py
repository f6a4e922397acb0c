"""Check-in benchmark: 50 scanners admit 10,000 tickets through POST /api/v1/checkin.

Starts the production server on a fresh PostgreSQL database, creates an event
with 10,000 paid tickets and an API token, measures the same server's
GET /health/ rate, then lets S concurrent scanners check every ticket in once
(plus a second scan of every tenth ticket, which must say "already checked
in"). Prints JSON: check-ins/s, p50/p95/p99 latency, outcomes, admitted count in
the database (must equal the ticket count), /health/ rate and the ratio.

Usage: python bench/checkin.py [--tickets 10000] [--scanners 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Request, health_rate, run_load
from server import database_url, manage, production_env, production_server

SETUP = """
import datetime as dt, json
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from accounts.models import Organizer
from accounts.tokens import create_token
from checkin.models import CheckInList
from events import dates
from events.models import DateTicketType, Event, EventDate, TicketType
from sales.models import Order, OrderLine, Ticket
organizer, _ = Organizer.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
start = timezone.now() + dt.timedelta(hours=1)
with transaction.atomic():
    event = Event.objects.create(organizer=organizer, slug="checkin-bench", title="Door rush",
        status="published", starts_at=start, ends_at=start + dt.timedelta(hours=4), venue_name="Arena")
    tt = TicketType.objects.create(event=event, name="Entry", price=Decimal("10.00"), capacity=%(tickets)d)
    (date,) = dates.add_dates(event, [dates.DateTimes(event.starts_at, event.ends_at)])
    # Every ticket sold: the stock counters say so, as sales.stock would have left them.
    EventDate.objects.filter(pk=date.pk).update(allocated=%(tickets)d)
    DateTicketType.objects.filter(date=date, ticket_type=tt).update(allocated=%(tickets)d)
    orders = Order.objects.bulk_create(Order(event=event, date=date, buyer_name=f"Buyer {n}",
        buyer_email=f"b{n}@example.com", status="paid", payment_method="demo", currency="EUR",
        subtotal=Decimal("100.00"), total=Decimal("100.00"), paid_at=timezone.now())
        for n in range(%(tickets)d // 10))
    OrderLine.objects.bulk_create(OrderLine(order=o, ticket_type=tt, quantity=10, unit_price=Decimal("10.00"),
        total=Decimal("100.00")) for o in orders)
    tickets = Ticket.objects.bulk_create(Ticket(order=o, ticket_type=tt, attendee_name=f"Guest {o.pk}-{i}",
        price=Decimal("10.00")) for o in orders for i in range(10))
    door = CheckInList.objects.create(event=event, name="Main entrance")
_, raw = create_token(organizer=organizer, name="bench scanners", role="door_staff", created_by=None)
print(json.dumps({"token": raw, "list": door.pk, "secrets": [t.secret for t in tickets]}))
"""

COUNT = """
from checkin.models import CheckIn
print(CheckIn.objects.filter(check_in_list__event__slug="checkin-bench", reverted_at__isnull=True).count())
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--scanners", type=int, default=50)
    parser.add_argument("--health-seconds", type=float, default=8)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="maticko-checkin-"))
    # Every scanner shares one API token here; the per-token limit (600 a minute)
    # would answer most scans 429 and measure the limiter, not the check-in.
    env = production_env(database_url("postgres", workdir), API_RATE_LIMIT="0")
    manage(env, "migrate", "--noinput", "-v", "0")
    setup = json.loads(manage(env, "shell", "-v", "0", "-c", SETUP % {"tickets": args.tickets}).strip())
    # Every ticket once, then every tenth ticket again.
    scans = setup["secrets"] + setup["secrets"][::10]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {setup['token']}"}

    with production_server(env, workdir) as port:
        health = health_rate("127.0.0.1", port, concurrency=args.scanners, duration_s=args.health_seconds)

        def scan(client: int, i: int) -> Request | None:
            index = client + i * args.scanners
            if index >= len(scans):
                return None
            body = json.dumps({"secret": scans[index], "list_id": setup["list"]}).encode()
            return Request("POST", "/api/v1/checkin", body, headers)

        result = asyncio.run(run_load("127.0.0.1", port, scan, args.scanners, timeout_s=60))
        outcomes = Counter(
            json.loads(r.body).get("outcome", "error") if r.status == 200 else r.status
            for r in result.responses
        )
        summary = result.summary()
        admitted = int(manage(env, "shell", "-v", "0", "-c", COUNT).strip())
        rate = round(len(result.responses) / result.elapsed_s, 1)
        print(
            json.dumps(
                {
                    "tickets": args.tickets,
                    "scanners": args.scanners,
                    "scans": summary["requests"],
                    "checkins_per_s": rate,
                    "p50_ms": summary["p50_ms"],
                    "p95_ms": summary["p95_ms"],
                    "p99_ms": summary["p99_ms"],
                    "statuses": summary["statuses"],
                    "outcomes": {str(k): v for k, v in outcomes.items()},
                    "admitted_in_database": admitted,
                    "health_requests_per_s": health["requests_per_s"],
                    "checkins_to_health_ratio": round(rate / health["requests_per_s"], 3),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
