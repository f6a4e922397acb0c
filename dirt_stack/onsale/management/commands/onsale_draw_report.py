"""``manage.py onsale_draw_report <event slug>``: a room's queue as CSV, for auditing its draw.

One row per entry in position order (entries not yet placed last, by arrival): its id,
join time, whether it joined before the sale started, its draw (the random rank fixed
at join in random mode) and its position. In random mode the pre-queued entries'
positions follow their draws; everyone after them follows arrival.
"""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F

from onsale.models import QueueEntry, Room


class Command(BaseCommand):
    help = "Print an on-sale room's queue (join time, draw, position) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The event's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        room = Room.objects.filter(event__slug=options["slug"]).first()
        if room is None:
            raise CommandError(f"No on-sale room for an event {options['slug']!r}.")
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["entry", "joined_at", "prequeued", "draw", "position", "status"])
        entries = QueueEntry.objects.filter(room=room).order_by(
            F("position").asc(nulls_last=True), "joined_at", "id"
        )
        for entry in entries.iterator(chunk_size=2000):
            writer.writerow(
                [
                    entry.pk,
                    entry.joined_at.isoformat(),
                    int(entry.prequeued),
                    "" if entry.draw is None else entry.draw,
                    "" if entry.position is None else entry.position,
                    entry.status,
                ]
            )
