"""CSV export benchmark: orders and attendees of a 100,000-ticket event.

Creates the event on a fresh PostgreSQL database, then, in a fresh process,
streams both exports to files through the same generators the download views
use, and prints JSON: rows, bytes, seconds, and the process's peak memory
(max RSS) before and after, so the growth caused by the export is visible.

Usage: python bench/export.py [--tickets 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import database_url, manage, production_env

SETUP = """
import datetime as dt
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from accounts.models import Organizer
from events import dates
from events.models import DateTicketType, Event, EventDate, TicketType
from sales.models import Order, OrderLine, Ticket
organizer, _ = Organizer.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
start = timezone.now() + dt.timedelta(days=3)
n = %(tickets)d
with transaction.atomic():
    event = Event.objects.create(organizer=organizer, slug="export-bench", title="Big festival",
        status="published", starts_at=start, ends_at=start + dt.timedelta(hours=9), venue_name="Park")
    tt = TicketType.objects.create(event=event, name="Day pass", price=Decimal("49.00"), capacity=n)
    (date,) = dates.add_dates(event, [dates.DateTimes(event.starts_at, event.ends_at)])
    # Every ticket sold: the stock counters say so, as sales.stock would have left them.
    EventDate.objects.filter(pk=date.pk).update(allocated=n)
    DateTicketType.objects.filter(date=date, ticket_type=tt).update(allocated=n)
    for chunk in range(0, n // 4, 5000):
        batch = Order.objects.bulk_create(Order(event=event, date=date, buyer_name=f"Buyer {i}",
            buyer_email=f"buyer{i}@example.com", status="paid", payment_method="demo", currency="EUR",
            subtotal=Decimal("196.00"), total=Decimal("196.00"), paid_at=timezone.now())
            for i in range(chunk, min(chunk + 5000, n // 4)))
        OrderLine.objects.bulk_create(OrderLine(order=o, ticket_type=tt, quantity=4,
            unit_price=Decimal("49.00"), total=Decimal("196.00")) for o in batch)
        Ticket.objects.bulk_create(Ticket(order=o, ticket_type=tt, attendee_name=f"Guest {o.pk}-{k}",
            price=Decimal("49.00")) for o in batch for k in range(4))
print("ok")
"""

EXPORT = """
import json, resource, time
from events.models import Event
from backoffice import reports
event = Event.objects.get(slug="export-bench")
event.ticket_types.count()
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
results = {"baseline_max_rss_mib": round(baseline / 1024, 1)}
for kind, generator in (("orders", reports.orders_csv), ("attendees", reports.attendees_csv)):
    started = time.perf_counter()
    rows = size = 0
    with open(%(out)r + "-" + kind + ".csv", "w") as out:
        for line in generator(event):
            out.write(line)
            rows += 1
            size += len(line)
    results[kind] = {"rows": rows - 1, "mib": round(size / 2**20, 1),
                     "seconds": round(time.perf_counter() - started, 2),
                     "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
print(json.dumps(results))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="maticko-export-"))
    env = production_env(database_url("postgres", workdir), LOG_LEVEL="WARNING")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "shell", "-v", "0", "-c", SETUP % {"tickets": args.tickets})
    # Fresh planner statistics, as autovacuum would gather after a real sale.
    subprocess.run(["psql", env["DATABASE_URL"], "-qc", "ANALYZE"], check=True)
    result = json.loads(
        manage(env, "shell", "-v", "0", "-c", EXPORT % {"out": str(workdir / "export")}).strip()
    )
    result["tickets"] = args.tickets
    result["growth_mib"] = round(result["attendees"]["max_rss_mib"] - result["baseline_max_rss_mib"], 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
