"""Flash-sale benchmark: C buyers race for N tickets through the purchase API.

Starts the production server (gunicorn with gunicorn.conf.py and production
settings) on a fresh database, creates an event with N tickets, measures the
same server's GET /health/ rate, then lets C concurrent buyers each buy one
ticket after another (each request with its own Idempotency-Key) until the
event is sold out. Prints JSON:

    tickets, sold, oversold (counted in the database), orders, orders_per_s,
    p50/p95/p99 latency of the purchase requests, non-2xx and 409 counts, 5xx,
    the /health/ requests/s of the same server, and the ratio of the two rates.

After the sell-out, the same buyers keep trying for ``--refused-seconds`` (default
5; 0 skips it): the report's ``refused`` part gives the refused attempts per second
(409 "sold out"), their latency, any other status, and the ratio to /health/.

With ``--dates N`` each event is a series of N weekly dates, each with its own
stock of N tickets, and the sale is on one of them: every purchase names that
date (``"date": <id>``), as a buyer of a series does. ``--dates 1`` (the
default) is a single-date event, whose purchases name no date.

With ``--events N`` there are N events on sale at once, each with N tickets;
buyers are spread over them (buyer c buys at event c mod N). The report then
adds, per event, what sold and when its first and last orders came (seconds
from the start of the sale): events that do not queue behind each other sell
side by side, each finishing in about the same time.

With ``--webhook-delay S`` a local receiver that takes S seconds per request is registered as
a webhook endpoint (order.created and order.paid) for every event; after the sale the
benchmark waits until every order's order.created and order.paid reached it (checked by the
receiver with the Standard Webhooks verifier) and adds ``webhooks`` to the report: what was
delivered, how long after the sale, and deliveries per second. Compare ``orders_per_s`` with
a run without the flag: webhooks must not slow the sale.

With ``--invoices`` the organizer issues an invoice when an order is paid (every demo order is
paid at once, so each purchase also numbers and stores an invoice in its transaction); the
report adds ``invoices``: how many were issued and whether their numbers run 1..N with no gap
and no duplicate. Compare ``orders_per_s`` with a run without the flag.

Usage:
    python bench/flash_sale.py --database postgres --tickets 2000 --buyers 200
    python bench/flash_sale.py --database postgres --tickets 2000 --buyers 200 --invoices
    python bench/flash_sale.py --database postgres --tickets 500 --buyers 100 --webhook-delay 2
    python bench/flash_sale.py --database sqlite --tickets 500 --buyers 50
    python bench/flash_sale.py --database postgres --tickets 1000 --buyers 200 --events 2
    python bench/flash_sale.py --database postgres --tickets 2000 --buyers 200 --dates 50
    python bench/flash_sale.py --database postgres --tickets 1500 --buyers 50 --refused-seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Connection, LoadResult, Request, Response, health_rate, run_load
from server import cpu_ms_per_request, cpu_seconds, database_url, manage, production_env, production_server

SETUP_EVENT = """
import datetime as dt, json
from decimal import Decimal
from django.utils import timezone
from accounts.models import Organizer
from events import dates
from events.models import Event, TicketType
organizer, _ = Organizer.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
start = timezone.now() + dt.timedelta(days=30)
week, length = dt.timedelta(weeks=1), dt.timedelta(hours=3)
events = []
for n in range(%(events)d):
    slug = f"flash-sale-{n}-" + timezone.now().strftime("%%H%%M%%S%%f")
    event = Event.objects.create(organizer=organizer, slug=slug, title=f"Flash sale {n}", status="published",
        starts_at=start, ends_at=start + length, venue_name="Arena", currency="EUR",
        payment_methods=["demo"])
    ticket_type = TicketType.objects.create(event=event, name="Standing", price=Decimal("39.00"),
        capacity=%(tickets)d, max_per_order=10)
    # Weekly dates, each with its own stock of the ticket type; the sale is on the middle one.
    series = dates.add_dates(event, [dates.DateTimes(start + k * week, start + k * week + length)
        for k in range(%(dates)d)])
    events.append({"slug": slug, "ticket_type": ticket_type.pk, "date": series[len(series) // 2].pk})
print(json.dumps(events))
"""

REGISTER_ENDPOINT = """
import json
from accounts.models import Organizer
from webhooks import services
from webhooks.forms import EndpointForm
organizer = Organizer.objects.get(slug="bench")
form = EndpointForm({"url": "%(url)s", "event_types": ["order.created", "order.paid"], "enabled": True},
    organizer=organizer)
assert form.is_valid(), form.errors
endpoint = services.save_endpoint(organizer, None, form.cleaned_data, actor=None, actor_label="bench")
print(json.dumps({"secret": endpoint.secret}))
"""


ISSUE_INVOICES = """
from accounts.models import Organizer
from invoicing.models import InvoiceSettings
organizer = Organizer.objects.get(slug="bench")
Organizer.objects.filter(pk=organizer.pk).update(legal_name="Bench Events GmbH",
    legal_address="Hauptstrasse 1\\n10115 Berlin", country="DE", vat_id="DE123456789")
# Saving the settings sets the events' invoices_when_paid flag (invoicing.signals).
InvoiceSettings.objects.update_or_create(organizer=organizer,
    defaults={"mode": InvoiceSettings.Mode.WHEN_PAID, "prefix": "BENCH-"})
"""

COUNT_INVOICES = """
import json
from invoicing.models import Invoice
from sales.models import Order
issued = Invoice.objects.filter(organizer__slug="bench", prefix="BENCH-", kind="invoice")
numbers = sorted(issued.values_list("sequence", flat=True))
paid = Order.objects.filter(event__organizer__slug="bench", status="paid").count()
print(json.dumps({"issued": len(numbers), "paid_orders": paid,
    "numbers_gapless": numbers == list(range(1, len(numbers) + 1))}))
"""


class SlowReceiver:
    """A webhook receiver on 127.0.0.1 that takes ``delay`` seconds per request and verifies
    each signature; it keeps (type, order code) of what it accepted."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.secret = ""
        self.accepted: set[tuple[str, str]] = set()
        self.requests = 0
        self.rejected = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(receiver.delay)
                from standardwebhooks import Webhook

                try:
                    message: Any = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                except Exception:
                    message = None
                with receiver.lock:
                    receiver.requests += 1
                    if message is None:
                        receiver.rejected += 1
                    else:
                        receiver.accepted.add((message["type"], message["data"]["code"]))
                self.send_response(200 if message is not None else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self, event_type: str) -> int:
        with self.lock:
            return sum(1 for kind, _ in self.accepted if kind == event_type)


COUNT = """
import json
from django.db.models import Count, Sum
from events.models import DateTicketType, EventDate
from sales.models import Order, Ticket
date = EventDate.objects.get(pk=%(date)d)
stock = DateTicketType.objects.get(date=date)
sold = Ticket.objects.filter(order__date=date, order__status__in=["pending", "paid"]).count()
other_dates = EventDate.objects.filter(event_id=date.event_id).exclude(pk=date.pk)
print(json.dumps({
    "sold": sold,
    "orders": Order.objects.filter(event_id=date.event_id).count(),
    "allocated": stock.allocated,
    "capacity": stock.capacity,
    "oversold": max(sold - stock.capacity, 0),
    # The counters equal the tickets: its ticket type's on the date, and the date's own
    # (kept only under a shared capacity, else 0: ADR 0012).
    "counters_exact": stock.allocated == sold
        and date.allocated == (sold if date.capacity is not None else 0),
    "allocated_on_other_dates": DateTicketType.objects.filter(date__in=other_dates).aggregate(
        n=Sum("allocated"))["n"] or 0,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--events", type=int, default=1, help="events on sale at once (each with --tickets)")
    parser.add_argument(
        "--dates", type=int, default=1, help="dates per event (each with --tickets); the sale is on one"
    )
    parser.add_argument("--health-seconds", type=float, default=8)
    parser.add_argument(
        "--webhook-delay",
        type=float,
        default=None,
        help="a webhook receiver taking this many seconds per request; wait for every order's messages",
    )
    parser.add_argument(
        "--webhook-wait", type=float, default=900, help="seconds to wait for the webhooks after the sale"
    )
    parser.add_argument(
        "--invoices", action="store_true", help="the organizer issues an invoice with every paid order"
    )
    parser.add_argument(
        "--refused-seconds",
        type=float,
        default=5,
        help="after the sell-out, how long the buyers keep trying (0: not at all)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py's)"
    )
    parser.add_argument(
        "--serve", action="store_true", help="run the image's command: nginx in front of gunicorn (serve.sh)"
    )
    args = parser.parse_args()
    if min(args.tickets, args.buyers, args.events, args.dates) < 1:
        parser.error("--tickets, --buyers, --events and --dates must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="maticko-bench-"))
    env = production_env(
        database_url(args.database, workdir),
        DEMO_PAYMENTS="true",
        PURCHASE_RATE_LIMIT="0",  # every buyer comes from 127.0.0.1
        # The load generator solves no proof of work; a real rush's falls on browsers.
        PRESSURE_TAKES_PER_MINUTE="0",
        STATIC_ROOT=str(workdir / "static"),
    )
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    receiver = SlowReceiver(args.webhook_delay) if args.webhook_delay is not None else None
    if receiver is not None:
        # The local receiver is plain HTTP on loopback: allowed for this run only.
        env["WEBHOOKS_ALLOW_HTTP"] = "true"
        env["WEBHOOKS_ALLOWED_PORTS"] = ""  # the receiver's port
        env["WEBHOOKS_ALLOW_LOOPBACK"] = "true"
    manage(env, "migrate", "--noinput", "-v", "0")
    events = json.loads(
        manage(
            env,
            "shell",
            "-v",
            "0",
            "-c",
            SETUP_EVENT % {"tickets": args.tickets, "events": args.events, "dates": args.dates},
        ).strip()
    )

    if args.invoices:
        manage(env, "shell", "-v", "0", "-c", ISSUE_INVOICES)
    if receiver is not None:
        receiver.secret = json.loads(
            manage(env, "shell", "-v", "0", "-c", REGISTER_ENDPOINT % {"url": receiver.url}).strip()
        )["secret"]

    with production_server(env, workdir, serve=args.serve) as port:
        cpu_before_health = cpu_seconds()
        health = health_rate("127.0.0.1", port, concurrency=args.buyers, duration_s=args.health_seconds)
        health_cpu = cpu_ms_per_request(cpu_before_health, cpu_seconds(), health["requests"])

        sold_out = set()
        # Per event: when each order was answered (seconds from the start of the sale).
        created_at: dict[str, list[float]] = {e["slug"]: [] for e in events}

        def event_of(client: int) -> dict[str, object]:
            return events[client % len(events)]

        def purchase(client: int, i: int) -> Request | None:
            return None if client in sold_out else order_request(client, i)

        def order_request(client: int, i: int) -> Request:
            event = event_of(client)
            path = f"/api/v1/events/{event['slug']}/orders"
            order = {
                "lines": [{"ticket_type_id": event["ticket_type"], "quantity": 1}],
                "buyer": {"name": f"Buyer {client}", "email": f"buyer{client}-{i}@example.com"},
                "payment_method": "demo",
            }
            if args.dates > 1:
                order["date"] = event["date"]
            body = json.dumps(order).encode()
            headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
            return Request("POST", path, body, headers)

        async def sale() -> LoadResult:
            # A client stops at its first 409 (sold out).
            results = []
            started = time.perf_counter()

            async def buyer(client: int) -> None:
                connection = Connection("127.0.0.1", port)
                i = 0
                try:
                    while True:
                        request = purchase(client, i)
                        if request is None:
                            return
                        t0 = time.perf_counter()
                        try:
                            response = await connection.send(request, 60)
                        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                            response = Response(0, (time.perf_counter() - t0) * 1000, str(exc).encode())
                            await connection.close()
                        results.append(response)
                        if response.status == 201:
                            created_at[str(event_of(client)["slug"])].append(time.perf_counter() - started)
                        if response.status == 409:
                            sold_out.add(client)
                        i += 1
                finally:
                    await connection.close()

            await asyncio.gather(*(buyer(c) for c in range(args.buyers)))
            return LoadResult(results, time.perf_counter() - started)

        cpu_before_sale = cpu_seconds()
        result = asyncio.run(sale())
        sale_cpu = cpu_seconds()
        summary = result.summary()

        refused = None
        if args.refused_seconds > 0:
            # The buyers who missed out keep trying: each attempt is a new purchase.
            refusals = asyncio.run(
                run_load("127.0.0.1", port, order_request, args.buyers, duration_s=args.refused_seconds)
            )
            refused_cpu = cpu_seconds()
            attempts = refusals.summary()
            refused_per_s = round(attempts["statuses"].get("409", 0) / refusals.elapsed_s, 1)
            refused = {
                "seconds": attempts["elapsed_s"],
                "attempts": attempts["requests"],
                "refused_per_s": refused_per_s,
                "refused_to_health_ratio": round(refused_per_s / health["requests_per_s"], 3)
                if health["requests_per_s"]
                else None,
                "p50_ms": attempts["p50_ms"],
                "p99_ms": attempts["p99_ms"],
                "status_counts": attempts["statuses"],
                "cpu_ms_per_refused_request": cpu_ms_per_request(sale_cpu, refused_cpu, attempts["requests"]),
            }
        webhooks = None
        if receiver is not None:
            created_orders = sum(1 for r in result.responses if r.status == 201)
            sale_over = time.perf_counter()
            deadline = sale_over + args.webhook_wait
            while time.perf_counter() < deadline and (
                receiver.delivered("order.created") < created_orders
                or receiver.delivered("order.paid") < created_orders
            ):
                time.sleep(1)
            waited = time.perf_counter() - sale_over
            webhooks = {
                "delay_s": args.webhook_delay,
                "orders": created_orders,
                "order_created_delivered": receiver.delivered("order.created"),
                "order_paid_delivered": receiver.delivered("order.paid"),
                "all_delivered": receiver.delivered("order.created") >= created_orders
                and receiver.delivered("order.paid") >= created_orders,
                "requests": receiver.requests,
                "rejected_signatures": receiver.rejected,
                "seconds_after_sale_until_delivered": round(waited, 1),
                "deliveries_per_s_after_sale": round(receiver.requests / waited, 1) if waited else None,
            }
        invoices = (
            json.loads(manage(env, "shell", "-v", "0", "-c", COUNT_INVOICES).strip())
            if args.invoices
            else None
        )
        per_event = []
        for event in events:
            counted = json.loads(
                manage(env, "shell", "-v", "0", "-c", COUNT % {"date": event["date"]}).strip()
            )
            times = created_at[str(event["slug"])]
            counted["first_order_s"] = round(min(times), 2) if times else None
            counted["last_order_s"] = round(max(times), 2) if times else None
            per_event.append(counted)
        counts = {
            k: sum(e[k] for e in per_event)
            for k in ("sold", "orders", "oversold", "allocated_on_other_dates")
        }
        created = sum(1 for r in result.responses if r.status == 201)
        statuses = summary["statuses"]
        orders_per_s = round(created / result.elapsed_s, 1)
        purchase_cpu = cpu_ms_per_request(cpu_before_sale, sale_cpu, summary["requests"])
        report = {
            "database": args.database,
            "buyers": args.buyers,
            "events": args.events,
            "dates_per_event": args.dates,
            "tickets": args.tickets * args.events,
            "sold": counts["sold"],
            "oversold": counts["oversold"],
            "counters_exact": all(e["counters_exact"] for e in per_event),
            "allocated_on_other_dates": counts["allocated_on_other_dates"],
            "orders": counts["orders"],
            "orders_created_responses": created,
            "lost_or_duplicated_orders": counts["orders"] - created,
            "orders_per_s": orders_per_s,
            "purchase_requests": summary["requests"],
            "p50_ms": summary["p50_ms"],
            "p95_ms": summary["p95_ms"],
            "p99_ms": summary["p99_ms"],
            "max_ms": summary["max_ms"],
            "status_counts": statuses,
            "non_2xx": sum(v for k, v in statuses.items() if not k.startswith("2")),
            "409": statuses.get("409", 0),
            "5xx": sum(v for k, v in statuses.items() if k.startswith("5")),
            "connection_errors": statuses.get("0", 0),
            "sale_seconds": summary["elapsed_s"],
            "health_requests_per_s": health["requests_per_s"],
            "health_p99_ms": health["p99_ms"],
            "orders_to_health_ratio": round(orders_per_s / health["requests_per_s"], 3)
            if health["requests_per_s"]
            else None,
            # CPU per request, by part (all parts share the machine's cores).
            "cpu_ms_per_purchase_request": purchase_cpu,
            "cpu_ms_per_health_request": health_cpu,
            "refused": refused,
            "webhooks": webhooks,
            "invoices": invoices,
        }
        if args.events > 1:
            report["per_event"] = per_event
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
