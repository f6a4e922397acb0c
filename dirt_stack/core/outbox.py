"""A transactional outbox: side effects (emails) that must happen once a change commits.

``enqueue(kind, payload)`` writes an OutboxMessage inside the caller's
transaction and, once it commits, hands it to a small per-process thread pool,
so the request answers without waiting for SMTP. While the process is serving
other requests too (a rush), or its pool already has MAX_QUEUED messages, the
message is left for the once-a-minute sweep, so that sending never slows down
buying. Delivery marks the message
sent. If the process dies first, the message stays pending and the next
delivery in any process (or ``manage.py deliver_outbox``) sends it: nothing a
buyer was promised is lost with an instance.

With ``OUTBOX_DELIVERY=immediate`` (the tests) messages are delivered in the
committing thread instead.

A handler registered with ``own_transactions=True`` (a long piece of work that commits
as it goes, such as settling a batch of a cancelled event's orders) runs outside the
delivery's transaction: its message is claimed by a conditional UPDATE first, and put
back (pending) if the handler raises. Such a handler must be safe to run twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from core import load
from core.models import OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[str, Handler] = {}
_own_transactions: set[str] = set()
MAX_ATTEMPTS = 5
# A pending message older than this was orphaned by a process that stopped.
STRAGGLER_AGE = dt.timedelta(minutes=1)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_last_straggler_sweep = 0.0


def handler(kind: str, *, own_transactions: bool = False) -> Callable[[Handler], Handler]:
    """Register the function that delivers messages of ``kind`` (with ``own_transactions``,
    run outside the delivery's transaction; see the module's docstring)."""

    def register(function: Handler) -> Handler:
        _handlers[kind] = function
        if own_transactions:
            _own_transactions.add(kind)
        return function

    return register


def new_message(kind: str, payload: dict[str, Any]) -> OutboxMessage:
    """An unsaved message; ``enqueue`` saves and dispatches it, or a caller that
    writes rows itself (sales.purchase, one PostgreSQL statement) saves it and
    calls ``dispatch_on_commit``."""
    if kind not in _handlers:
        raise KeyError(f"No outbox handler for {kind!r}.")
    return OutboxMessage(kind=kind, payload=payload)


def enqueue(kind: str, payload: dict[str, Any]) -> OutboxMessage:
    message = new_message(kind, payload)
    message.save(force_insert=True)
    dispatch_on_commit(message)
    return message


def dispatch_on_commit(message: OutboxMessage) -> None:
    """Hand a message saved in the current transaction to delivery once that commits
    (at once when no transaction is open: the statement that saved it committed)."""
    message_id = message.pk
    transaction.on_commit(lambda: _dispatch(message_id))


# At most this many deliveries wait in a process's pool.
MAX_QUEUED = 4
_queued = 0


def _dispatch(message_id: int) -> None:
    global _queued
    if settings.OUTBOX_DELIVERY == "immediate":
        deliver(message_id)
        return
    # While the process serves other requests too (an on-sale rush), the message
    # stays pending and the sweep sends it a minute or so later: rendering
    # emails and PDFs must not take the CPU the buyers need right now.
    if load.busy():
        return
    with _executor_lock:
        if _queued >= MAX_QUEUED:
            return
        _queued += 1
    _pool().submit(_deliver_in_background, message_id)


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbox")
        return _executor


def _deliver_in_background(message_id: int) -> None:
    global _last_straggler_sweep, _queued
    with _executor_lock:
        _queued -= 1
    close_old_connections()
    try:
        deliver(message_id)
        if time.monotonic() - _last_straggler_sweep > STRAGGLER_AGE.total_seconds():
            _last_straggler_sweep = time.monotonic()
            deliver_pending(older_than=STRAGGLER_AGE)
    except Exception:
        logger.exception("outbox delivery failed", extra={"message_id": message_id})
    finally:
        close_old_connections()


def deliver(message_id: int) -> bool:
    """Deliver one pending message; True if it was sent now."""
    kind = OutboxMessage.objects.filter(pk=message_id).values_list("kind", flat=True).first()
    if kind in _own_transactions:
        return _deliver_claimed(message_id)
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .first()
        )
        if message is None:
            return False
        try:
            _handlers[message.kind](message.payload)
        except Exception as exc:
            logger.exception("outbox message failed", extra={"message_id": message.pk, "kind": message.kind})
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.sent_at = timezone.now()
        message.attempts += 1
        message.save(update_fields=["sent_at", "attempts"])
        return True


def _deliver_claimed(message_id: int) -> bool:
    """Claim a pending message (marked sent by one conditional UPDATE, so one delivery
    runs it), then run its handler outside any transaction of ours; put it back pending
    with the error if the handler raises."""
    claimed = OutboxMessage.objects.filter(
        pk=message_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS
    ).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        _handlers[message.kind](message.payload)
    except Exception as exc:
        logger.exception("outbox message failed", extra={"message_id": message.pk, "kind": message.kind})
        OutboxMessage.objects.filter(pk=message_id).update(
            sent_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return False
    return True


def deliver_pending(older_than: dt.timedelta = dt.timedelta(0), limit: int = 100) -> int:
    """Deliver pending messages created more than ``older_than`` ago; returns how many were sent."""
    cutoff = timezone.now() - older_than
    ids = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(message_id) for message_id in ids)


SWEEP_INTERVAL_SECONDS = 60
_sweeper: threading.Thread | None = None
# Other periodic work that runs with each sweep (registered by higher layers:
# sales.sweeper expires overdue orders), each after the emails.
_periodic: list[Callable[[], None]] = []
# Work that runs more often than the sweep, on the same thread (onsale's admission
# ticker, every second): function -> seconds between two runs.
_frequent: dict[Callable[[], None], float] = {}
_frequent_next: dict[Callable[[], None], float] = {}


def on_sweep(function: Callable[[], None], every: float | None = None) -> Callable[[], None]:
    """Run ``function`` on every sweep of every process (it must be safe to run anywhere, any
    time); with ``every``, every that many seconds instead, also while a sweep drains emails."""
    if every is not None:
        _frequent[function] = every
    elif function not in _periodic:
        _periodic.append(function)
    return function


def run_periodic() -> None:
    for function in list(_periodic):
        try:
            function()
        except Exception:
            logger.exception("periodic sweep task failed", extra={"task": function.__name__})
            close_old_connections()


def run_frequent() -> float:
    """Run the frequent work that is due; returns the seconds until the next is due."""
    now = time.monotonic()
    for function, every in list(_frequent.items()):
        if _frequent_next.get(function, 0.0) <= now:
            # Scheduled from the start of the run: a run that took long is not followed by a pause.
            _frequent_next[function] = now + every
            try:
                function()
            except Exception:
                logger.exception("frequent sweep task failed", extra={"task": function.__name__})
                # A task that failed on a broken connection (the database restarted) leaves
                # it to this thread: drop it, so the next task connects afresh.
                close_old_connections()
    if not _frequent_next:
        return float("inf")
    return max(min(_frequent_next.values()) - time.monotonic(), 0.0)


def start_sweeper(interval: float = SWEEP_INTERVAL_SECONDS) -> None:
    """Start, once per process, a daemon thread that delivers stragglers every ``interval`` seconds
    (and runs the frequent work in between).

    gunicorn starts it in every worker (post_fork), so messages orphaned by a
    killed instance are sent within a couple of minutes by whichever instance
    sweeps first; skip-locked row locks keep two sweepers from sending one twice.
    """
    global _sweeper
    with _executor_lock:
        if _sweeper is not None:
            return
        _sweeper = threading.Thread(
            target=_sweep_forever, args=(interval,), name="outbox-sweeper", daemon=True
        )
        _sweeper.start()


def _sweep_forever(interval: float) -> None:
    # Spread the sweeps of many workers over the interval.
    next_sweep = time.monotonic() + interval * (0.5 + random.random())  # noqa: S311 - jitter, not security
    while True:
        close_old_connections()
        try:
            until_frequent = run_frequent()
            if time.monotonic() >= next_sweep:
                # Set first: a sweep that fails (the database is down) waits its interval too.
                next_sweep = time.monotonic() + interval
                run_periodic()
                # Drain the backlog a rush left, in batches, for most of one interval
                # (the frequent work keeps its pace between batches).
                deadline = time.monotonic() + interval * 0.8
                while deliver_pending(older_than=STRAGGLER_AGE) and time.monotonic() < deadline:
                    run_frequent()
                until_frequent = run_frequent()
        except Exception:
            logger.exception("outbox sweep failed")
            until_frequent = 1.0
        finally:
            close_old_connections()
        time.sleep(max(min(until_frequent, next_sweep - time.monotonic()), 0.01))
