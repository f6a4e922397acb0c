"""The sweeper: expire what is overdue everywhere, not only where a buyer finds stock short.

``sweep`` releases, date by date, every expired hold and every pending order past its
payment deadline (sales.stock.release_expired: set-based, safe to run anywhere at any
time; the orders' buyers are emailed through the outbox), retries refunds a stopped
process left pending, and forgets spent proof-of-work challenges that have expired.
It runs in every gunicorn worker's outbox sweep (once a minute, core.outbox.on_sweep)
and in ``make run``'s development server, and on demand as ``manage.py sweep_expired``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from sales import challenges, lifecycle, stock
from sales.models import Hold, Order


@dataclass(frozen=True)
class Sweep:
    dates: int
    tickets_released: int
    refunds_completed: int


def sweep(now: dt.datetime | None = None) -> Sweep:
    now = now or timezone.now()
    date_ids = set(Hold.objects.expired(now).values_list("date_id", flat=True).distinct()) | set(
        Order.objects.overdue(now).values_list("date_id", flat=True).distinct()
    )
    released = sum(stock.release_expired(date_id) for date_id in sorted(date_ids))
    challenges.forget_expired(now)
    return Sweep(
        dates=len(date_ids), tickets_released=released, refunds_completed=lifecycle.retry_stale_refunds(now)
    )


def sweep_quietly() -> None:
    """``sweep`` for core.outbox's periodic sweep (which logs what raises)."""
    sweep()
