"""Plain-dict shapes of events for Inertia pages and, later, the REST API."""

from __future__ import annotations

from typing import Any

from events.models import Event


def event_summary(event: Event) -> dict[str, Any]:
    """What a list of events shows. Times carry the event's own UTC offset."""
    tz = event.tz
    return {
        "slug": event.slug,
        "title": event.title,
        "organizer": {"name": event.organizer.name, "slug": event.organizer.slug},
        "starts_at": event.starts_at.astimezone(tz).isoformat(),
        "ends_at": event.ends_at.astimezone(tz).isoformat(),
        "timezone": event.timezone,
        "venue": event.venue_label,
        "is_online": event.is_online,
        "status": event.status,
    }


def event_detail(event: Event) -> dict[str, Any]:
    return {
        **event_summary(event),
        "description": event.description,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
    }
