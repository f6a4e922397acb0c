"""Fanning messages out to endpoints and sending them.

``fan_out`` (core.outbox's handler for core.domain_events' rows) writes one WebhookDelivery
per enabled endpoint that listens to the message's type and event, with the message's body,
and hands them to this process's own thread pool (``WEBHOOK_WORKERS`` threads, never the
request threads nor the email outbox's pool) once that commits. Deliveries run concurrently,
so a slow receiver holds one thread, not the others.

While the process is busy serving requests (core.load: an on-sale rush) nothing is handed to
the pool; ``dispatch_due``, on the outbox's sweeper thread every second, sends what is due
once the process is quiet again (and what another process left: claims lapse after
``CLAIM``), so sending webhooks never takes the CPU buyers need.

Each attempt is signed anew (its timestamp) with the same ``webhook-id`` and body. A 2xx
succeeds; anything else (a 3xx too: redirects are not followed, a timeout, a refused address)
schedules the next attempt after ``SCHEDULE`` (Standard Webhooks' schedule) plus up to 20 %
jitter, or later when the answer's ``Retry-After`` asks (at most ``RETRY_AFTER_MAX``). 410 Gone
disables the endpoint; so do ``DISABLE_AFTER`` of failures with no success between. A disabled
endpoint's owners are emailed. ``now`` is injectable everywhere (the tests' clock).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Membership
from core import domain_events, load, outbox
from core.locales import DEFAULT_LANGUAGE
from webhooks import net, payloads, signing
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# The wait before each attempt (the first is immediate), as Standard Webhooks recommends.
SCHEDULE: tuple[dt.timedelta, ...] = (
    dt.timedelta(0),
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
JITTER = 0.2
RETRY_AFTER_MAX = dt.timedelta(hours=10)
DISABLE_AFTER = dt.timedelta(days=5)
CLAIM = dt.timedelta(seconds=60)
KEEP_LOG = dt.timedelta(days=30)
DISABLED_EMAIL = "webhooks.endpoint_disabled"
HEADERS_STORED = 50


# --- fan-out -----------------------------------------------------------------------------------


def matching(organizer_id: int, event_id: int | None, event_type: str) -> list[WebhookEndpoint]:
    """The organizer's enabled endpoints for ``event_type`` on ``event_id``."""
    found = WebhookEndpoint.objects.filter(organizer_id=organizer_id, enabled=True)
    if event_id is not None:
        found = found.filter(Q(events=None) | Q(events=event_id))
    return [endpoint for endpoint in found.distinct() if endpoint.listens_to(event_type)]


@outbox.handler(domain_events.KIND)
def fan_out(message: dict[str, Any]) -> None:
    """One delivery per listening endpoint for each thing the message tells."""
    created: list[WebhookDelivery] = []
    now = timezone.now()
    for told in message["events"]:
        endpoints = matching(message["organizer_id"], message.get("event_id"), told["type"])
        if not endpoints:
            continue
        text = payloads.body(told["type"], told["timestamp"], told["subject"])
        if text is None:
            logger.warning("webhook subject gone before fan-out", extra={"type": told["type"]})
            continue
        created += WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                endpoint=endpoint,
                message_id=signing.new_message_id(),
                event_type=told["type"],
                event_id=message.get("event_id"),
                payload=text,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        )
    ids = [delivery.pk for delivery in created]
    if ids:
        transaction.on_commit(lambda: kick(ids))


def queue_one(
    endpoint: WebhookEndpoint, event_type: str, text: str, event_id: int | None = None
) -> WebhookDelivery:
    """A delivery of ``text`` to one endpoint (a test message), sent once the caller commits."""
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id=signing.new_message_id(),
        event_type=event_type,
        event_id=event_id,
        payload=text,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: kick([delivery.pk]))
    return delivery


# --- the pool ----------------------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()
_in_flight = 0


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.WEBHOOK_WORKERS, thread_name_prefix="webhooks"
            )
        return _executor


