"""Send every webhook delivery that is due now, in this process (WEBHOOK_DELIVERY=manual, or
to drain a backlog by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from webhooks import delivery


class Command(BaseCommand):
    help = "Send every webhook delivery that is due now."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = 0
        while batch := delivery.run_due():
            sent += batch
        self.stdout.write(f"{sent} webhook attempt(s) made.")
