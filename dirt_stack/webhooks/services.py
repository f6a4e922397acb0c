"""What organizers do with webhooks (the back office and the API call these): endpoints
created and changed, secrets revealed and rotated, test messages, resending and replaying,
each in the audit log (EndpointChange); and the events' ``sends_webhooks`` flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Organizer, User
from core import domain_events
from events.models import Event
from webhooks import delivery, payloads, signing
from webhooks.models import EndpointChange, WebhookDelivery, WebhookEndpoint

REPLAY_MAX = 1000


def audit(
    endpoint: WebhookEndpoint, action: str, actor: User | None, actor_label: str, **detail: Any
) -> EndpointChange:
    return EndpointChange.objects.create(
        organizer_id=endpoint.organizer_id,
        endpoint=endpoint,
        action=action,
        detail=detail,
        actor=actor,
        actor_label=actor_label[:200],
    )


def refresh_flags(organizer_id: int) -> None:
    """Set ``Event.sends_webhooks`` on the organizer's events from its enabled endpoints:
    true exactly where one listens (no event filter, or the event in its filter)."""
    listening = WebhookEndpoint.objects.filter(organizer_id=organizer_id, enabled=True)
    wanted = Exists(listening.filter(events=None)) | Exists(listening.filter(events=OuterRef("pk")))
    events = Event.objects.filter(organizer_id=organizer_id)
    events.filter(wanted).exclude(sends_webhooks=True).update(sends_webhooks=True)
    events.exclude(wanted).exclude(sends_webhooks=False).update(sends_webhooks=False)


def listened(event: Event) -> bool:
    """Whether an enabled endpoint listens to ``event`` (saved or about to be)."""
    listening = WebhookEndpoint.objects.filter(organizer_id=event.organizer_id, enabled=True)
    if event.pk is None:
        return listening.filter(events=None).exists()
    return listening.filter(Q(events=None) | Q(events=event.pk)).exists()


def _values(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "events": sorted(endpoint.events.values_list("pk", flat=True)) if endpoint.pk else [],
        "enabled": endpoint.enabled,
    }


@transaction.atomic
def save_endpoint(
    organizer: Organizer,
    endpoint: WebhookEndpoint | None,
    cleaned: dict[str, Any],
    *,
    actor: User | None,
    actor_label: str,
) -> WebhookEndpoint:
    """Create or change an endpoint from a valid form's ``cleaned_data`` (url, description,
    event_types, events, enabled); audited with what changed."""
    creating = endpoint is None
    if endpoint is None:
        endpoint = WebhookEndpoint(organizer=organizer, secret=signing.new_secret())
    before = _values(endpoint)
    endpoint.url = cleaned["url"]
    endpoint.description = cleaned.get("description", "")
    endpoint.event_types = sorted(cleaned.get("event_types") or [])
    enabled = bool(cleaned.get("enabled", True))
    if enabled and not endpoint.enabled:
        endpoint.disabled_reason = ""
        endpoint.failing_since = None
    endpoint.enabled = enabled
    endpoint.save()
    endpoint.events.set(cleaned.get("events") or [])
    after = _values(endpoint)
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    refresh_flags(organizer.pk)
    if creating:
        audit(endpoint, "created", actor, actor_label, **after)
    elif changed:
        audit(endpoint, "changed", actor, actor_label, **changed)
    return endpoint


@transaction.atomic
def delete_endpoint(endpoint: WebhookEndpoint, *, actor: User | None, actor_label: str) -> None:
    audit(endpoint, "deleted", actor, actor_label, url=endpoint.url)
    organizer_id = endpoint.organizer_id
    endpoint.delete()
    refresh_flags(organizer_id)


def reveal(endpoint: WebhookEndpoint, *, actor: User | None, actor_label: str) -> list[str]:
    """The secrets that sign now (the current first); audited."""
    audit(endpoint, "secret_revealed", actor, actor_label)
    return signing.signing_secrets(
        endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_until, timezone.now()
    )


@transaction.atomic
def rotate(endpoint: WebhookEndpoint, *, actor: User | None, actor_label: str) -> WebhookEndpoint:
    """A new secret; the old one keeps signing too for ROTATION_OVERLAP."""
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    locked.previous_secret = locked.secret
    locked.previous_secret_until = timezone.now() + signing.ROTATION_OVERLAP
    locked.secret = signing.new_secret()
    locked.save(update_fields=["previous_secret", "previous_secret_until", "secret", "updated_at"])
    audit(
        locked,
        "secret_rotated",
        actor,
        actor_label,
        old_secret_until=locked.previous_secret_until.isoformat(),
    )
    return locked


@transaction.atomic
def send_test(endpoint: WebhookEndpoint, *, actor: User | None, actor_label: str) -> WebhookDelivery:
    """A ``webhook.test`` message to the endpoint; a disabled endpoint gets it too (it is how
    one checks a fix), once, without retries."""
    queued = delivery.queue_one(endpoint, payloads.TEST, payloads.test_body(endpoint.pk, timezone.now()))
    audit(endpoint, "test_sent", actor, actor_label, message_id=queued.message_id)
    return queued


@transaction.atomic
def resend(sent: WebhookDelivery, *, actor: User | None, actor_label: str) -> WebhookDelivery:
    """Send a delivery again now (the same webhook-id and body), whatever its status."""
    WebhookDelivery.objects.filter(pk=sent.pk).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), claimed_until=None, attempts=0
    )
    audit(sent.endpoint, "resent", actor, actor_label, message_id=sent.message_id)
    delivery_id = sent.pk
    transaction.on_commit(lambda: delivery.kick([delivery_id]))
    sent.refresh_from_db()
    return sent


@transaction.atomic
def replay(endpoint: WebhookEndpoint, since: dt.datetime, *, actor: User | None, actor_label: str) -> int:
    """Send again every failed delivery of the endpoint created since ``since`` (at most
    REPLAY_MAX, the oldest first); returns how many."""
    ids = list(
        WebhookDelivery.objects.filter(
            endpoint=endpoint, created_at__gte=since, status=WebhookDelivery.Status.FAILED
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:REPLAY_MAX]
    )
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), claimed_until=None, attempts=0
    )
    audit(endpoint, "replayed", actor, actor_label, since=since.isoformat(), count=len(ids))
    transaction.on_commit(lambda: delivery.kick(ids))
    return len(ids)


EVENT_TYPES = (*domain_events.TYPES,)