def kick(delivery_ids: Iterable[int]) -> None:
    """Send these deliveries now: in this thread with WEBHOOK_DELIVERY=immediate (the tests),
    else on the pool unless the process is busy (then ``dispatch_due`` sends them later)."""
    if settings.WEBHOOK_DELIVERY == "immediate":
        for delivery_id in delivery_ids:
            attempt(delivery_id)
        return
    if settings.WEBHOOK_DELIVERY != "background" or load.busy():
        return
    ids = list(delivery_ids)
    # Claimed first, as dispatch_due claims: one process, one thread sends a delivery.
    for delivery_id in claim_due(timezone.now(), len(ids), ids):
        if not _submit(delivery_id):
            WebhookDelivery.objects.filter(pk=delivery_id).update(claimed_until=None)


def _submit(delivery_id: int, now: dt.datetime | None = None) -> bool:
    global _in_flight
    with _lock:
        if _in_flight >= settings.WEBHOOK_WORKERS * 4:
            return False  # dispatch_due sends it when there is room
        _in_flight += 1
    _pool().submit(_attempt_in_background, delivery_id)
    return True


def _attempt_in_background(delivery_id: int) -> None:
    global _in_flight
    close_old_connections()
    try:
        attempt(delivery_id)
    except Exception:
        logger.exception("webhook attempt failed", extra={"delivery_id": delivery_id})
    finally:
        with _lock:
            _in_flight -= 1
        close_old_connections()


def claim_due(now: dt.datetime, limit: int, among: list[int] | None = None) -> list[int]:
    """Claim up to ``limit`` deliveries due at ``now`` (``among`` these ids); no other thread
    or process sends them until CLAIM passes."""
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
    if among is not None:
        due = due.filter(pk__in=among)
    with transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(claimed_until=now + CLAIM)
    return ids


def dispatch_due() -> None:
    """The sweeper's every-second work: hand due deliveries to the pool while the process is quiet."""
    if settings.WEBHOOK_DELIVERY != "background" or load.busy():
        return
    room = settings.WEBHOOK_WORKERS * 4 - _in_flight
    if room <= 0:
        return
    for delivery_id in claim_due(timezone.now(), room):
        if not _submit(delivery_id):
            WebhookDelivery.objects.filter(pk=delivery_id).update(claimed_until=None)


def run_due(now: dt.datetime | None = None, limit: int = 100) -> int:
    """Send every delivery due at ``now`` in this thread (``manage.py deliver_webhooks``, tests)."""
    now = now or timezone.now()
    ids = claim_due(now, limit)
    for delivery_id in ids:
        attempt(delivery_id, now=now)
    return len(ids)


# --- one attempt -------------------------------------------------------------------------------


def retry_after(headers: dict[str, str], now: dt.datetime) -> dt.timedelta | None:
    """The answer's Retry-After (seconds or an HTTP date), bounded by RETRY_AFTER_MAX."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), "").strip()
    if not raw:
        return None
    wait: dt.timedelta | None = None
    if raw.isdigit():
        wait = dt.timedelta(seconds=min(int(raw[:9]), int(RETRY_AFTER_MAX.total_seconds())))
    else:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        wait = when - now
    return max(dt.timedelta(0), min(wait, RETRY_AFTER_MAX))


def next_wait(attempts: int, headers: dict[str, str], now: dt.datetime) -> dt.timedelta | None:
    """The wait after failed attempt number ``attempts`` (None: that was the last)."""
    if attempts >= len(SCHEDULE):
        return None
    wait = SCHEDULE[attempts] * (1 + random.random() * JITTER)  # noqa: S311 - jitter, not security
    asked = retry_after(headers, now)
    return max(wait, asked) if asked is not None else wait


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def attempt(delivery_id: int, now: dt.datetime | None = None) -> WebhookAttempt | None:
    """Send one attempt of a pending delivery and record it; None when it is not pending
    (sent meanwhile) or its endpoint is disabled (then it fails without a request)."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return None
    endpoint = delivery.endpoint
    if not endpoint.enabled and delivery.event_type != payloads.TEST:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.FAILED, next_attempt_at=None, claimed_until=None
        )
        return None
    signing_secrets = signing.signing_secrets(
        endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_until, now
    )
    headers = {
        "content-type": "application/json",
        "user-agent": "Maticko-Webhooks/1",
        **signing.headers(delivery.message_id, delivery.payload, now, signing_secrets),
    }
    record = WebhookAttempt(delivery=delivery, attempted_at=now, request_headers=headers)
    try:
        response = net.post(endpoint.url, delivery.payload.encode(), headers)
    except net.Refused as exc:
        record.error = str(exc)[:500]
        response = None
    except Exception as exc:  # timeouts, refused connections, TLS failures: the attempt failed
        record.error = f"{type(exc).__name__}: {exc}"[:500]
        response = None
    if response is not None:
        record.response_status = response.status
        record.response_headers = dict(list(response.headers.items())[:HEADERS_STORED])
        record.response_body = _text(response.body)
        record.duration_ms = response.duration_ms
    _settle(delivery, endpoint, record, now)
    return record


