"""On-sale room benchmark (service level): joins per second and the cost of one admission round.

On a fresh database (PostgreSQL by default; ``--database sqlite``), creates an event
with an enabled room, lets ``--entries`` browsers join its pre-queue one after another
through ``onsale.services.join`` (one INSERT each), then measures the opening round
(drawing and placing the whole pre-queue) and ``--rounds`` further rounds each
admitting ``--rate`` / 60 a second from a queue of that size (simulated time, so nothing
waits). Prints JSON: joins/s, the opening round's milliseconds, and the median and p99
milliseconds of a regular round.

Usage: python bench/onsale_rounds.py [--entries 20000] [--rounds 200] [--rate 6000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import database_url, manage, production_env

MEASURE = """
import datetime as dt, json, statistics, time
from django.utils import timezone
from accounts.models import Organizer
from events import dates
from events.models import Event, TicketType
from onsale import services
from onsale.models import QueueEntry
organizer, _ = Organizer.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
start = timezone.now() + dt.timedelta(days=7)
event = Event.objects.create(organizer=organizer, slug="onsale-bench", title="Rush", status="published",
    starts_at=start, ends_at=start + dt.timedelta(hours=4), venue_name="Arena")
tt = TicketType.objects.create(event=event, name="Entry", price=10, capacity=10**6, max_per_order=10)
dates.add_dates(event, [dates.DateTimes(event.starts_at, event.ends_at)])
dates.add_stock_rows(event.dates.all(), [tt])
now = timezone.now()
room = services.configure(event, actor=None, actor_label="bench", enabled=True,
    queue_opens_at=now - dt.timedelta(minutes=1), sale_starts_at=now + dt.timedelta(hours=1),
    admissions_per_minute=%(rate)d, max_active_shoppers=100000)
began = time.perf_counter()
for i in range(%(entries)d):
    services.join(event, browser_id=f"b{i}", client_hash="0" * 40)
joins = %(entries)d / (time.perf_counter() - began)
began = time.perf_counter()
opening = services.tick(event.pk, now=room.sale_starts_at)
opening_ms = (time.perf_counter() - began) * 1000
rounds = []
for second in range(1, %(rounds)d + 1):
    began = time.perf_counter()
    result = services.tick(event.pk, now=room.sale_starts_at + dt.timedelta(seconds=second))
    rounds.append((time.perf_counter() - began) * 1000)
rounds.sort()
print(json.dumps({
    "entries": %(entries)d, "joins_per_s": round(joins, 1), "opening_round_ms": round(opening_ms, 1),
    "placed_at_opening": opening.placed, "round_ms_median": round(statistics.median(rounds), 2),
    "round_ms_p99": round(rounds[int(len(rounds) * 0.99) - 1], 2),
    "admitted": QueueEntry.objects.filter(room=room, admitted_at__isnull=False).count(),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--rate", type=int, default=6000)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="maticko-onsale-"))
    env = production_env(database_url(args.database, workdir))
    manage(env, "migrate", "--noinput")
    print(manage(env, "shell", "-c", MEASURE % vars(args)).strip().splitlines()[-1])


if __name__ == "__main__":
    main()
