"""Keeps ``Event.sends_webhooks`` right however an event or an endpoint is saved (connected
in apps.py): a saved event's flag is computed from the endpoints (so a copy loaded before an
endpoint changed never writes a stale flag back), and an endpoint saved or deleted outside
the services (the admin, a shell) refreshes its organizer's events."""

from __future__ import annotations

from typing import Any

from events.models import Event
from webhooks.models import WebhookEndpoint
from webhooks.services import listened, refresh_flags


def event_flag(sender: type[Event], instance: Event, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if fields is not None and "sends_webhooks" not in fields:
        return
    instance.sends_webhooks = listened(instance)


def endpoint_changed(sender: type[WebhookEndpoint], instance: WebhookEndpoint, **kwargs: Any) -> None:
    refresh_flags(instance.organizer_id)