@transaction.atomic
def _settle(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint, record: WebhookAttempt, now: dt.datetime
) -> None:
    record.save()
    attempts = delivery.attempts + 1
    status = record.response_status
    update: dict[str, Any] = {"attempts": attempts, "last_status_code": status, "claimed_until": None}
    if record.succeeded:
        update |= {"status": WebhookDelivery.Status.SUCCEEDED, "next_attempt_at": None}
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    else:
        failing_since = endpoint.failing_since or now
        if endpoint.failing_since is None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
                failing_since=now
            )
        wait = next_wait(attempts, record.response_headers, now)
        if not endpoint.enabled:
            wait = None  # a test message to a disabled endpoint: once
        elif status == 410:
            disable(endpoint, "The endpoint answered 410 Gone.")
            wait = None
        elif now - failing_since >= DISABLE_AFTER:
            disable(endpoint, f"Every attempt failed for {DISABLE_AFTER.days} days.")
            wait = None
        if wait is None:
            update |= {"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None}
        else:
            update["next_attempt_at"] = now + wait
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**update)


def disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Disable the endpoint and email its organizer's owners (once: when it was enabled)."""
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
        enabled=False, disabled_reason=reason[:200]
    ):
        return
    endpoint.enabled, endpoint.disabled_reason = False, reason[:200]
    from webhooks import services  # the flags and the audit log live there

    services.refresh_flags(endpoint.organizer_id)
    services.audit(endpoint, "disabled", None, "Maticko", reason=reason)
    outbox.enqueue(DISABLED_EMAIL, {"endpoint_id": endpoint.pk, "reason": reason})


@outbox.handler(DISABLED_EMAIL)
def _tell_owners(payload: dict[str, Any]) -> None:
    endpoint = WebhookEndpoint.objects.select_related("organizer").filter(pk=payload["endpoint_id"]).first()
    if endpoint is None:
        return
    owners = list(
        Membership.objects.filter(organizer=endpoint.organizer, role=Membership.Role.OWNER).values_list(
            "user__email", flat=True
        )
    )
    if not owners:
        return
    context = {
        "endpoint": endpoint,
        "organizer": endpoint.organizer,
        "reason": payload["reason"],
        "url": f"{settings.SITE_URL.rstrip('/')}/manage/{endpoint.organizer.slug}/webhooks/{endpoint.pk}/",
    }
    # Owners have no language of their own: English, whichever thread sends it (a delivery
    # made in a buyer's request must not write it in the buyer's language).
    with translation.override(DEFAULT_LANGUAGE):
        subject = gettext("Webhook endpoint disabled: %(organizer)s") % {"organizer": endpoint.organizer.name}
        send_mail(
            subject=subject[:200].replace("\n", " "),
            message=render_to_string("webhooks/email/disabled.txt", context),
            from_email=None,
            recipient_list=owners,
        )


# --- the log -----------------------------------------------------------------------------------


def sweep_log(now: dt.datetime | None = None) -> int:
    """Delete deliveries (and their attempts) older than KEEP_LOG; returns how many."""
    cutoff = (now or timezone.now()) - KEEP_LOG
    deleted, _ = (
        WebhookDelivery.objects.filter(created_at__lt=cutoff)
        .exclude(status=WebhookDelivery.Status.PENDING)
        .delete()
    )
    return deleted


def sweep_quietly() -> None:
    """``sweep_log`` for core.outbox's periodic sweep (which logs what raises)."""
    sweep_log()
