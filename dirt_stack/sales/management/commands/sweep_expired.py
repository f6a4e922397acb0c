"""Expire every overdue hold and pending order now (all dates) and email their buyers;
safe to run at any time, on any instance."""

from typing import Any

from django.core.management.base import BaseCommand

from sales.sweeper import sweep


class Command(BaseCommand):
    help = "Release expired holds and expire pending orders past their payment deadline, on every date."

    def handle(self, *args: Any, **options: Any) -> None:
        done = sweep()
        self.stdout.write(
            f"Released {done.tickets_released} ticket(s) on {done.dates} date(s); "
            f"completed {done.refunds_completed} stale refund(s)."
        )
