"""Send every pending outbox message (emails) now, in batches; safe to run at any time, on any instance."""

from typing import Any

from django.core.management.base import BaseCommand

from core import outbox


class Command(BaseCommand):
    help = "Deliver pending outbox messages (e.g. order confirmation emails)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = 0
        while batch := outbox.deliver_pending():
            sent += batch
        self.stdout.write(f"Delivered {sent} message(s).")
